/**
 * What jax-js needs from the host *before it is imported*: jax-js creates its wasm backend when its module
 * is evaluated, and only gives that backend a worker pool (sized by `navigator.hardwareConcurrency`) if a
 * global Web `Worker` exists at that moment. This module must therefore not import jax-js itself.
 */
import { NodeWebWorker } from "./nodeWorker.js";
import { installPolyfills } from "./polyfill.js";

const isNode = typeof process !== "undefined" && !!process.versions?.node;
let preparedThreads: number | null = null;
let relaxedSimd: RelaxedSimdState | null = null;

/**
 * Wasm relaxed SIMD (jax-js then emits `f32x4.relaxed_madd`, a fused multiply-add, in its matmul loops):
 * "on" — the engine validates it (Node ≥ 22 by default; Node 20 after the V8 flag below); "off" — turned off
 * with `CMPLOSS_RELAXED_SIMD=0`; "unavailable" — this engine cannot validate it (old browsers).
 */
export type RelaxedSimdState = "on" | "off" | "unavailable";

// A module using `f32x4.relaxed_madd`: exactly the probe jax-js runs to decide whether it emits the instruction.
const RELAXED_MADD_PROBE = "0061736d0100000001080160037b7b7b017b030201000a0d010b00200020012002fd85020b";

function validatesRelaxedSimd(): boolean {
  if (typeof WebAssembly === "undefined") return false;
  const hex = RELAXED_MADD_PROBE;
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  try {
    return WebAssembly.validate(bytes);
  } catch {
    return false;
  }
}

/**
 * Node 20 ships relaxed SIMD behind `--experimental-wasm-relaxed-simd`. V8 rejects the flag in NODE_OPTIONS
 * but accepts it through `v8.setFlagsFromString` while no wasm has been compiled — so before jax-js loads,
 * and it then holds for the worker threads too. `CMPLOSS_RELAXED_SIMD=0` leaves it off (for bit-for-bit
 * comparisons with runs that had no FMA: relaxed_madd may fuse, which changes the rounding of matmuls).
 */
function enableRelaxedSimd(): RelaxedSimdState {
  const optOut = isNode && process.env.CMPLOSS_RELAXED_SIMD === "0";
  if (validatesRelaxedSimd()) {
    // Already on (Node 22, browsers): the engine will use it; the opt-out cannot undo it there.
    return "on";
  }
  if (optOut || !isNode) return optOut ? "off" : "unavailable";
  const v8 = process.getBuiltinModule?.("node:v8") as typeof import("node:v8") | undefined;
  v8?.setFlagsFromString("--experimental-wasm-relaxed-simd");
  return validatesRelaxedSimd() ? "on" : "unavailable";
}

/** Whether jax-js's wasm kernels use relaxed SIMD (fused multiply-add); null before `preparePlatform`. */
export function relaxedSimdState(): RelaxedSimdState | null {
  return relaxedSimd;
}

/** Threads the platform was prepared with, or null if `preparePlatform` has not run. */
export function platformThreads(): number | null {
  return preparedThreads;
}

/** All cores of this machine (Node) or the browser's hardwareConcurrency. */
export function allCores(): number {
  if (isNode) {
    const os = process.getBuiltinModule?.("node:os") as typeof import("node:os") | undefined;
    if (os) return os.availableParallelism?.() ?? os.cpus().length;
  }
  return (globalThis.navigator?.hardwareConcurrency as number | undefined) ?? 1;
}

/** Threads requested through the environment (`CMPLOSS_THREADS`), else all cores. */
export function threadsFromEnv(): number {
  const raw = isNode ? process.env.CMPLOSS_THREADS : undefined;
  if (raw === undefined || raw === "") return allCores();
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) {
    throw new RangeError(`CMPLOSS_THREADS: expected a positive integer, got "${raw}"`);
  }
  return n;
}

/**
 * Install Node polyfills, a `navigator`, and (for threads > 1 in Node) a Web `Worker` on worker_threads.
 * Idempotent; the first call fixes the thread count for the life of the process. Synchronous on purpose:
 * ES modules evaluate sibling imports while an earlier one awaits, so an async preparation could lose the
 * race against jax-js's own module evaluation.
 */
export function preparePlatform(threads: number): number {
  if (!Number.isInteger(threads) || threads < 1) {
    throw new RangeError(`preparePlatform: expected threads to be a positive integer, got ${threads}`);
  }
  if (preparedThreads !== null) return preparedThreads;
  installPolyfills();
  relaxedSimd = enableRelaxedSimd();
  if (isNode) {
    // Node ≥ 21 has a read-only navigator; redefine it instead of assigning.
    Object.defineProperty(globalThis, "navigator", {
      value: { userAgent: `Node.js/${process.versions.node}`, hardwareConcurrency: threads },
      configurable: true,
      writable: true,
    });
    const g = globalThis as { Worker?: unknown };
    if (threads > 1 && typeof g.Worker === "undefined") {
      g.Worker = NodeWebWorker;
    }
  }
  preparedThreads = threads;
  return threads;
}
