/**
 * Per-kernel profile of the train step (single thread, so kernel times are real execution times):
 * `tsx bench/profile.ts [preset] [nDrop] [batch] [seqLen] [vocab]`. Prints the kernels that take the most time and
 * how much of the step is spent outside kernels (dispatch, tracing, host work). Each row is one kernel shape:
 * its output size, its reduction (matmuls) and the start of its expression.
 */
import { preparePlatform } from "../src/runtime/platform.js";

preparePlatform(1);
const { initRuntime } = await import("../src/runtime/init.js");
await initRuntime({ device: "wasm" });
const { numpy: np, random, tree, profiler } = await import("@jax-js/jax");
const { presetConfig, initSequenceClassifier } = await import("../src/models/index.js");
const { adamwInit, ADAMW_DEFAULTS } = await import("../src/train/optimizer.js");
const { makeTrainStep } = await import("../src/train/classifierObjective.js");
const { variantPowers } = await import("../src/ablation/plan.js");

const [preset = "bert-L2-H128-A2", nDrop = "2", batchSize = "32", seqLen = "24", vocab = "14000"] =
  process.argv.slice(2);
const B = Number(batchSize);
const T = Number(seqLen);
const cfg = presetConfig(preset, Number(vocab));
const params = initSequenceClassifier(random.key(0), cfg, 2);
let state = { params, opt: adamwInit(params), key: random.key(1), step: 0 };
const stepper = makeTrainStep({
  modelConfig: cfg,
  lossKind: "ce",
  powers: variantPowers(Number(nDrop)),
  mode: "batched",
  loss: { kind: "cmp" },
  adamw: ADAMW_DEFAULTS,
  maxGradNorm: 1,
  jit: true,
});
const batch = () => ({
  input_ids: np
    .array(
      Int32Array.from({ length: B * T }, (_, i) => 5 + ((i * 7919) % (Number(vocab) - 5))),
      { dtype: np.int32 },
    )
    .reshape([B, T]),
  attention_mask: np.ones([B, T], { dtype: np.int32 }),
  token_type_ids: np.zeros([B, T], { dtype: np.int32 }),
  labels: np.array(
    Int32Array.from({ length: B }, (_, i) => i % 2),
    { dtype: np.int32 },
  ),
});
for (let i = 0; i < 2; i++) state = (await stepper.step(state, batch(), 1e-4)).state;

const byLabel = new Map<string, { ms: number; n: number }>();
const steps = 3;
// Read the kernels' measures from the timeline after the fact: a PerformanceObserver delivers them
// asynchronously, and on a loaded machine not all had arrived when the profile was printed (0 launches).
performance.clearMeasures();
profiler.startTrace();
const t0 = performance.now();
for (let i = 0; i < steps; i++) state = (await stepper.step(state, batch(), 1e-4)).state;
const wall = (performance.now() - t0) / steps;
profiler.stopTrace();
for (const e of performance.getEntriesByType("measure")) {
  // Kernels are labelled by output size only; the reduction and the start of the expression tell the
  // matmuls (and their operand layouts) apart.
  const props =
    ((e as PerformanceMeasure).detail as { devtools?: { properties?: [string, string][] } })?.devtools
      ?.properties ?? [];
  const reduction = props.find(([k]) => k === "reduction")?.[1] ?? "";
  const exp = props.find(([k]) => k === "exp")?.[1] ?? "";
  const key = `${e.name} ${reduction} ${exp.slice(0, 60)}`;
  const cur = byLabel.get(key) ?? { ms: 0, n: 0 };
  cur.ms += e.duration;
  cur.n++;
  byLabel.set(key, cur);
}
performance.clearMeasures();
const rows = [...byLabel.entries()].sort((a, b) => b[1].ms - a[1].ms);
const kernelMs = rows.reduce((s, [, v]) => s + v.ms, 0) / steps;
const launches = rows.reduce((s, [, v]) => s + v.n, 0) / steps;
console.log(
  `${preset} c=${nDrop} B=${B} T=${T}: ${wall.toFixed(1)} ms/step, kernels ${kernelMs.toFixed(1)} ms in ${launches} launches`,
);
for (const [label, v] of rows.slice(0, 25)) {
  console.log(`${(v.ms / steps).toFixed(2).padStart(8)} ms ${String(v.n / steps).padStart(5)}×  ${label}`);
}
stepper.dispose();
tree.dispose(state as never);
process.exit(0);
