/**
 * The size of the wasm heap jax-js creates, which it does not expose. Call `watchWasmHeap()` before jax-js loads:
 * it wraps `WebAssembly.Memory` to keep every memory constructed from then on. jax-js grows its heap and never
 * shrinks it, so the size read afterwards is the peak so far. Used by bench/stepTiming.ts, bench/heapRows.ts and
 * test/engineMemoryChild.ts.
 */
export function watchWasmHeap(): () => number {
  const memories: WebAssembly.Memory[] = [];
  WebAssembly.Memory = new Proxy(WebAssembly.Memory, {
    construct(target, args: [WebAssembly.MemoryDescriptor]) {
      const memory = new target(...args);
      memories.push(memory);
      return memory;
    },
  });
  return () => Math.max(0, ...memories.map((m) => m.buffer.byteLength));
}
