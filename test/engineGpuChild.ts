/**
 * Child process for test/engineGpu.test.ts: jitted comparative-loss train steps of a tiny encoder on WebGPU
 * (Mesa's software Vulkan adapter on CPU-only machines), one padded length per step (argv[2], e.g. "8,8,16,8"),
 * trimming jax-js's buffer pool after each step as the training loop does. Prints JSON: the losses, and per step
 * the kernels dispatched, bind groups made, GPU bytes held after the trim, bytes in the pool and bytes trimmed.
 * Its own process: jax-js fixes its backend when it starts, and the engine under test may be an unpatched copy
 * (bench/engineHook.mjs with CMPLOSS_JAX_DIR).
 */
import { installGpuCounters } from "../bench/gpuCounters.js";
import { preparePlatform } from "../src/runtime/platform.js";

const lengths = (process.argv[2] ?? "8,8,8").split(",").map(Number);
preparePlatform(1);
const { initRuntime, deviceMemoryStats, releaseIdleDeviceMemory } = await import("../src/runtime/init.js");
const { bufferPoolStats, hasBufferPool } = await import("../src/runtime/deviceMemory.js");
try {
  await initRuntime({ device: "webgpu" });
} catch (err) {
  console.log(JSON.stringify({ unavailable: (err as Error).message }));
  process.exit(0);
}
const { getWebGPUDevice, numpy: np, random, tree } = await import("@jax-js/jax");
const { checkConfig, initSequenceClassifier } = await import("../src/models/index.js");
const { adamwInit, ADAMW_DEFAULTS } = await import("../src/train/optimizer.js");
const { makeTrainStep } = await import("../src/train/classifierObjective.js");

const device = getWebGPUDevice();
const counts = installGpuCounters(device, false);
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
  max_position_embeddings: 64,
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
const B = 2;
const batch = (T: number) => ({
  input_ids: np
    .array(
      Int32Array.from({ length: B * T }, (_, i) => 2 + ((i * 7) % 27)),
      { dtype: np.int32 },
    )
    .reshape([B, T]),
  attention_mask: np.ones([B, T], { dtype: np.int32 }),
  token_type_ids: np.zeros([B, T], { dtype: np.int32 }),
  labels: np.array(new Int32Array([0, 1]), { dtype: np.int32 }),
});
const losses: number[][] = [];
const steps: {
  kernels: number;
  bindGroups: number;
  deviceBytes: number;
  poolBytes: number | null;
  trimmed: number;
}[] = [];
let before = counts();
for (const T of lengths) {
  const r = await stepper.step(state, batch(T), 1e-2);
  state = r.state;
  losses.push([r.loss, ...r.variantLosses]);
  const now = counts();
  const trimmed = releaseIdleDeviceMemory();
  steps.push({
    kernels: now.kernels - before.kernels,
    bindGroups: now.bindGroups - before.bindGroups,
    deviceBytes: deviceMemoryStats()!.bytes,
    poolBytes: bufferPoolStats(device)?.bytes ?? null,
    trimmed,
  });
  before = now;
}
stepper.dispose();
tree.dispose(state as never);
console.log(JSON.stringify({ losses, steps, hasPool: hasBufferPool(device) }));
process.exit(0);
