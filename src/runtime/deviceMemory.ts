/**
 * WebGPU memory: what the process holds on the GPU, and a way to give back what it no longer needs.
 *
 * jax-js's WebGPU backend keeps every buffer an array frees in a pool keyed by byte size (up to 64 buffers of
 * each size ≤ 64 MiB) and never returns them, so a process holds the most it ever needed of every size: each
 * padded length, batch size and evaluation shape adds its own set. Measured on an H100: 13–16 GB per MiniLM
 * process (docs/PERFORMANCE.md). Engine patch 20 (patches/jax-0.1.25-20-webgpu-pool-trim.patch) exposes the
 * pool on the GPUDevice under `Symbol.for("jax-js.webgpu.bufferPool")`; `trimBufferPool` destroys the pooled
 * buffers that sat unused since the previous trim. The training loop calls it (through
 * `releaseIdleDeviceMemory`) after every step, where everything a step needs again has just been used.
 *
 * `watchDeviceMemory` counts the bytes of the GPU buffers that exist (created and not destroyed) and their
 * high-water mark, from outside the engine: it works with or without the patch.
 */

/** The parts of a GPUDevice this module touches (structural: Node has no WebGPU typings). */
interface Buffer {
  size: number;
  usage: number;
  destroy(): void;
}
interface Device {
  createBuffer(descriptor: unknown): Buffer;
}

/** What patch 20 hangs on the device. */
interface BufferPool {
  /** Destroy pooled buffers idle through `maxIdle` trims (0: all of them); returns the bytes destroyed. */
  trim(maxIdle?: number): number;
  /** Bytes and buffers in the pool now. */
  stats(): { bytes: number; buffers: number };
}

export const BUFFER_POOL = Symbol.for("jax-js.webgpu.bufferPool");

export interface DeviceMemoryStats {
  /** Bytes of GPU buffers created and not yet destroyed (jax-js's arrays, its pool, staging and uniforms). */
  bytes: number;
  /** The most `bytes` has been since watching began (or since `resetPeak`). */
  peakBytes: number;
  buffersCreated: number;
  buffersDestroyed: number;
  /** Start a new high-water mark from the current bytes. */
  resetPeak(): void;
}

const watched = new WeakMap<object, DeviceMemoryStats>();

/**
 * Count the bytes of `device`'s live buffers from now on (idempotent: a second call returns the same live
 * counters). A buffer stops counting when it is destroyed, or when the garbage collector takes it without
 * `destroy()` (jax-js does that with the uniform buffers of a few routines; Dawn frees them then).
 */
export function watchDeviceMemory(device: Device): DeviceMemoryStats {
  const done = watched.get(device);
  if (done) return done;
  const stats: DeviceMemoryStats = {
    bytes: 0,
    peakBytes: 0,
    buffersCreated: 0,
    buffersDestroyed: 0,
    resetPeak() {
      stats.peakBytes = stats.bytes;
    },
  };
  const createBuffer = device.createBuffer.bind(device);
  const release = (live: { size: number; counted: boolean }) => {
    if (!live.counted) return;
    live.counted = false;
    stats.bytes -= live.size;
    stats.buffersDestroyed++;
  };
  const collected = new FinalizationRegistry(release);
  device.createBuffer = (descriptor: unknown) => {
    const buffer = createBuffer(descriptor);
    const live = { size: buffer.size, counted: true };
    stats.bytes += live.size;
    stats.buffersCreated++;
    if (stats.bytes > stats.peakBytes) stats.peakBytes = stats.bytes;
    const destroy = buffer.destroy.bind(buffer);
    buffer.destroy = () => {
      release(live);
      destroy();
    };
    collected.register(buffer, live);
    return buffer;
  };
  watched.set(device, stats);
  return stats;
}

function poolOf(device: unknown): BufferPool | null {
  const pool = (device as Record<symbol, unknown> | null)?.[BUFFER_POOL];
  return pool && typeof (pool as BufferPool).trim === "function" ? (pool as BufferPool) : null;
}

/** Whether the engine exposes its WebGPU buffer pool (patch 20 applied). */
export function hasBufferPool(device: unknown): boolean {
  return poolOf(device) !== null;
}

/** Bytes and buffers in jax-js's WebGPU buffer pool, or null without patch 20. */
export function bufferPoolStats(device: unknown): { bytes: number; buffers: number } | null {
  return poolOf(device)?.stats() ?? null;
}

/**
 * Destroy the buffers of `device`'s pool that no array used since the previous trim (`maxIdle` trims; 0: the
 * whole pool). Returns the bytes given back; 0 without patch 20 (an engine installed without its patches keeps
 * its pool, as before). Safe at any point: pooled buffers belong to no array, and WebGPU defers a buffer's
 * release until the commands already submitted with it have run.
 */
export function trimBufferPool(device: unknown, maxIdle = 1): number {
  if (!Number.isInteger(maxIdle) || maxIdle < 0) {
    throw new RangeError(`trimBufferPool: expected maxIdle to be an integer ≥ 0, got ${maxIdle}`);
  }
  return poolOf(device)?.trim(maxIdle) ?? 0;
}
