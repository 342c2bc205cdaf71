/**
 * What jax-js needs from the host *before it is imported*: jax-js creates its wasm backend when its module
 * is evaluated, and only gives that backend a worker pool (sized by `navigator.hardwareConcurrency`) if a
 * global Web `Worker` exists at that moment. This module must therefore not import jax-js itself.
 */
import { NodeWebWorker } from "./nodeWorker.js";
import { installPolyfills } from "./polyfill.js";

const isNode = typeof process !== "undefined" && !!process.versions?.node;
let preparedThreads: number | null = null;

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
