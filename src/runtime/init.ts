/**
 * One place that starts jax-js on a device. Thread count is fixed earlier, when jax-js loads
 * (see platform.ts); `initRuntime` checks the request against it and starts the chosen backend.
 */
import { defaultDevice, getWebGPUDevice, init } from "@jax-js/jax";
import { watchDeviceErrors } from "./deviceErrors.js";
import { trimBufferPool, watchDeviceMemory, type DeviceMemoryStats } from "./deviceMemory.js";
import { installPolyfills } from "./polyfill.js";
import { platformThreads } from "./platform.js";
import { coalesceSubmits } from "./submitCoalescing.js";

export type DeviceName = "wasm" | "webgpu" | "cpu";

/** What a caller may ask `initRuntime` for: a backend, or "auto" to let it choose. */
export const DEVICE_REQUESTS = ["auto", "wasm", "webgpu", "cpu"] as const;

export interface RuntimeOptions {
  /**
   * Backend for all arrays. Default "wasm". "auto": WebGPU when a hardware adapter is there (in Node: the
   * optional `webgpu` package is installed and finds one), else wasm — software adapters (Mesa's llvmpipe,
   * SwiftShader) are slower than wasm and are never picked.
   */
  device?: DeviceName | "auto";
  /** wasm worker threads; must equal what the platform was prepared with (default: that number). */
  threads?: number;
  /**
   * WebGPU: submit each burst of kernels to the queue at once instead of one submission per kernel
   * (submitCoalescing.ts). Default true; `CMPLOSS_WEBGPU_COALESCE=0` turns it off (for comparisons).
   */
  coalesceSubmits?: boolean;
  /**
   * WebGPU: `releaseIdleDeviceMemory` destroys the pooled buffers that jax-js kept but no array took through
   * this many calls (deviceMemory.ts; needs engine patch 20). 0 keeps the pool as jax-js keeps it. Default 1,
   * or `CMPLOSS_WEBGPU_POOL_TRIM=N`. Padded lengths that come back often (random batch order) pay for a
   * small N with buffers and bind groups made again; a larger N holds more memory (docs/PERFORMANCE.md).
   */
  trimBufferPool?: number;
}

export interface RuntimeInfo {
  device: DeviceName;
  /** With device "auto": why this device was chosen. */
  reason?: string;
  /** wasm worker threads in use (1 = kernels run on the calling thread). */
  threads: number;
  node: boolean;
}

// This module's body runs after jax-js's, so this is the thread count jax-js's wasm backend was built with
// (null: jax-js loaded before the platform was prepared, so it has no worker pool).
const threadsAtLoad = platformThreads();
let current: RuntimeInfo | null = null;
let poolTrim = 0;
let memory: DeviceMemoryStats | null = null;
const isNode = typeof process !== "undefined" && !!process.versions?.node;

/** One line for logs: "cmploss: jax-js wasm backend, 2 thread(s) (auto: no WebGPU adapter)". */
export function backendLine(rt: RuntimeInfo): string {
  const threads = rt.device === "wasm" ? `, ${rt.threads} thread(s)` : "";
  return `cmploss: jax-js ${rt.device} backend${threads}${rt.reason ? ` (auto: ${rt.reason})` : ""}`;
}

/** The runtime chosen by `initRuntime`, or null before it ran. */
export function runtimeInfo(): RuntimeInfo | null {
  return current;
}

type WebGPUModule = { create: (flags: string[]) => unknown; globals: Record<string, unknown> };

// A variable, not a literal: bundlers (esbuild, Vite, webpack) resolve literal specifiers, and this Node-only
// package would break every browser bundle of cmploss/core.
const WEBGPU_PACKAGE = "webgpu";

async function importWebGPU(): Promise<WebGPUModule | null> {
  try {
    return (await import(/* @vite-ignore */ /* webpackIgnore: true */ WEBGPU_PACKAGE)) as WebGPUModule;
  } catch {
    return null;
  }
}

let nodeGpu: unknown = null;

/** In Node, make `navigator.gpu` from the optional `webgpu` package (Dawn); one instance per process. */
async function nodeWebGPU(): Promise<unknown> {
  if (nodeGpu) return nodeGpu;
  const mod = await importWebGPU();
  if (!mod) {
    throw new Error(
      "initRuntime: --device webgpu needs the optional package `webgpu` (npm install webgpu); it is not installed",
    );
  }
  Object.assign(globalThis, mod.globals);
  nodeGpu = mod.create([]);
  return nodeGpu;
}

type Adapter = { isFallbackAdapter?: boolean; info?: { isFallbackAdapter?: boolean; description?: string } };

/** A software rasteriser's adapter runs kernels on the CPU, slower than jax-js's own wasm kernels. */
export function isSoftwareAdapter(adapter: Adapter): boolean {
  if (adapter.isFallbackAdapter || adapter.info?.isFallbackAdapter) return true;
  return /llvmpipe|lavapipe|swiftshader|software/i.test(adapter.info?.description ?? "");
}

/** Linux: whether a GPU's device node is there (DRM render nodes, NVIDIA's, or WSL's). */
function hasGpuDeviceNode(): boolean {
  const fs = process.getBuiltinModule?.("node:fs") as typeof import("node:fs") | undefined;
  if (!fs) return true; // cannot tell: ask Dawn
  return ["/dev/dri", "/dev/nvidia0", "/dev/nvidiactl", "/dev/dxg"].some((p) => fs.existsSync(p));
}

