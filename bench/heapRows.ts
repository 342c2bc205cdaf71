/**
 * The wasm heap one program needs: `npx tsx bench/heapRows.ts <eval|train> <rows B> <tokens T> [variants V]
 * [powers]` runs MiniLM-shaped (minilm-L6-H384-A12, random weights) forward-only span-extractor passes of [B, T]
 * (one per dropout power, default 0), or one
 * CmpDrop train step of B examples × V variants, and prints the wasm heap size afterwards (jax-js grows it and
 * never returns it, so it is the peak). One shape per process: the calibration of src/train/heapFit.ts.
 */
import { watchWasmHeap } from "./wasmHeap.js";

const heapBytes = watchWasmHeap();

const [mode, rowsArg, tokensArg, variantsArg, powersArg] = process.argv.slice(2);
const B = Number(rowsArg);
const T = Number(tokensArg);
const V = Number(variantsArg ?? 1);
/** eval: forward passes to run one after another in the same process, at these dropout powers (default 0). */
const powers = (powersArg ?? "0").split(",").map(Number);
if (!(mode === "eval" || mode === "train") || !(B >= 1) || !(T >= 1) || !(V >= 1)) {
  console.error("usage: npx tsx bench/heapRows.ts <eval|train> <rows> <tokens> [variants]");
  process.exit(2);
}
const { preparePlatform, threadsFromEnv } = await import("../src/runtime/platform.js");
await preparePlatform(threadsFromEnv());
const { initRuntime } = await import("../src/runtime/init.js");
await initRuntime({ device: "wasm" });
const { jit, numpy: np, random, tree } = await import("@jax-js/jax");
type Arrays = [InstanceType<typeof np.Array>, InstanceType<typeof np.Array>];
const { presetConfig, initSequenceClassifier } = await import("../src/models/index.js");
const cfg = presetConfig("minilm-L6-H384-A12", 30522, { max_position_embeddings: 512 });
const inputs = () => ({
  input_ids: np
    .array(
      Int32Array.from({ length: B * T }, (_, i) => 5 + ((i * 7919) % 30000)),
      { dtype: np.int32 },
    )
    .reshape([B, T]),
  attention_mask: np.ones([B, T], { dtype: np.int32 }),
  token_type_ids: np.zeros([B, T], { dtype: np.int32 }),
});
const started = performance.now();
if (mode === "eval") {
  const { applySpanExtractor, initSpanExtractor } = await import("../src/models/spanExtractor.js");
  const { consuming } = await import("../src/util/own.js");
  type P = ReturnType<typeof initSpanExtractor>;
  const params = initSpanExtractor(random.key(0), cfg);
  for (const power of powers) {
    const forward = jit(
      consuming((p: P, b: ReturnType<typeof inputs>, k: InstanceType<typeof np.Array>): Arrays => {
        const key = power > 0 ? k : (k.dispose(), null);
        const out = applySpanExtractor(p, b, cfg, { powers: [power], key, forwardOnly: true });
        return [out.start_logits, out.end_logits];
      }),
    );
    const [start, end] = forward(tree.ref(params), inputs(), random.key(power));
    await start.data();
    end.dispose();
  }
} else {
  const { adamwInit, ADAMW_DEFAULTS } = await import("../src/train/optimizer.js");
  const { makeTrainStep } = await import("../src/train/classifierObjective.js");
  const { variantPowers } = await import("../src/ablation/plan.js");
  const params = initSequenceClassifier(random.key(0), cfg, 2);
  const stepper = makeTrainStep({
    modelConfig: cfg,
    lossKind: "ce",
    powers: V === 1 ? [1] : variantPowers(V - 1),
    mode: "batched",
    loss: { kind: "cmp" },
    adamw: ADAMW_DEFAULTS,
    maxGradNorm: 1,
    jit: true,
    microBatchSize: null,
  });
  const state = { params, opt: adamwInit(params), key: random.key(1), step: 0 };
  await stepper.step(state, { ...inputs(), labels: np.zeros([B], { dtype: np.int32 }) }, 1e-5);
}
const heap = heapBytes();
console.log(
  JSON.stringify({ mode, rows: B, tokens: T, variants: V, heap_mb: Math.round(heap / 2 ** 20) }) +
    ` (${((performance.now() - started) / 1000).toFixed(1)} s)`,
);
process.exit(0);
