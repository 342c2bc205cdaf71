/**
 * One place that starts jax-js on a device. Thread count is fixed earlier, when jax-js loads
 * (see platform.ts); `initRuntime` checks the request against it and starts the chosen backend.
 */
import { defaultDevice, getWebGPUDevice, init } from "@jax-js/jax";
import { installPolyfills } from "./polyfill.js";
import { platformThreads } from "./platform.js";
import { coalesceSubmits } from "./submitCoalescing.js";

export type DeviceName = "wasm" | "webgpu" | "cpu";

export interface RuntimeOptions {
  /** Backend for all arrays. Default "wasm". */
  device?: DeviceName;
  /** wasm worker threads; must equal what the platform was prepared with (default: that number). */
  threads?: number;
  /**
   * WebGPU: submit each burst of kernels to the queue at once instead of one submission per kernel
   * (submitCoalescing.ts). Default true; `CMPLOSS_WEBGPU_COALESCE=0` turns it off (for comparisons).
   */
  coalesceSubmits?: boolean;
}

export interface RuntimeInfo {
  device: DeviceName;
  /** wasm worker threads in use (1 = kernels run on the calling thread). */
  threads: number;
  node: boolean;
}

// This module's body runs after jax-js's, so this is the thread count jax-js's wasm backend was built with
// (null: jax-js loaded before the platform was prepared, so it has no worker pool).
const threadsAtLoad = platformThreads();
let current: RuntimeInfo | null = null;
const isNode = typeof process !== "undefined" && !!process.versions?.node;

/** The runtime chosen by `initRuntime`, or null before it ran. */
export function runtimeInfo(): RuntimeInfo | null {
  return current;
}

/** In Node, make `navigator.gpu` from the optional `webgpu` package (Dawn). */
async function nodeWebGPU(): Promise<unknown> {
  let mod: { create: (flags: string[]) => unknown; globals: Record<string, unknown> };
  try {
    mod = (await import(/* @vite-ignore */ "webgpu" as string)) as typeof mod;
  } catch {
    throw new Error(
      "initRuntime: --device webgpu needs the optional package `webgpu` (npm install webgpu); it is not installed",
    );
  }
  Object.assign(globalThis, mod.globals);
  return mod.create([]);
}

/**
 * Start jax-js on `device`. Idempotent for the same options; a different device or thread count after the
 * first call throws, because jax-js keeps one backend per process.
 */
export async function initRuntime(options: RuntimeOptions = {}): Promise<RuntimeInfo> {
  const device = options.device ?? "wasm";
  if (!["wasm", "webgpu", "cpu"].includes(device)) {
    throw new RangeError(`initRuntime: expected device wasm | webgpu | cpu, got ${device}`);
  }
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
  const available = await init(device);
  if (!available.includes(device)) {
    const why =
      device === "webgpu"
        ? "no WebGPU adapter was found (no GPU, or no Vulkan/Metal/D3D12 driver for Dawn)"
        : `jax-js could not start the ${device} backend`;
    throw new Error(`initRuntime: --device ${device} is unavailable: ${why}`);
  }
  defaultDevice(device);
  const coalesce = options.coalesceSubmits ?? (isNode ? process.env.CMPLOSS_WEBGPU_COALESCE !== "0" : true);
  if (device === "webgpu" && coalesce) coalesceSubmits(getWebGPUDevice() as never);
  current = { device, threads: device === "wasm" ? threads : 1, node: isNode };
  return current;
}
