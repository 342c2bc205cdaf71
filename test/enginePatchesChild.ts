/**
 * Child process for test/enginePatches.test.ts: runs the engine that `@jax-js/jax` resolves to (the patched
 * one in node_modules, or another copy with `node --import ./bench/engineHook.mjs` and CMPLOSS_JAX_DIR) on one
 * thread and prints, as JSON: the relaxed-SIMD state, what the wasm kernels it compiled contain, bit digests
 * of every matmul path and transcendental elementwise op, their values at reference points, and the losses
 * of three train steps. A separate process because jax-js fixes its engine when it loads.
 */
import { createHash } from "node:crypto";
import { preparePlatform, relaxedSimdState } from "../src/runtime/platform.js";

preparePlatform(1);

/** What one compiled wasm kernel module contains. */
interface WasmFacts {
  /** A function of type (v128) -> v128: a 4-lane builtin (patch 02). */
  v128Function: boolean;
  /** The most v128 locals any function declares (matmul accumulators: patch 01). */
  maxV128Locals: number;
  /** Uses f32x4.relaxed_madd (0xfd 0x85 0x02). */
  relaxedMadd: boolean;
  /** A function of type (v128, v128, v128, v128) -> (v128, v128): 4-lane Threefry-2x32 (patch 08). */
  threefryLanes: boolean;
}

function leb(bytes: Uint8Array, at: { i: number }): number {
  let result = 0;
  let shift = 0;
  for (;;) {
    const b = bytes[at.i++];
    result += (b & 0x7f) * 2 ** shift;
    shift += 7;
    if (b < 0x80) return result;
  }
}

function wasmFacts(bytes: Uint8Array): WasmFacts {
  const facts: WasmFacts = {
    v128Function: false,
    maxV128Locals: 0,
    relaxedMadd: false,
    threefryLanes: false,
  };
  const at = { i: 8 };
  while (at.i < bytes.length) {
    const id = bytes[at.i++];
    const size = leb(bytes, at);
    const end = at.i + size;
    if (id === 1) {
      const n = leb(bytes, at);
      for (let t = 0; t < n; t++) {
        at.i++; // 0x60
        const params = Array.from({ length: leb(bytes, at) }, () => bytes[at.i++]);
        const results = Array.from({ length: leb(bytes, at) }, () => bytes[at.i++]);
        if (params.length === 1 && params[0] === 0x7b && results.length === 1 && results[0] === 0x7b) {
          facts.v128Function = true;
        }
        const allV128 = (xs: number[]) => xs.every((x) => x === 0x7b);
        if (params.length === 4 && results.length === 2 && allV128(params) && allV128(results)) {
          facts.threefryLanes = true;
        }
      }
    } else if (id === 10) {
      const n = leb(bytes, at);
      for (let f = 0; f < n; f++) {
        const bodySize = leb(bytes, at);
        const bodyEnd = at.i + bodySize;
        let v128 = 0;
        const groups = leb(bytes, at);
        for (let g = 0; g < groups; g++) {
          const count = leb(bytes, at);
          if (bytes[at.i++] === 0x7b) v128 += count;
        }
        facts.maxV128Locals = Math.max(facts.maxV128Locals, v128);
        for (let j = at.i; j + 2 < bodyEnd; j++) {
          if (bytes[j] === 0xfd && bytes[j + 1] === 0x85 && bytes[j + 2] === 0x02) facts.relaxedMadd = true;
        }
        at.i = bodyEnd;
      }
    }
    at.i = end;
  }
  return facts;
}

// Record every wasm module jax-js compiles from here on (synchronously or not).
let compiled: WasmFacts[] = [];
const record = (src: unknown) => {
  if (src instanceof Uint8Array) compiled.push(wasmFacts(src));
  else if (src instanceof ArrayBuffer) compiled.push(wasmFacts(new Uint8Array(src)));
};
const OriginalModule = WebAssembly.Module;
WebAssembly.Module = function (this: unknown, bytes: BufferSource) {
  record(bytes);
  return new OriginalModule(bytes);
} as unknown as typeof WebAssembly.Module;
WebAssembly.Module.prototype = OriginalModule.prototype;
const originalCompile = WebAssembly.compile.bind(WebAssembly);
WebAssembly.compile = (bytes: BufferSource) => {
  record(bytes);
  return originalCompile(bytes);
};

