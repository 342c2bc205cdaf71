/**
 * GFLOP/s of each jax-js matmul path on one thread (median of 7 after 2 warm-ups) and a digest of each result's
 * bits: `tsx bench/matmulPaths.ts`. With `node --import ./bench/engineHook.mjs` and `CMPLOSS_JAX_DIR` it
 * measures another copy of the engine (the unpatched one), so the two can be compared in one run. Arguments
 * pick cases by a part of their name (`tsx bench/matmulPaths.ts heads` runs the attention cases only).
 */
import { createHash } from "node:crypto";
import { preparePlatform } from "../src/runtime/platform.js";
preparePlatform(1);
type Arr = import("@jax-js/jax").Array;
const { initRuntime } = await import("../src/runtime/init.js");
await initRuntime({ device: "wasm" });
const { numpy: np, random, jit } = await import("@jax-js/jax");
const cases: [string, number[], number[], (a: Arr, b: Arr) => Arr, number][] = [
  ["A.B   2048x128 . 128x512", [2048, 128], [128, 512], (a, b) => np.matmul(a, b), 2048 * 128 * 512],
  ["A.B   2048x512 . 512x128", [2048, 512], [512, 128], (a, b) => np.matmul(a, b), 2048 * 128 * 512],
  [
    "A.Bt  2048x128 . (512x128)t",
    [2048, 128],
    [512, 128],
    (a, b) => np.matmul(a, b.transpose()),
    2048 * 128 * 512,
  ],
  [
    "At.B  (2048x128)t . 2048x512",
    [2048, 128],
    [2048, 512],
    (a, b) => np.matmul(a.transpose(), b),
    2048 * 128 * 512,
  ],
  [
    "A.Bt  2048x64 . (512x64)t",
    [2048, 64],
    [512, 64],
    (a, b) => np.matmul(a, b.transpose()),
    2048 * 64 * 512,
  ],
  [
    "QKt  192x(128x32) . (192x(128x32))t",
    [192, 128, 32],
    [192, 128, 32],
    (a, b) => np.matmul(a, b.transpose([0, 2, 1])),
    192 * 128 * 128 * 32,
  ],
  [
    "QKt  64x64x64 . (64x64x64)t",
    [64, 64, 64],
    [64, 64, 64],
    (a, b) => np.matmul(a, b.transpose([0, 2, 1])),
    64 * 64 * 64 * 64,
  ],
  ["PV   64x64x64 . 64x64x64", [64, 64, 64], [64, 64, 64], (a, b) => np.matmul(a, b), 64 * 64 * 64 * 64],
  // The L4/H256 step's attention (bench/profile.ts bert-L4-H256-A4 2 16 128: 48 sequences × 4 heads, T 128,
  // head size 64) in the model's layout: Q, K, V, dO are [R, T, N, D] viewed as [R, N, T, D]
  // (src/models/bert/apply.ts), P and dS are [R, N, T, T]. Q·Kᵀ is also the backward's dP = dO·Vᵀ, P·V also
  // dS·K, Pᵀ·dO (dV) also dSᵀ·Q (dK).
  [
    "QKt  heads 48x4x(128x64) . (..)t",
    [48, 128, 4, 64],
    [48, 128, 4, 64],
    (a, b) => np.matmul(a.transpose([0, 2, 1, 3]), b.transpose([0, 2, 3, 1])),
    192 * 128 * 128 * 64,
  ],
  [
    "PV   heads 48x4x(128x128) . 48x4x(128x64)",
    [48, 4, 128, 128],
    [48, 128, 4, 64],
    (a, b) => np.matmul(a, b.transpose([0, 2, 1, 3])),
    192 * 128 * 128 * 64,
  ],
  [
    "PtdO heads (48x4x(128x128))t . 48x4x(128x64)",
    [48, 4, 128, 128],
    [48, 128, 4, 64],
    (a, b) => np.matmul(a.transpose([0, 1, 3, 2]), b.transpose([0, 2, 1, 3])),
    192 * 128 * 128 * 64,
  ],
  // The L4/H256 train step at B 16 x T 128, c = 2 (6144 rows): weight gradients dW = dY^T.X (reduction over the
  // rows) and input gradients dX = dY.W of the feed-forward and attention projections.
  [
    "At.B  (6144x1024)t . 6144x256",
    [6144, 1024],
    [6144, 256],
    (a, b) => np.matmul(a.transpose(), b),
    1024 * 6144 * 256,
  ],
  [
    "At.B  (6144x256)t . 6144x1024",
    [6144, 256],
    [6144, 1024],
    (a, b) => np.matmul(a.transpose(), b),
    256 * 6144 * 1024,
  ],
  [
    "At.B  (6144x256)t . 6144x256",
    [6144, 256],
    [6144, 256],
    (a, b) => np.matmul(a.transpose(), b),
    256 * 6144 * 256,
  ],
  ["A.B   6144x1024 . 1024x256", [6144, 1024], [1024, 256], (a, b) => np.matmul(a, b), 6144 * 1024 * 256],
  ["A.B   6144x256 . 256x1024", [6144, 256], [256, 1024], (a, b) => np.matmul(a, b), 6144 * 256 * 1024],
  ["A.B   6144x256 . 256x256", [6144, 256], [256, 256], (a, b) => np.matmul(a, b), 6144 * 256 * 256],
];
// Which cases run: those whose name contains one of the arguments (bench/matmulAB.ts passes them), and/or
// matches MATMUL_ONLY=<regexp> (e.g. "6144" for the L4/H256 shapes); all when neither is given.
const names = process.argv.slice(2);
const pattern = process.env.MATMUL_ONLY ? new RegExp(process.env.MATMUL_ONLY) : null;
const only = {
  test: (name: string) =>
    (names.length === 0 || names.some((n) => name.includes(n))) && (!pattern || pattern.test(name)),
};
// gflops: by wall time; cpu_gflops: by the process's CPU time (one thread: the work, not the wait for a core).
const out: Record<string, { gflops: number; cpu_gflops: number; digest: string }> = {};
for (const [name, sa, sb, f, flops] of cases) {
  if (only && !only.test(name)) continue;
  const a = random.normal(random.key(1), sa);
  const b = random.normal(random.key(2), sb);
  const g = jit(f);
  for (let i = 0; i < 2; i++)
    await g(a.ref, b.ref)
      .blockUntilReady()
      .then((x: Arr) => x.dispose());
  const res = (await g(a.ref, b.ref).data()) as Float32Array;
  const digest = createHash("sha256").update(new Uint8Array(res.buffer)).digest("hex").slice(0, 16);
  const ts: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < 7; i++) {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const r = await g(a.ref, b.ref).blockUntilReady();
    const c = process.cpuUsage(c0);
    ts.push(performance.now() - t0);
    cpu.push((c.user + c.system) / 1000);
    r.dispose();
  }
  ts.sort((x, y) => x - y);
  cpu.sort((x, y) => x - y);
  out[name] = {
    gflops: +((2 * flops) / (ts[3] * 1e6)).toFixed(1),
    cpu_gflops: +((2 * flops) / (cpu[3] * 1e6)).toFixed(1),
    digest,
  };
  a.dispose();
  b.dispose();
}
console.log(JSON.stringify(out));
