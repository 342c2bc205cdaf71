/** Steady-state train-step timing for one shape (used by the benchmark suite; runs as a child process). */
import { preparePlatform, threadsFromEnv } from "../src/runtime/platform.js";
import { installGpuCounters, timeSubmits, type GpuCounts } from "./gpuCounters.js";
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
  /** WebGPU: also time each kind of WebGPU call (bench/gpuCounters.ts; adds host time of its own). */
  gpuBreakdown?: boolean;
}

/** WebGPU only: per step (warm-up included) what the host did and what the GPU holds after the step. */
export interface GpuStepCounts {
  /** The adapter's description (e.g. "llvmpipe (LLVM …)" for Mesa's software Vulkan, or the GPU's name). */
  adapter: string;
  kernels: number[];
  bind_groups: number[];
  buffers_created: number[];
  /** Main thread CPU ms per step (its host work; the kernels run elsewhere). */
  host_ms: (number | null)[];
  /** Of host_ms, the main thread's CPU inside Dawn's queue.submit (where Mesa's software driver runs kernels). */
  submit_ms: (number | null)[];
  /** Median over the timed steps of host ms / kernels, in µs. */
  median_host_us_per_kernel: number | null;
  /**
   * Main-thread CPU ms from the step's start to its first read (its loss), i.e. before it waits for the GPU:
   * building the batch, running the compiled program (jax-js), encoding and submitting every kernel (Dawn).
   */
  encode_ms: (number | null)[];
  /** Median over the timed steps of encode ms / kernels, in µs: the host's work per kernel. */
  median_encode_us_per_kernel: number | null;
  /** Bytes of GPU buffers existing after each step's trim, and the high-water mark during the step. */
  device_mb: number[];
  device_peak_mb: number[];
  /** jax-js's buffer pool after each step's trim (null: engine without patch 20). */
  pool_mb: (number | null)[];
  trimmed_mb: number[];
  /** With gpuBreakdown: ms per step inside each WebGPU call over the timed steps (mean). */
  call_ms_per_step?: Record<string, number>;
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
  gpu?: GpuStepCounts;
}

export async function timeSteps(args: StepTimingArgs): Promise<StepTiming> {
  const threads = await preparePlatform(threadsFromEnv());
  const { initRuntime, releaseIdleDeviceMemory, deviceMemoryStats } = await import("../src/runtime/init.js");
  const { bufferPoolStats } = await import("../src/runtime/deviceMemory.js");
  if (process.env.CMPLOSS_DEVICE === "webgpu") await timeSubmits();
  const rt = await initRuntime({ device: (process.env.CMPLOSS_DEVICE ?? "wasm") as "wasm" | "webgpu" });
  const { getWebGPUDevice, numpy: np, random, tree } = await import("@jax-js/jax");
  const webgpu = rt.device === "webgpu";
  const gpuCounts = webgpu ? installGpuCounters(getWebGPUDevice(), args.gpuBreakdown ?? false) : null;
  const gpuSteps: GpuCounts[] = [];
  const gpuMemory: { device: number; peak: number; pool: number | null; trimmed: number }[] = [];
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
  const mb = (bytes: number) => Math.round((bytes / 2 ** 20) * 100) / 100;
  if (gpuCounts) gpuSteps.push(gpuCounts());
  for (let i = 0; i < args.warmup + args.steps; i++) {
    deviceMemoryStats()?.resetPeak();
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const r = await stepper.step(state, batch(lengths[i % lengths.length]), 1e-4);
    const dt = performance.now() - t0;
    const c = process.cpuUsage(c0);
    state = r.state;
    if (gpuCounts) {
      gpuSteps.push(gpuCounts());
      const peak = deviceMemoryStats()!.peakBytes;
      const trimmed = releaseIdleDeviceMemory(); // as the training loop does after every step
      const pool = bufferPoolStats(getWebGPUDevice());
      gpuMemory.push({ device: deviceMemoryStats()!.bytes, peak, pool: pool?.bytes ?? null, trimmed });
    }
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
  let gpu: GpuStepCounts | undefined;
  if (gpuCounts) {
    const diff = (k: "kernels" | "bindGroups" | "buffersCreated") =>
      gpuSteps.slice(1).map((s, i) => s[k] - gpuSteps[i][k]);
    const host = gpuSteps
      .slice(1)
      .map((s, i) => (s.hostMs === null ? null : Math.round((s.hostMs - gpuSteps[i].hostMs!) * 10) / 10));
    const submit = gpuSteps
      .slice(1)
      .map((s, i) =>
        s.submitMs === null ? null : Math.round((s.submitMs - gpuSteps[i].submitMs!) * 10) / 10,
      );
    const kernels = diff("kernels");
    const encode = gpuSteps
      .slice(1)
      .map((s, i) =>
        s.firstReadMs === null || gpuSteps[i].hostMs === null
          ? null
          : Math.round((s.firstReadMs - gpuSteps[i].hostMs!) * 10) / 10,
      );
    const usPerKernel = (ms: (number | null)[]) => {
      const xs = ms
        .map((h, i) => (h === null || kernels[i] === 0 ? null : (1000 * h) / kernels[i]))
        .slice(args.warmup)
        .filter((x): x is number => x !== null);
      return xs.length ? Math.round(medianOf(xs) * 10) / 10 : null;
    };
    const first = gpuSteps[args.warmup].callMs;
    const last = gpuSteps[gpuSteps.length - 1].callMs;
    const info = (getWebGPUDevice() as unknown as { adapterInfo?: { description?: string; device?: string } })
      .adapterInfo;
    gpu = {
      adapter: info?.description || info?.device || "unknown",
      kernels,
      bind_groups: diff("bindGroups"),
      buffers_created: diff("buffersCreated"),
      host_ms: host,
      submit_ms: submit,
      median_host_us_per_kernel: usPerKernel(host),
      encode_ms: encode,
      median_encode_us_per_kernel: usPerKernel(encode),
      device_mb: gpuMemory.map((m) => mb(m.device)),
      device_peak_mb: gpuMemory.map((m) => mb(m.peak)),
      pool_mb: gpuMemory.map((m) => (m.pool === null ? null : mb(m.pool))),
      trimmed_mb: gpuMemory.map((m) => mb(m.trimmed)),
      ...(args.gpuBreakdown
        ? {
            call_ms_per_step: Object.fromEntries(
              Object.keys(last).map((k) => [
                k,
                Math.round((((last[k] ?? 0) - (first[k] ?? 0)) / args.steps) * 100) / 100,
              ]),
            ),
          }
        : {}),
    };
  }
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
    ...(gpu ? { gpu } : {}),
  };
}

// Child-process entry: `tsx bench/stepTiming.ts '<json args>'` prints one JSON line.
if (/stepTiming\.[jt]s$/.test(process.argv[1] ?? "") && process.argv[2]) {
  const result = await timeSteps(JSON.parse(process.argv[2]) as StepTimingArgs);
  console.log(JSON.stringify(result));
  process.exit(0);
}