const { initRuntime } = await import("../src/runtime/init.js");
await initRuntime({ device: "wasm" });
const { numpy: np, random, jit, nn, lax, grad } = await import("@jax-js/jax");
type Arr = import("@jax-js/jax").Array;

const digest = (x: Float32Array) =>
  createHash("sha256")
    .update(new Uint8Array(x.buffer, x.byteOffset, x.byteLength))
    .digest("hex")
    .slice(0, 16);

/** Run `f` jitted; the digest of its result and the facts of the kernels compiled for it. */
async function probe(f: (...xs: Arr[]) => Arr, ...xs: Arr[]) {
  compiled = [];
  const out = (await jit(f)(...xs).data()) as Float32Array;
  const kernels = compiled;
  return {
    digest: digest(out),
    values: out,
    kernels: {
      v128Function: kernels.some((k) => k.v128Function),
      maxV128Locals: Math.max(0, ...kernels.map((k) => k.maxV128Locals)),
      relaxedMadd: kernels.some((k) => k.relaxedMadd),
      threefryLanes: kernels.some((k) => k.threefryLanes),
    },
  };
}

const normal = (seed: number, shape: number[]) => random.normal(random.key(seed), shape);
/** Per-head matmuls at T 1, 2, 3, 5: at odd T a micro-tile's two rows straddle two heads (patch 07). */
async function oddHeadMatmuls() {
  const results: Record<string, Awaited<ReturnType<typeof probe>>> = {};
  let seed = 100;
  for (const T of [1, 2, 3, 5]) {
    results[`Q·Kᵀ per head T ${T}`] = await probe(
      (q, k) => np.matmul(q, k.transpose([0, 1, 3, 2])),
      normal(seed++, [2, 4, T, 16]),
      normal(seed++, [2, 4, T, 16]),
    );
    results[`P·V per head T ${T}`] = await probe(
      (p, v) => np.matmul(p, v),
      normal(seed++, [2, 4, T, T]),
      normal(seed++, [2, 4, T, 32]),
    );
    results[`Pᵀ·dO per head T ${T}`] = await probe(
      (p, d) => np.matmul(p.transpose([0, 1, 3, 2]), d),
      normal(seed++, [2, 4, T, T]),
      normal(seed++, [2, 4, T, 32]),
    );
  }
  return results;
}
const matmuls = {
  "A·B": await probe((a, b) => np.matmul(a, b), normal(1, [96, 64]), normal(2, [64, 80])),
  "A·Bᵀ": await probe((a, b) => np.matmul(a, b.transpose()), normal(3, [96, 64]), normal(4, [80, 64])),
  "Aᵀ·B": await probe((a, b) => np.matmul(a.transpose(), b), normal(5, [64, 96]), normal(6, [64, 80])),
  "Q·Kᵀ per head": await probe(
    (q, k) => np.matmul(q, k.transpose([0, 1, 3, 2])),
    normal(7, [2, 4, 24, 16]),
    normal(8, [2, 4, 24, 16]),
  ),
  "P·V per head": await probe(
    (p, v) => np.matmul(p, v),
    normal(9, [2, 4, 24, 24]),
    normal(10, [2, 4, 24, 16]),
  ),
  // Patch 07: per-head matmuls 32 wide (a 2 × 4 register tile, like the unbatched A·B beside them), the
  // model's head layout ([R, T, N, D] viewed as [R, N, T, D]), and odd T, where the rows of a micro-tile
  // belong to different heads and must not share loads.
  "A·B 32 wide": await probe((a, b) => np.matmul(a, b), normal(13, [96, 24]), normal(14, [24, 32])),
  "Aᵀ·B 32 wide": await probe(
    (a, b) => np.matmul(a.transpose(), b),
    normal(15, [24, 96]),
    normal(16, [24, 32]),
  ),
  "P·V per head 32 wide": await probe(
    (p, v) => np.matmul(p, v),
    normal(17, [2, 4, 24, 24]),
    normal(18, [2, 4, 24, 32]),
  ),
  "Pᵀ·dO per head 32 wide": await probe(
    (p, d) => np.matmul(p.transpose([0, 1, 3, 2]), d),
    normal(19, [2, 4, 24, 24]),
    normal(20, [2, 4, 24, 32]),
  ),
  "Q·Kᵀ heads layout": await probe(
    (q, k) => np.matmul(q.transpose([0, 2, 1, 3]), k.transpose([0, 2, 3, 1])),
    normal(21, [2, 24, 4, 16]),
    normal(22, [2, 24, 4, 16]),
  ),
  "P·V heads layout": await probe(
    (p, v) => np.matmul(p, v.transpose([0, 2, 1, 3])),
    normal(23, [2, 4, 24, 24]),
    normal(24, [2, 24, 4, 32]),
  ),
  "Pᵀ·dO heads layout": await probe(
    (p, d) => np.matmul(p.transpose([0, 1, 3, 2]), d.transpose([0, 2, 1, 3])),
    normal(25, [2, 4, 24, 24]),
    normal(26, [2, 24, 4, 32]),
  ),
  ...(await oddHeadMatmuls()),
};