/** Resolve device "auto": WebGPU on a hardware adapter, else wasm; with the reason. */
async function chooseDevice(): Promise<{ device: DeviceName; reason: string }> {
  let gpu: { requestAdapter(o?: object): Promise<Adapter | null> } | undefined;
  if (isNode && process.platform === "linux" && !hasGpuDeviceNode()) {
    // Asking Dawn would only find a software adapter (and make it print warnings).
    return { device: "wasm", reason: "no GPU device (/dev/dri, /dev/nvidia*, /dev/dxg)" };
  }
  if (isNode) {
    if (!(await importWebGPU()))
      return { device: "wasm", reason: "the optional webgpu package is not installed" };
    gpu = (await nodeWebGPU()) as typeof gpu;
  } else {
    gpu = (globalThis.navigator as unknown as { gpu?: typeof gpu } | undefined)?.gpu;
    if (!gpu) return { device: "wasm", reason: "this browser has no WebGPU" };
  }
  let adapter: Adapter | null = null;
  try {
    adapter = await gpu!.requestAdapter({ powerPreference: "high-performance" });
  } catch {
    adapter = null;
  }
  if (!adapter) return { device: "wasm", reason: "no WebGPU adapter" };
  const what = adapter.info?.description || "WebGPU adapter";
  if (isSoftwareAdapter(adapter)) return { device: "wasm", reason: `${what} is a software adapter` };
  return { device: "webgpu", reason: what };
}

/**
 * Start jax-js on `device`. Idempotent for the same options; a different device or thread count after the
 * first call throws, because jax-js keeps one backend per process.
 */
export async function initRuntime(options: RuntimeOptions = {}): Promise<RuntimeInfo> {
  const requested = options.device ?? "wasm";
  if (!(DEVICE_REQUESTS as readonly string[]).includes(requested)) {
    throw new RangeError(`initRuntime: expected device ${DEVICE_REQUESTS.join(" | ")}, got ${requested}`);
  }
  if (requested === "auto" && current) return current;
  let auto = requested === "auto" ? await chooseDevice() : null;
  let device = auto?.device ?? (requested as DeviceName);
  const loadedThreads = threadsAtLoad ?? 1;
  const threads = options.threads ?? loadedThreads;
  if (!Number.isInteger(threads) || threads < 1) {
    throw new RangeError(`initRuntime: expected threads to be a positive integer, got ${threads}`);
  }
  if (threads !== loadedThreads) {
    throw new Error(
      `initRuntime: jax-js was loaded with ${loadedThreads} wasm thread(s); the thread count is fixed when ` +
        `jax-js loads: set CMPLOSS_THREADS=${threads} (or import "cmploss/register" before @jax-js/jax)`,
    );
  }
  if (current) {
    if (current.device === device) return current;
    throw new Error(
      `initRuntime: already started with device=${current.device}; cannot switch to ${device} in the same process`,
    );
  }
  installPolyfills();
  if (isNode && device === "webgpu") {
    const gpu = await nodeWebGPU();
    const nav = (globalThis.navigator ?? {}) as unknown as Record<string, unknown>;
    Object.defineProperty(globalThis, "navigator", {
      value: { userAgent: `Node.js/${process.versions.node}`, hardwareConcurrency: threads, ...nav, gpu },
      configurable: true,
      writable: true,
    });
  }
  let available = await init(device);
  if (auto && device === "webgpu" && !available.includes(device)) {
    device = "wasm";
    auto = { device, reason: `${auto.reason}: jax-js could not start WebGPU on it` };
    available = await init(device);
  }
  if (!available.includes(device)) {
    const why =
      device === "webgpu"
        ? "no WebGPU adapter was found (no GPU, or no Vulkan/Metal/D3D12 driver for Dawn)"
        : `jax-js could not start the ${device} backend`;
    throw new Error(`initRuntime: --device ${device} is unavailable: ${why}`);
  }
  defaultDevice(device);
  const coalesce = options.coalesceSubmits ?? (isNode ? process.env.CMPLOSS_WEBGPU_COALESCE !== "0" : true);
  if (device === "webgpu") {
    watchDeviceErrors(getWebGPUDevice() as never);
    if (coalesce) coalesceSubmits(getWebGPUDevice() as never);
    memory = watchDeviceMemory(getWebGPUDevice() as never);
    poolTrim = options.trimBufferPool ?? poolTrimFromEnv();
  }
  current = {
    device,
    ...(auto ? { reason: auto.reason } : {}),
    threads: device === "wasm" ? threads : 1,
    node: isNode,
  };
  return current;
}

/** `CMPLOSS_WEBGPU_POOL_TRIM`: an integer ≥ 0 (default 1). */
function poolTrimFromEnv(): number {
  const raw = isNode ? process.env.CMPLOSS_WEBGPU_POOL_TRIM : undefined;
  if (raw === undefined || raw === "") return 1;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) {
    throw new RangeError(
      `initRuntime: CMPLOSS_WEBGPU_POOL_TRIM expects an integer ≥ 0 (steps a pooled GPU buffer may sit idle; 0 = keep all), got "${raw}"`,
    );
  }
  return n;
}

/**
 * Give back the GPU memory that jax-js's WebGPU buffer pool holds for nothing: the pooled buffers that no array
 * took since the previous call. Call it where a unit of work has just finished (the training loop: after each
 * step; an evaluation's buffers go after the step that follows it), so that what the next one needs again has
 * just been used and stays pooled.
 * Returns the bytes given back; 0 on wasm/cpu, with `trimBufferPool: 0`, or on an engine without patch 20.
 */
export function releaseIdleDeviceMemory(): number {
  if (current?.device !== "webgpu" || poolTrim === 0) return 0;
  return trimBufferPool(getWebGPUDevice(), poolTrim);
}

/** Bytes of GPU buffers held now and at most so far (WebGPU only; null on wasm/cpu or before `initRuntime`). */
export function deviceMemoryStats(): DeviceMemoryStats | null {
  return memory;
}
