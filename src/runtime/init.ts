/**
 * One place that starts jax-js: polyfills, the Node `navigator`, wasm worker threads, and the device.
 * Call `initRuntime` once, before creating any array.
 */
import { defaultDevice, init } from "@jax-js/jax";
import { installPolyfills } from "./polyfill.js";

export type DeviceName = "wasm" | "webgpu" | "cpu";

export interface RuntimeOptions {
  /** Backend for all arrays. Default "wasm". */
  device?: DeviceName;
  /** wasm worker threads; default: all cores. 1 runs kernels on the calling thread. */
  threads?: number;
}

export interface RuntimeInfo {
  device: DeviceName;
  threads: number;
  node: boolean;
}

let current: RuntimeInfo | null = null;

const isNode = typeof process !== "undefined" && !!process.versions?.node;

/** The runtime chosen by `initRuntime`, or null before it ran. */
export function runtimeInfo(): RuntimeInfo | null {
  return current;
}

async function defaultThreads(): Promise<number> {
  if (isNode) {
    const os = await import("node:os");
    return os.availableParallelism?.() ?? os.cpus().length;
  }
  return (globalThis.navigator?.hardwareConcurrency as number | undefined) ?? 1;
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
 * Start jax-js on `device` with `threads` wasm workers.
 *
 * Idempotent for the same options; asking for different ones after the first call throws, because jax-js
 * keeps one backend per process.
 */
export async function initRuntime(options: RuntimeOptions = {}): Promise<RuntimeInfo> {
  const device = options.device ?? "wasm";
  if (!["wasm", "webgpu", "cpu"].includes(device)) {
    throw new RangeError(`initRuntime: expected device wasm | webgpu | cpu, got ${device}`);
  }
  const threads = options.threads ?? (await defaultThreads());
  if (!Number.isInteger(threads) || threads < 1) {
    throw new RangeError(`initRuntime: expected threads to be a positive integer, got ${threads}`);
  }
  if (current) {
    if (current.device === device && (options.threads === undefined || current.threads === threads)) {
      return current;
    }
    throw new Error(
      `initRuntime: already started with device=${current.device} threads=${current.threads}; ` +
        `cannot switch to device=${device} threads=${threads} in the same process`,
    );
  }
  installPolyfills();

  if (isNode) {
    const gpu = device === "webgpu" ? await nodeWebGPU() : undefined;
    // jax-js reads navigator.userAgent / hardwareConcurrency / gpu; Node 22 has a read-only navigator,
    // so it must be redefined rather than assigned.
    Object.defineProperty(globalThis, "navigator", {
      value: { userAgent: `Node.js/${process.versions.node}`, hardwareConcurrency: threads, gpu },
      configurable: true,
      writable: true,
    });
    if (threads > 1 && typeof (globalThis as { Worker?: unknown }).Worker === "undefined") {
      const { NodeWebWorker } = await import("./nodeWorker.js");
      (globalThis as { Worker?: unknown }).Worker = NodeWebWorker;
    }
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
  // The wasm pool only exists when a global Worker did; report the truth.
  const effectiveThreads =
    device === "wasm" && typeof (globalThis as { Worker?: unknown }).Worker !== "undefined" ? threads : 1;
  current = { device, threads: effectiveThreads, node: isNode };
  return current;
}