// Reference points (the float64 values are in the test) plus a wide sweep for the digests.
const points = [
  -6, -4, -3, -2.5, -2, -1.5, -1, -0.75, -0.5, -0.25, -0.1, -1e-3, 0, 1e-3, 0.1, 0.25, 0.5, 0.75, 1, 1.5, 2,
  2.5, 3, 4, 6,
];
const sweep = new Float32Array(1 << 14);
for (let i = 0; i < sweep.length; i++) sweep[i] = (((i * 2654435761) % 4294967296) / 2 ** 32) * 240 - 120;
sweep.set([0, -0, Infinity, -Infinity, NaN, 88.7, 88.8, -87.4, -87.3, -103.9]);
const ops = {
  exp: (x: Arr) => np.exp(x),
  erf: (x: Arr) => lax.erf(x),
  erfc: (x: Arr) => lax.erfc(x),
  gelu: (x: Arr) => nn.gelu(x, { approximate: false }),
  reciprocal: (x: Arr) => np.reciprocal(x),
  softmax: (x: Arr) => nn.softmax(x.reshape([-1, 8])).reshape([-1]),
};
const elementwise: Record<string, { digest: string; values: number[]; v128Function: boolean }> = {};
for (const [name, f] of Object.entries(ops)) {
  const wide = await probe(f, np.array(sweep));
  const at = await probe(f, np.array(new Float32Array([...points, 0, 0, 0, 0, 0, 0, 0])));
  elementwise[name] = {
    digest: wide.digest,
    values: Array.from(at.values.slice(0, points.length)),
    v128Function: wide.kernels.v128Function,
  };
}

// Max and min along a contiguous axis (softmax's row maximum), at k a multiple of 4 (the k-SIMD path, patch
// 12) and not (the scalar loop), with ±0, ±∞ and NaN in some rows. NaN bits are not compared: a NaN stays NaN.
const extremes = new Float32Array(64 * 256);
for (let i = 0; i < extremes.length; i++)
  extremes[i] = (((i * 2654435761) % 4294967296) / 2 ** 32) * 200 - 100;
extremes.set([-0, 0, -0, 0], 256); // row 1: its maximum is among ±0 once the rest is negative
for (let j = 4; j < 256; j++) extremes[256 + j] = -1 - j;
extremes[2 * 256 + 17] = Infinity;
extremes[3 * 256 + 200] = -Infinity;
extremes[4 * 256 + 9] = NaN;
const canonical = (x: Float32Array) => x.map((v) => (Number.isNaN(v) ? 12345 : v));
const reductionOps: Record<string, () => Promise<Awaited<ReturnType<typeof probe>>>> = {
  "max 64×256": () => probe((x) => np.max(x.reshape([64, 256]), -1), np.array(extremes)),
  "min 64×256": () => probe((x) => np.min(x.reshape([64, 256]), -1), np.array(extremes)),
  "max 128×(8×16)": () => probe((x) => np.max(x.reshape([128, 8, 16]), -1), np.array(extremes)),
  "max 256×(8×8), axis 1": () => probe((x) => np.max(x.reshape([256, 8, 8]), 1), np.array(extremes)),
  "softmax rows of 256": () => probe((x) => nn.softmax(x.reshape([64, 256])), np.array(extremes)),
  "max 3×(7×13)": () => probe((x) => np.max(x.slice([0, 273]).reshape([3, 7, 13]), -1), np.array(extremes)),
};
const reductions: Record<string, { digest: string; nanCount: number; maxV128Locals: number }> = {};
for (const [name, run] of Object.entries(reductionOps)) {
  const r = await run();
  reductions[name] = {
    digest: digest(canonical(r.values)),
    nanCount: r.values.filter(Number.isNaN).length,
    maxV128Locals: r.kernels.maxV128Locals,
  };
}

