/**
 * Host-side counters for jax-js's WebGPU backend, for bench/stepTiming.ts (and through it bench/gpuHost.ts and
 * bench/run.ts on a GPU): kernels dispatched, bind groups and buffers created, the calling thread's CPU time,
 * and optionally the time spent inside each kind of WebGPU call ("breakdown"). Installed after
 * `initRuntime({ device: "webgpu" })`, which put Dawn's classes on `globalThis`.
 *
 * Host time is the main thread's own CPU time (Linux: /proc/self/task/<pid>/schedstat, in ns), not wall time:
 * on Mesa's software Vulkan adapter the kernels themselves run on the driver's threads of the same process, and
 * on a real GPU the main thread waits for the device; neither is host work.
 */
import { readFileSync } from "node:fs";

type Fn = (...args: unknown[]) => unknown;

export interface GpuCounts {
  /** `dispatchWorkgroups` calls: one per kernel pass. */
  kernels: number;
  bindGroups: number;
  buffersCreated: number;
  /** Main-thread CPU ms (null where /proc is missing). */
  hostMs: number | null;
  /**
   * Of hostMs, the part inside Dawn's `queue.submit` (with `timeSubmits` installed before the runtime): on Mesa's
   * software adapter that is where the driver runs the kernels on the calling thread, so it is not host work there.
   */
  submitMs: number | null;
  /**
   * Main-thread CPU ms when the first buffer read (`mapAsync`) since the previous snapshot began, or null if
   * none: a train step reads its loss only after it has encoded and submitted all its kernels, so the CPU time
   * from the step's start to this point is its host work before it waits for the GPU (dawn.node keeps the main
   * thread busy polling while it waits, which is not work per kernel).
   */
  firstReadMs: number | null;
  /** With breakdown: ms inside each wrapped WebGPU call, by name. */
  callMs: Record<string, number>;
}

/** CPU time of the process's main thread in ms, or null (not Linux). */
export function mainThreadCpuMs(): number | null {
  try {
    const ns = Number(readFileSync(`/proc/self/task/${process.pid}/schedstat`, "utf8").split(" ")[0]);
    return Number.isFinite(ns) ? ns / 1e6 : null;
  } catch {
    return null;
  }
}

let submitMs: number | null = null;

/**
 * Time the main thread's CPU inside Dawn's `GPUQueue.submit`. Must run before `initRuntime`: submit coalescing
 * (src/runtime/submitCoalescing.ts) keeps the method it finds there. No-op without the `webgpu` package.
 */
export async function timeSubmits(): Promise<void> {
  let mod: { globals: Record<string, { prototype: Record<string, Fn> }> };
  try {
    mod = (await import("webgpu" as string)) as typeof mod;
  } catch {
    return;
  }
  const proto = mod.globals.GPUQueue?.prototype;
  if (!proto || mainThreadCpuMs() === null) return;
  const submit = proto.submit;
  submitMs = 0;
  proto.submit = function (this: unknown, ...args: unknown[]) {
    const t0 = mainThreadCpuMs()!;
    try {
      return submit.apply(this, args);
    } finally {
      submitMs! += mainThreadCpuMs()! - t0;
    }
  };
}

/** The WebGPU calls timed with `breakdown`, by class: jax-js makes these once or more per kernel. */
const TIMED: Record<string, string[]> = {
  GPUDevice: ["createBindGroup", "createCommandEncoder", "createBuffer"],
  GPUComputePipeline: ["getBindGroupLayout"],
  GPUCommandEncoder: ["beginComputePass", "finish", "clearBuffer", "copyBufferToBuffer"],
  GPUComputePassEncoder: ["setPipeline", "setBindGroup", "dispatchWorkgroups", "end"],
  GPUQueue: ["writeBuffer"],
};

/**
 * Count what jax-js asks of `device` from now on. Counting wraps prototypes of Dawn's classes (jax-js looks its
 * methods up on every call); with `breakdown`, every call in TIMED is also timed (≈ 2 `performance.now()` per
 * call: compare host time per kernel without it).
 */
export function installGpuCounters(device: object, breakdown: boolean): () => GpuCounts {
  const counts = { kernels: 0, bindGroups: 0, buffersCreated: 0 };
  const callMs: Record<string, number> = {};
  const g = globalThis as unknown as Record<string, { prototype: Record<string, Fn> } | undefined>;
  const wrap = (target: Record<string, Fn>, cls: string, name: string, count?: keyof typeof counts) => {
    const original = target[name];
    if (typeof original !== "function") return;
    const key = `${cls}.${name}`;
    target[name] = function (this: unknown, ...args: unknown[]) {
      if (count) counts[count]++;
      if (!breakdown) return original.apply(this, args);
      const t0 = performance.now();
      try {
        return original.apply(this, args);
      } finally {
        callMs[key] = (callMs[key] ?? 0) + performance.now() - t0;
      }
    };
  };
  // The device's own methods may already be instance properties (runtime wrappers): wrap the instance there.
  const dev = device as Record<string, Fn>;
  wrap(dev, "GPUDevice", "createBindGroup", "bindGroups");
  wrap(dev, "GPUDevice", "createBuffer", "buffersCreated");
  wrap(g.GPUComputePassEncoder!.prototype, "GPUComputePassEncoder", "dispatchWorkgroups", "kernels");
  // Buffers created from now on look mapAsync up here (submit coalescing binds it per buffer at creation).
  let firstReadMs: number | null = null;
  const bufferProto = g.GPUBuffer!.prototype;
  const mapAsync = bufferProto.mapAsync;
  bufferProto.mapAsync = function (this: unknown, ...args: unknown[]) {
    firstReadMs ??= mainThreadCpuMs();
    return mapAsync.apply(this, args);
  };
  if (breakdown) {
    wrap(dev, "GPUDevice", "createCommandEncoder");
    for (const [cls, names] of Object.entries(TIMED)) {
      const proto = g[cls]?.prototype;
      if (!proto || cls === "GPUDevice") continue;
      for (const name of names)
        if (!(cls === "GPUComputePassEncoder" && name === "dispatchWorkgroups")) wrap(proto, cls, name);
    }
    wrap((device as { queue: Record<string, Fn> }).queue, "GPUQueue", "writeBuffer");
  }
  return () => {
    const snapshot = { ...counts, hostMs: mainThreadCpuMs(), submitMs, firstReadMs, callMs: { ...callMs } };
    firstReadMs = null;
    return snapshot;
  };
}
