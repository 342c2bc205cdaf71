/**
 * A minimal Web `Worker` on top of Node's `worker_threads`, enough for jax-js's wasm worker pool.
 *
 * jax-js only parallelises its wasm kernels when `globalThis.Worker` exists; it starts each worker from a
 * blob URL holding a classic script that uses `self.onmessage` and `postMessage`. Node cannot start a worker
 * from a blob URL, so the thread boots a tiny shim that waits for the script's text, evaluates it, and then
 * replays the messages that arrived meanwhile (jax-js posts "init" right after construction).
 */
import type { Worker as ThreadWorker } from "node:worker_threads";

// Built-ins are fetched on first use (not imported) so that this module is safe to import in a browser bundle.
function builtin<T>(name: string): T {
  const mod = process.getBuiltinModule?.(name) as T | undefined;
  if (!mod) throw new Error(`NodeWebWorker: needs Node ≥ 20.16 (process.getBuiltinModule) for ${name}`);
  return mod;
}

const BOOTSTRAP = `
const { parentPort } = require("node:worker_threads");
globalThis.self = globalThis;
globalThis.postMessage = (m) => parentPort.postMessage(m);
let early = [];
parentPort.on("message", (m) => {
  if (early !== null && m && typeof m.__cmplossWorkerSource === "string") {
    (0, eval)(m.__cmplossWorkerSource);
    const queued = early;
    early = null;
    for (const data of queued) self.onmessage({ data });
  } else if (early !== null) {
    early.push(m);
  } else {
    self.onmessage({ data: m });
  }
});
`;

type MessageHandler = ((e: { data: unknown }) => void) | null;
type ErrorHandler = ((e: { message: string }) => void) | null;

export class NodeWebWorker {
  onmessage: MessageHandler = null;
  onerror: ErrorHandler = null;
  readonly #thread: ThreadWorker;
  // Every message jax-js posts gets exactly one reply, so the count of unanswered messages tells whether
  // the thread must keep the process alive: idle workers are unref'd and never block exit.
  #unanswered = 0;

  constructor(url: string | URL) {
    const { resolveObjectURL } = builtin<typeof import("node:buffer")>("node:buffer");
    const { Worker } = builtin<typeof import("node:worker_threads")>("node:worker_threads");
    const blob = resolveObjectURL(String(url));
    if (!blob)
      throw new Error(`NodeWebWorker: expected a blob: URL created by URL.createObjectURL, got ${url}`);
    this.#thread = new Worker(BOOTSTRAP, { eval: true });
    this.#thread.unref();
    this.#thread.on("message", (data: unknown) => {
      if (--this.#unanswered === 0) this.#thread.unref();
      this.onmessage?.({ data });
    });
    this.#thread.on("error", (err: Error) => this.onerror?.({ message: String(err?.message ?? err) }));
    void blob.text().then((source) => this.#thread.postMessage({ __cmplossWorkerSource: source }));
  }

  postMessage(message: unknown): void {
    if (this.#unanswered++ === 0) this.#thread.ref();
    this.#thread.postMessage(message);
  }

  terminate(): void {
    void this.#thread.terminate();
  }
}
