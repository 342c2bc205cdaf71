/**
 * Evaluation (forward-only) throughput of the encoder, with its peer measured in the same run: the way of
 * merging attention heads that training uses (`forwardOnly: false`: in a pass without `grad`, the head transpose
 * folded into the output projection's loads) against the evaluation one (`true`: the merged heads in memory).
 *
 *   npx tsx bench/evalTiming.ts [--preset minilm-L6-H384-A12] [--batch 32] [--len 32,64] [--batches 6] [--form eval]
 *
 * CMPLOSS_THREADS sets the wasm threads (default: all cores). Random weights of the preset's shape: the time
 * depends on shapes, not values. Prints one Markdown row per sequence length and the ratio.
 */
import { parseArgs } from "node:util";
import { preparePlatform, threadsFromEnv } from "../src/runtime/platform.js";

const { values } = parseArgs({
  options: {
    preset: { type: "string", default: "minilm-L6-H384-A12" },
    batch: { type: "string", default: "32" },
    len: { type: "string", default: "32,64" },
    batches: { type: "string", default: "6" },
    // "eval": the evaluation form alone (an engine A/B through bench/engineHook.mjs)
    form: { type: "string", default: "both" },
  },
});
const threads = preparePlatform(threadsFromEnv());
const { initRuntime } = await import("../src/runtime/init.js");
await initRuntime({ device: (process.env.CMPLOSS_DEVICE ?? "wasm") as "wasm" | "webgpu" });
const { jit, numpy: np, random, tree } = await import("@jax-js/jax");
const { applySequenceClassifier, initSequenceClassifier, presetConfig } =
  await import("../src/models/index.js");

const B = Number(values.batch);
const batches = Number(values.batches);
const cfg = presetConfig(values.preset, 30522);
const params = initSequenceClassifier(random.key(0), cfg, 2);

function batch(T: number, seed: number) {
  const ids = random.randint(random.key(seed), {
    minval: 1000,
    maxval: 30000,
    shape: [B, T],
    dtype: np.int32,
  });
  const zeros = np.zeros([B, T], { dtype: np.int32 });
  return { input_ids: ids, attention_mask: zeros.ref.add(1), token_type_ids: zeros };
}

/** Seconds per batch (median of `batches` after one warm-up call that compiles). */
async function secondsPerBatch(forwardOnly: boolean, T: number): Promise<number> {
  const forward = jit((p: typeof params, b: ReturnType<typeof batch>) =>
    applySequenceClassifier(p, b, cfg, { powers: [0], key: null, forwardOnly }),
  );
  const times: number[] = [];
  for (let i = 0; i <= batches; i++) {
    const t0 = performance.now();
    await forward(tree.ref(params), batch(T, i)).data();
    if (i > 0) times.push((performance.now() - t0) / 1000);
  }
  forward.dispose();
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)];
}

console.log(`${values.preset}, batch ${B}, ${threads} thread(s), median of ${batches} batches`);
console.log("| length | training form | evaluation form | speed-up |");
console.log("| --- | --- | --- | --- |");
if (values.form === "eval") {
  for (const T of values.len.split(",").map(Number)) {
    const s = await secondsPerBatch(true, T);
    console.log(JSON.stringify({ T, batch: B, eval_ms: Math.round(s * 1000) }));
  }
  process.exit(0);
}
for (const T of values.len.split(",").map(Number)) {
  const merged = await secondsPerBatch(false, T);
  const evaluation = await secondsPerBatch(true, T);
  const ms = (s: number) => `${(s * 1000).toFixed(0)} ms (${((B * T) / s).toFixed(0)} tokens/s)`;
  console.log(`| ${T} | ${ms(merged)} | ${ms(evaluation)} | ${(merged / evaluation).toFixed(2)}× |`);
}
tree.dispose(params);
