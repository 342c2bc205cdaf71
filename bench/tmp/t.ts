import { createHash } from "node:crypto";
import { preparePlatform } from "../../src/runtime/platform.js";
preparePlatform(1);
const { initRuntime } = await import("../../src/runtime/init.js");
await initRuntime({ device: "wasm" });
const { numpy: np, random, jit } = await import("@jax-js/jax");
const out: Record<string, string> = {};
const dig = (a: Float32Array | Uint32Array | Int32Array) => createHash("sha256").update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength)).digest("hex").slice(0, 16);
for (const shape of [[3, 32, 64, 128], [5, 7, 3], [1], [3], [4], [1027], [2, 3, 64, 64]]) {
  const key = random.key(42);
  const f = jit((k: any, x: any) => {
    const u = random.uniform(k, shape);
    const rate = np.array([0.1], { dtype: np.float32 });
    return np.where(u.greater(rate.ref), x.div(np.subtract(1, rate)), 0);
  });
  const x = random.normal(random.key(1), shape);
  const r = (await f(key.ref, x).data()) as Float32Array;
  const bits = (await random.bits(key, shape).data()) as Uint32Array;
  out[shape.join("x")] = dig(r) + " " + dig(bits);
}
const t0 = process.cpuUsage();
const g = jit((k: any) => random.uniform(k, [3, 32, 64, 128]));
for (let i = 0; i < 3; i++) (await g(random.key(i)).blockUntilReady()).dispose();
const c0 = process.cpuUsage(); 
for (let i = 0; i < 20; i++) (await g(random.key(i)).blockUntilReady()).dispose();
const c = process.cpuUsage(c0);
out.uniform_ms = (((c.user + c.system) / 1000) / 20).toFixed(2);
console.log(JSON.stringify(out));
