/**
 * Child process for test/engineMemory.test.ts: runs one jitted program whose kernels form a chain of `links`
 * materialised intermediates (x ← x·W, then a tanh that fuses into the next matmul), each `n`×`n` float32, and
 * prints as JSON how far the wasm heap grew while the program ran, the bytes of one intermediate, and the result
 * next to the same chain computed op by op without jit. Its own process because the wasm heap only ever grows
 * and jax-js creates it when it loads: the heap's size is read from the `WebAssembly.Memory` jax-js constructs.
 */
import { watchWasmHeap } from "../bench/wasmHeap.js";
import { preparePlatform, threadsFromEnv } from "../src/runtime/platform.js";

const heapBytes = watchWasmHeap();

const n = Number(process.argv[2] ?? 256);
const links = Number(process.argv[3] ?? 24);
preparePlatform(threadsFromEnv());
const { initRuntime } = await import("../src/runtime/init.js");
await initRuntime({ device: "wasm" });
const { jit, numpy: np } = await import("@jax-js/jax");
type Arr = InstanceType<typeof np.Array>;

const values = (seed: number) =>
  Float32Array.from(
    { length: n * n },
    (_, i) => (((i * 7919 + seed * 104729) % 1999) / 1999 - 0.5) / Math.sqrt(n),
  );
const chain = (x: Arr, w: Arr): Arr => {
  for (let i = 0; i < links; i++) x = np.tanh(np.matmul(x, w.ref));
  w.dispose();
  return x;
};
/** The same chain, one link at a time: each link is computed before the next starts. */
const stepwise = async (x: Arr, w: Arr): Promise<Arr> => {
  for (let i = 0; i < links; i++) x = await np.tanh(np.matmul(x, w.ref)).blockUntilReady();
  w.dispose();
  return x;
};
const input = () => [np.array(values(1)).reshape([n, n]), np.array(values(2)).reshape([n, n])] as const;

// Link by link first: every intermediate is freed once the next link has run, so this sizes the heap for the
// inputs and one link's buffers before the jitted program runs.
const [x0, w0] = input();
const eager = Array.from((await (await stepwise(x0, w0)).data()) as Float32Array);
const [x1, w1] = input();
(await x1.ref.blockUntilReady()).dispose();
(await w1.ref.blockUntilReady()).dispose();
const before = heapBytes();
const jitted = Array.from((await jit(chain)(x1, w1).data()) as Float32Array);
const grown = heapBytes() - before;

let maxDiff = 0;
for (let i = 0; i < eager.length; i++) maxDiff = Math.max(maxDiff, Math.abs(eager[i] - jitted[i]));
console.log(JSON.stringify({ n, links, intermediateBytes: n * n * 4, grown, maxDiff, size: jitted.length }));
process.exit(0);
