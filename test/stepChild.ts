/**
 * Child process for backend/thread parity tests: two jitted comparative-loss train steps of a tiny encoder on
 * the device named in argv[2] with CMPLOSS_THREADS wasm threads, then its evaluation logits; prints them (and
 * the thread count) as JSON. Runs in its own process because jax-js fixes its backend and thread pool when it
 * loads.
 */
import { preparePlatform, threadsFromEnv } from "../src/runtime/platform.js";

const device = (process.argv[2] ?? "wasm") as "wasm" | "webgpu" | "auto";
preparePlatform(threadsFromEnv());
const { initRuntime } = await import("../src/runtime/init.js");
let threads = 1;
let chosen: { device: string; reason?: string } = { device };
try {
  const rt = await initRuntime({ device });
  threads = rt.threads;
  chosen = { device: rt.device, reason: rt.reason };
} catch (err) {
  console.log(JSON.stringify({ unavailable: (err as Error).message }));
  process.exit(0);
}
const { numpy: np, random, tree } = await import("@jax-js/jax");
const { applySequenceClassifier, checkConfig, initSequenceClassifier, NO_DROPOUT } =
  await import("../src/models/index.js");
const { adamwInit, ADAMW_DEFAULTS } = await import("../src/train/optimizer.js");
const { makeTrainStep } = await import("../src/train/classifierObjective.js");

const cfg = checkConfig({
  model_type: "bert",
  vocab_size: 30,
  hidden_size: 16,
  num_hidden_layers: 1,
  num_attention_heads: 2,
  intermediate_size: 32,
  hidden_act: "gelu",
  hidden_dropout_prob: 0.1,
  attention_probs_dropout_prob: 0.1,
  max_position_embeddings: 16,
  type_vocab_size: 2,
  initializer_range: 0.02,
  layer_norm_eps: 1e-12,
  pad_token_id: 0,
});
const params = initSequenceClassifier(random.key(0), cfg, 2);
let state = { params, opt: adamwInit(params), key: random.key(1), step: 0 };
const stepper = makeTrainStep({
  modelConfig: cfg,
  lossKind: "ce",
  powers: [0, 1, 2],
  mode: "batched",
  loss: { kind: "cmp" },
  adamw: ADAMW_DEFAULTS,
  maxGradNorm: 1,
  jit: true,
});
const inputs = () => ({
  input_ids: np.array(new Int32Array([2, 5, 6, 3, 2, 7, 3, 0]), { dtype: np.int32 }).reshape([2, 4]),
  attention_mask: np.array(new Int32Array([1, 1, 1, 1, 1, 1, 1, 0]), { dtype: np.int32 }).reshape([2, 4]),
  token_type_ids: np.zeros([2, 4], { dtype: np.int32 }),
});
const out: number[][] = [];
for (let i = 0; i < 2; i++) {
  const batch = { ...inputs(), labels: np.array(new Int32Array([0, 1]), { dtype: np.int32 }) };
  const r = await stepper.step(state, batch, 1e-2);
  state = r.state;
  out.push([r.loss, ...r.variantLosses]);
}
stepper.dispose();
// the trained model evaluated (the forward-only way of merging attention heads)
const logits = Array.from(await applySequenceClassifier(state.params, inputs(), cfg, NO_DROPOUT).data());
tree.dispose(state as never);
let submits: unknown = undefined;
if (chosen.device === "webgpu" && process.env.CMPLOSS_WEBGPU_COALESCE !== "0") {
  const { getWebGPUDevice } = await import("@jax-js/jax");
  const { coalesceSubmits } = await import("../src/runtime/submitCoalescing.js");
  submits = coalesceSubmits(getWebGPUDevice() as never); // already installed: returns its counters
}
console.log(JSON.stringify({ losses: out, logits, threads, submits, ...chosen }));
process.exit(0);
