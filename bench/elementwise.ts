/**
 * Transcendental elementwise kernels on one thread: a bit-exact digest of exp/erf/erfc/reciprocal over a wide
 * range of inputs and their ms per 1M elements (median of 7); the embedding gradient; the dropout masks of the
 * L2/H128 c = 2 step (CPU ms, median of 9). With `node --import ./bench/engineHook.mjs` and
 * `CMPLOSS_JAX_DIR` it measures another copy of the engine (the unpatched one) in the same way.
 */
import { createHash } from "node:crypto";
import { preparePlatform } from "../src/runtime/platform.js";

preparePlatform(1);
type Arr = import("@jax-js/jax").Array;
const { initRuntime } = await import("../src/runtime/init.js");
await initRuntime({ device: "wasm" });
const { numpy: np, jit, nn, lax, grad, random } = await import("@jax-js/jax");

const n = 1 << 20;
const xs = new Float32Array(n);
for (let i = 0; i < n; i++) xs[i] = (((i * 2654435761) % 4294967296) / 4294967296) * 200 - 100; // [-100, 100)
for (let i = 0; i < 64; i++)
  xs[i] = [0, -0, Infinity, -Infinity, NaN, 88.7, 88.8, -87.4, -87.3, -103.9][i % 10];
const fns = {
  exp: (x: Arr) => np.exp(x),
  erf: (x: Arr) => lax.erf(x),
  erfc: (x: Arr) => lax.erfc(x),
  gelu_erf: (x: Arr) => nn.gelu(x, { approximate: false }),
  reciprocal: (x: Arr) => np.reciprocal(x),
} as const;
const out: Record<string, { digest: string; ms: number }> = {};
for (const [name, f] of Object.entries(fns)) {
  const g = jit(f);
  const x = np.array(xs);
  const bits = new Uint8Array(((await g(x.ref).data()) as Float32Array).buffer);
  const digest = createHash("sha256").update(bits).digest("hex").slice(0, 16);
  const ts: number[] = [];
  for (let i = 0; i < 7; i++) {
    const t0 = performance.now();
    (await g(x.ref).blockUntilReady()).dispose();
    ts.push(performance.now() - t0);
  }
  x.dispose();
  ts.sort((a, b) => a - b);
  out[name] = { digest, ms: +ts[3].toFixed(2) };
}
// The embedding gradient of the L2/H128 bench step (B 32 × T 64, H 128, vocab 8000): a scatter-add of rows.
{
  const ids = np.array(
    Int32Array.from({ length: 32 * 64 }, (_, i) => 5 + ((i * 7919) % 7995)),
    { dtype: np.int32 },
  );
  const up = random.normal(random.key(3), [32, 64, 128]);
  const table = random.normal(random.key(4), [8000, 128]);
  const ids2d = ids.reshape([32, 64]);
  // Eagerly: jit wants a scatter's indices as constants; the scatter dominates this gradient either way.
  const g = (w: Arr, u: Arr) => grad((t: Arr) => np.take(t, ids2d.ref, 0).mul(u).sum())(w);
  const bits = new Uint8Array(((await g(table.ref, up.ref).data()) as Float32Array).buffer);
  const ts: number[] = [];
  for (let i = 0; i < 7; i++) {
    const t0 = performance.now();
    (await g(table.ref, up.ref).blockUntilReady()).dispose();
    ts.push(performance.now() - t0);
  }
  ts.sort((a, b) => a - b);
  out.embedding_grad = {
    digest: createHash("sha256").update(bits).digest("hex").slice(0, 16),
    ms: +ts[3].toFixed(2),
  };
}
// The dropout masks of the L2/H128 c = 2 bench step (B 32 × T 64): one uniform per unit, compared with each of
// the 3 variants' rates, scaled (CmpDrop's nested masks; patch 08). ms here is the process's CPU time (one
// thread), which a shared machine inflates less than wall time.
const rates = [0.1, 0.19, 0.271];
for (const [name, shape] of [
  ["dropout_hidden_3x32x64x128", [32, 64, 128]],
  ["dropout_attention_3x32x2x64x64", [32, 2, 64, 64]],
] as const) {
  const f = jit((k: Arr, x: Arr) => {
    const r = np.array(new Float32Array(rates)).reshape([3, ...shape.map(() => 1)]);
    const u = random.uniform(k, [...shape]);
    return np.where(u.greater(r.ref), x.div(np.subtract(1, r)), 0);
  });
  const x = random.normal(random.key(5), [3, ...shape]);
  const bits = new Uint8Array(((await f(random.key(6), x.ref).data()) as Float32Array).buffer);
  const cpu: number[] = [];
  for (let i = 0; i < 9; i++) {
    const c0 = process.cpuUsage();
    (await f(random.key(7 + i), x.ref).blockUntilReady()).dispose();
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
  }
  x.dispose();
  cpu.sort((a, b) => a - b);
  out[name] = {
    digest: createHash("sha256").update(bits).digest("hex").slice(0, 16),
    ms: +cpu[4].toFixed(2),
  };
}
console.log(JSON.stringify(out));
