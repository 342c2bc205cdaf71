import { preparePlatform } from "../src/runtime/platform.js";
preparePlatform(1);
const { initRuntime } = await import("../src/runtime/init.js");
await initRuntime({ device: "wasm" });
const { jit, numpy: np, random } = await import("@jax-js/jax");
const R = 17, N = 12, T = 256, D = 32, H = 384;
const ctx0 = random.normal(random.key(1), [R, N, T, D]);
const w0 = random.normal(random.key(2), [H, H]);
const b0 = random.normal(random.key(3), [H]);
const linear = (x: any, w: any, b: any) => np.matmul(x, w.transpose()).add(b);
const forms: Record<string, (c: any, w: any, b: any) => any> = {
  perHead: (c, w, b) => {
    const ww = w.reshape([H, N, D]).transpose([1, 2, 0]).reshape([1, N, D, H]);
    return np.sum(np.matmul(c, ww), 1).add(b);
  },
  merged: (c, w, b) => linear(c.transpose([0, 2, 1, 3]).reshape([R, T, H]), w, b),
  mergedMul1: (c, w, b) => linear(c.transpose([0, 2, 1, 3]).reshape([R, T, H]).mul(1), w, b),
  mergedOnes: (c, w, b) => linear(c.transpose([0, 2, 1, 3]).reshape([R, T, H]).mul(b.ref.mul(0).add(1)), w, b),
  mergedTimesOnes: (c, w, b) => linear(c.transpose([0, 2, 1, 3]).reshape([R, T, H]).mul(np.ones([R, T, 1])), w, b),
  trainingForm: (c, w, b) => linear(c.transpose([0, 2, 1, 3]).reshape([R, T, H]), w, b),
  mergedCopyT: (c, w, b) => linear(c.transpose([0, 2, 1, 3]).reshape([R, T, H]).add(np.zeros([R, T, 1])), w, b),
};
const out: Record<string, Float32Array> = {};
for (const [name, f] of Object.entries(forms)) {
  if (name === "merged" || name === "mergedMul1" || name === "trainingForm") { out[name] = new Float32Array(R*T*H); continue; }
  const g = jit(f);
  await g(ctx0.ref, w0.ref, b0.ref).data();
  const t0 = performance.now();
  let r;
  for (let i = 0; i < 3; i++) r = await g(ctx0.ref, w0.ref, b0.ref).data();
  out[name] = r as Float32Array;
  console.log(name, ((performance.now() - t0) / 3).toFixed(1), "ms");
}
let md = 0, same = 0; out.merged = out.mergedTimesOnes;
for (let i = 0; i < out.merged.length; i++) { md = Math.max(md, Math.abs(out.merged[i] - out.mergedMul1[i])); if (out.merged[i] === out.perHead[i]) same++; }
console.log("max |merged - mergedMul1|", md, "perHead==merged fraction", same / out.merged.length);
process.exit(0);
