/**
 * Child process for test/engineMemory.test.ts (engine patch 11): the same jitted program — a chain of `links`
 * materialised n × n intermediates (x ← tanh(x·W)) — run at a sequence of sizes n, largest first, as a training
 * run's padded lengths come and go. Prints as JSON the wasm heap after the first size and after all of them, the
 * bytes of one intermediate at the first size, and a digest of every result (the patch must not change values).
 */
import { createHash } from "node:crypto";
import { watchWasmHeap } from "../bench/wasmHeap.js";
import { preparePlatform, threadsFromEnv } from "../src/runtime/platform.js";

const heapBytes = watchWasmHeap();
const sizes = (process.argv[2] ?? "256,200,160").split(",").map(Number);
const links = Number(process.argv[3] ?? 8);
preparePlatform(threadsFromEnv());
const { initRuntime } = await import("../src/runtime/init.js");
await initRuntime({ device: "wasm" });
const { jit, numpy: np } = await import("@jax-js/jax");
type Arr = InstanceType<typeof np.Array>;

const chain = jit((x: Arr, w: Arr): Arr => {
  for (let i = 0; i < links; i++) x = np.tanh(np.matmul(x, w.ref));
  w.dispose();
  return x;
});
const values = (n: number, seed: number) =>
  Float32Array.from(
    { length: n * n },
    (_, i) => (((i * 7919 + seed * 104729) % 1999) / 1999 - 0.5) / Math.sqrt(n),
  );
const digest = createHash("sha256");
const heap: number[] = [];
for (const n of sizes) {
  const x = np.array(values(n, 1)).reshape([n, n]);
  const w = np.array(values(n, 2)).reshape([n, n]);
  digest.update(new Uint8Array(((await chain(x, w).data()) as Float32Array).buffer));
  heap.push(heapBytes());
}
console.log(
  JSON.stringify({
    sizes,
    links,
    intermediateBytes: sizes[0] * sizes[0] * 4,
    firstHeap: heap[0],
    lastHeap: heap.at(-1),
    digest: digest.digest("hex"),
  }),
);
process.exit(0);
