/** Steady-state train-step timing for one shape (used by the benchmark suite; runs as a child process). */
import { preparePlatform, threadsFromEnv } from "../src/runtime/platform.js";
import { watchWasmHeap } from "./wasmHeap.js";

// Read after each step: the peak heap so far.
const heapBytes = watchWasmHeap();
const heapMb = () => Math.round(heapBytes() / 2 ** 20);

export interface StepTimingArgs {
  preset: string;
  nDrop: number;
  mode: "batched" | "sequential" | "accumulate";
  batchSize: number;
  seqLen: number;
  /** Cycle through these lengths, one per step (as padded batches of mixed lengths do); default [seqLen]. */
  seqLens?: number[];
  vocab: number;
  steps: number;
  warmup: number;
  jit: boolean;
  /** Differentiate each batch in micro-batches of this many examples (`--micro-batch-size`); default whole. */
  microBatchSize?: number | null;
}

export interface StepTiming extends StepTimingArgs {
  threads: number;
  ms_per_step: number[];
  median_ms: number;
  /** CPU time of the whole process per step (all its threads): on a shared machine, the work, not the wait. */
  cpu_ms_per_step: number[];
  median_cpu_ms: number;
  examples_per_s: number;
  peak_rss_mb: number;
  /** Size of the wasm heap (MB) after each step, warm-up included: the peak so far (0 on WebGPU). */
  heap_mb_per_step: number[];
  /** RSS (MB) after each step, warm-up included. */
  rss_mb_per_step: number[];
  losses: number[];
}

export async function timeSteps(args: StepTimingArgs): Promise<StepTiming> {
  const threads = await preparePlatform(threadsFromEnv());
  const { initRuntime } = await import("../src/runtime/init.js");
  await initRuntime({ device: (process.env.CMPLOSS_DEVICE ?? "wasm") as "wasm" | "webgpu" });
  const { numpy: np, random, tree } = await import("@jax-js/jax");
  const { presetConfig, initSequenceClassifier } = await import("../src/models/index.js");
  const { adamwInit, ADAMW_DEFAULTS } = await import("../src/train/optimizer.js");
  const { makeTrainStep } = await import("../src/train/classifierObjective.js");
  const { variantPowers } = await import("../src/ablation/plan.js");

  const lengths = args.seqLens ?? [args.seqLen];
  const cfg = presetConfig(args.preset, args.vocab, { max_position_embeddings: Math.max(512, ...lengths) });
  const params = initSequenceClassifier(random.key(0), cfg, 2);
  let state = { params, opt: adamwInit(params), key: random.key(1), step: 0 };
  const stepper = makeTrainStep({
    modelConfig: cfg,
    lossKind: "ce",
    powers: variantPowers(args.nDrop),
    mode: args.mode,
    loss: { kind: "cmp" },
    adamw: ADAMW_DEFAULTS,
    maxGradNorm: 1,
    jit: args.jit,
    microBatchSize: args.microBatchSize ?? null,
  });
  const B = args.batchSize;
  let seed = 1;
  const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) % 1000) / 1000;
  const batch = (T: number) => ({
    input_ids: np
      .array(
        Int32Array.from({ length: B * T }, () => 5 + Math.floor(rand() * (args.vocab - 5))),
        { dtype: np.int32 },
      )
      .reshape([B, T]),
    attention_mask: np.ones([B, T], { dtype: np.int32 }),
    token_type_ids: np.zeros([B, T], { dtype: np.int32 }),
    labels: np.array(
      Int32Array.from({ length: B }, () => (rand() < 0.5 ? 0 : 1)),
      { dtype: np.int32 },
    ),
  });
  const times: number[] = [];
  const cpuTimes: number[] = [];
  const losses: number[] = [];
  const heaps: number[] = [];
  const rss: number[] = [];
  for (let i = 0; i < args.warmup + args.steps; i++) {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const r = await stepper.step(state, batch(lengths[i % lengths.length]), 1e-4);
    const dt = performance.now() - t0;
    const c = process.cpuUsage(c0);
    state = r.state;
    heaps.push(heapMb());
    rss.push(Math.round(process.memoryUsage.rss() / 2 ** 20));
    if (i >= args.warmup) {
      times.push(dt);
      cpuTimes.push((c.user + c.system) / 1000);
      losses.push(r.loss);
    }
  }
  stepper.dispose();
  tree.dispose(state as never);
  const medianOf = (xs: number[]) => {
    const sorted = [...xs].sort((a, b) => a - b);
    const mid = Math.floor(sorted.length / 2);
    return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  };
  const median = medianOf(times);
  return {
    ...args,
    threads,
    ms_per_step: times.map((t) => Math.round(t * 10) / 10),
    median_ms: median,
    cpu_ms_per_step: cpuTimes.map((t) => Math.round(t * 10) / 10),
    median_cpu_ms: medianOf(cpuTimes),
    examples_per_s: (1000 * B) / median,
    peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
    heap_mb_per_step: heaps,
    rss_mb_per_step: rss,
    losses,
  };
}

// Child-process entry: `tsx bench/stepTiming.ts '<json args>'` prints one JSON line.
if (/stepTiming\.[jt]s$/.test(process.argv[1] ?? "") && process.argv[2]) {
  const result = await timeSteps(JSON.parse(process.argv[2]) as StepTimingArgs);
  console.log(JSON.stringify(result));
  process.exit(0);
}
