/**
 * One command buffer and one queue submission per burst of kernels instead of one of each per kernel.
 *
 * jax-js's WebGPU backend encodes every kernel in its own command encoder and submits it at once. A train step
 * launches hundreds of kernels (≈520 for the 2-layer preset), and each command buffer and submission costs
 * Dawn host time, so small models are launch-bound (measured on an H100: 50 ms per step for ~1 ms of
 * arithmetic). Here `createCommandEncoder` hands out one shared encoder, its `finish` only marks the work as
 * submitted-to-be, and the encoder is finished and submitted as one command buffer at the end of the current
 * task (a microtask), or earlier, just before anything whose effect depends on queue order:
 * `queue.writeBuffer`, a buffer's `mapAsync` or `destroy`, `onSubmittedWorkDone`, or a command buffer that did
 * not come from the shared encoder. jax-js records and submits each encoder synchronously, so the queue sees
 * the same commands in the same order as without coalescing.
 */

/** The parts of the WebGPU API this wrapper touches (kept structural: Node has no WebGPU typings). */
interface Queue {
  submit(buffers: Iterable<unknown>): void;
  writeBuffer(...args: unknown[]): void;
  onSubmittedWorkDone(): Promise<void>;
}
interface Buffer {
  mapAsync(...args: unknown[]): Promise<void>;
  destroy(): void;
}
interface Encoder {
  finish(descriptor?: unknown): unknown;
}
interface Device {
  queue: Queue;
  createBuffer(descriptor: unknown): Buffer;
  createCommandEncoder(descriptor?: unknown): Encoder;
}

export interface SubmitStats {
  /** `queue.submit` calls made by jax-js. */
  requested: number;
  /** Submissions that reached the queue. */
  flushed: number;
  /** Command buffers in those submissions. */
  commandBuffers: number;
}

const installed = new WeakMap<object, SubmitStats>();

/**
 * Patch `device` (idempotent) so that its queue submissions are coalesced.
 * @returns live counters of requested vs actual submissions.
 */
export function coalesceSubmits(device: Device): SubmitStats {
  const done = installed.get(device);
  if (done) return done;
  const stats: SubmitStats = { requested: 0, flushed: 0, commandBuffers: 0 };
  const queue = device.queue;
  const submit = queue.submit.bind(queue);
  const writeBuffer = queue.writeBuffer.bind(queue);
  const workDone = queue.onSubmittedWorkDone.bind(queue);
  const createBuffer = device.createBuffer.bind(device);
  const createEncoder = device.createCommandEncoder.bind(device);
  /** What the shared encoder's `finish()` returns: a placeholder for the commands recorded so far. */
  const RECORDED = Symbol("recorded in the shared command encoder");
  let shared: { encoder: Encoder; finish: () => unknown } | null = null;
  let pending: unknown[] = [];
  let scheduled = false;

  const closeEncoder = () => {
    if (!shared) return;
    pending.push(shared.finish());
    shared = null;
  };
  const flush = () => {
    scheduled = false;
    closeEncoder();
    if (pending.length === 0) return;
    const buffers = pending;
    pending = [];
    stats.flushed++;
    stats.commandBuffers += buffers.length;
    submit(buffers);
  };

  device.createCommandEncoder = (descriptor?: unknown) => {
    if (!shared) {
      const encoder = createEncoder(descriptor);
      shared = { encoder, finish: encoder.finish.bind(encoder) };
      encoder.finish = () => RECORDED;
    }
    return shared.encoder;
  };
  queue.submit = (buffers: Iterable<unknown>) => {
    stats.requested++;
    for (const b of buffers) {
      if (b === RECORDED) continue; // already in the shared encoder, in order
      closeEncoder(); // a command buffer from elsewhere goes after what was recorded before it
      pending.push(b);
    }
    if (!scheduled) {
      scheduled = true;
      queueMicrotask(flush);
    }
  };
  queue.writeBuffer = (...args: unknown[]) => {
    flush();
    writeBuffer(...args);
  };
  queue.onSubmittedWorkDone = () => {
    flush();
    return workDone();
  };
  device.createBuffer = (descriptor: unknown) => {
    const buffer = createBuffer(descriptor);
    const mapAsync = buffer.mapAsync.bind(buffer);
    const destroy = buffer.destroy.bind(buffer);
    buffer.mapAsync = (...args: unknown[]) => {
      flush();
      return mapAsync(...args);
    };
    buffer.destroy = () => {
      flush();
      destroy();
    };
    return buffer;
  };
  installed.set(device, stats);
  return stats;
}
