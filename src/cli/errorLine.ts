/** How the CLI reports an error: one line, with what to do where the cause is known. */

export function errorLine(err: unknown): string {
  const message = (err instanceof Error ? err.message : String(err)).split("\n")[0];
  if (/4 GiB memory32 limit/.test(message)) {
    return (
      `cmploss: out of memory: jax-js's wasm heap is capped at 4 GiB; try --micro-batch-size ` +
      `(e.g. a quarter of --batch-size: the same gradient, in parts), --ablation-mode accumulate ` +
      `(CmpDrop, same gradient), a shorter --max-seq-length, fewer padded lengths ` +
      `(--pad-multiple = --max-seq-length), ` +
      `or a GPU (--device webgpu)`
    );
  }
  // what WebGPU reports (a DeviceError says "the GPU reported"), not a message that merely suggests a GPU
  const gpuOutOfMemory =
    /OUT_OF_DEVICE_MEMORY|OUT_OF_HOST_MEMORY/.test(message) ||
    (/out of memory/i.test(message) && /the GPU reported|GPUOutOfMemoryError|WebGPU/.test(message));
  if (gpuOutOfMemory) {
    return (
      `cmploss: ${message}; out of GPU memory: run fewer trainings at once (--jobs), --micro-batch-size, ` +
      `a shorter --max-seq-length, or fewer padded lengths (--pad-multiple = --max-seq-length)`
    );
  }
  return `cmploss: ${message}`;
}