// Random bits, uniforms and a dropout mask (the CmpDrop variants' nested masks: one uniform per unit compared
// with each variant's rate), at shapes that leave a tail of 1–3 elements after the 4-lane loop.
const rates = () => np.array(new Float32Array([0.1, 0.19, 0.34]), { dtype: np.float32 }).reshape([3, 1, 1]);
const randomOps: Record<string, () => Promise<Awaited<ReturnType<typeof probe>>>> = {
  "bits 8×64×130": () => probe((k) => random.bits(k, [8, 64, 130]), random.key(21)),
  "bits 1027": () => probe((k) => random.bits(k, [1027]), random.key(22)),
  "uniform 5×7×3": () => probe((k) => random.uniform(k, [5, 7, 3]), random.key(23)),
  "dropout 3×(17×64)": () =>
    probe(
      (k, x) => {
        const u = random.uniform(k, [17, 64]);
        const r = rates();
        return np.where(u.greater(r.ref), x.div(np.subtract(1, r)), 0);
      },
      random.key(24),
      normal(25, [3, 17, 64]),
    ),
};
const randomFacts: Record<string, { digest: string; maxV128Locals: number; threefryLanes: boolean }> = {};
for (const [name, run] of Object.entries(randomOps)) {
  const r = await run();
  randomFacts[name] = {
    digest: r.digest,
    maxV128Locals: r.kernels.maxV128Locals,
    threefryLanes: r.kernels.threefryLanes,
  };
}

// The embedding gradient: a scatter-add of [B, T, H] rows into a [V, H] table (ids repeat; two are out of range,
// as jax-js drops them). Math.floor calls count the per-element coordinate arithmetic of the generic scatter.
const ids = Int32Array.from({ length: 16 * 24 }, (_, i) => (i * 7919) % 300);
ids[5] = -1;
ids[77] = 300;
const upstream = normal(12, [16, 24, 32]);
const floor = Math.floor;
let floorCalls = 0;
Math.floor = (x: number) => (floorCalls++, floor(x));
const embeddingGrad = grad((w: Arr) =>
  np
    .take(w, np.array(ids, { dtype: np.int32 }).reshape([16, 24]), 0)
    .mul(upstream.ref)
    .sum(),
)(normal(11, [300, 32]));
const scatter = (await embeddingGrad.data()) as Float32Array;
Math.floor = floor;

const { timeSteps } = await import("../bench/stepTiming.js");
const steps = await timeSteps({
  preset: "bert-L2-H128-A2",
  nDrop: 2,
  mode: "batched",
  batchSize: 4,
  seqLen: 16,
  vocab: 500,
  steps: 3,
  warmup: 0,
  jit: true,
});

// Micro-batches of one example inside jit. (A first version of patch 03 read a pooled index buffer past its
// logical end; test/step.test.ts's micro-batch tests caught it, with NaN losses.)
const micro = await timeSteps({
  preset: "bert-L2-H128-A2",
  nDrop: 0,
  mode: "batched",
  batchSize: 3,
  seqLen: 7,
  vocab: 500,
  steps: 2,
  warmup: 0,
  jit: true,
  microBatchSize: 1,
});

console.log(
  JSON.stringify({
    relaxedSimd: relaxedSimdState(),
    points,
    matmuls: Object.fromEntries(
      Object.entries(matmuls).map(([k, v]) => [k, { digest: v.digest, ...v.kernels }]),
    ),
    elementwise,
    random: randomFacts,
    reductions,
    scatter: {
      digest: digest(scatter),
      floorCallsPerUpdate: floorCalls / upstream.size,
    },
    losses: steps.losses,
    microBatchLosses: micro.losses,
  }),
);
process.exit(0);
