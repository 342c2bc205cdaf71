import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/**
 * patches/jax-0.1.25-10-reuse-dead-buffers.patch: a jitted program's peak memory follows its live set.
 * Unpatched, jax-js allocates every buffer of a program before it dispatches a kernel, so a chain of 48
 * materialised intermediates (24 matmuls, each followed by a tanh) grows the wasm heap by all 48 of them.
 */
interface ChainResult {
  n: number;
  links: number;
  intermediateBytes: number;
  grown: number;
  maxDiff: number;
  size: number;
}

/**
 * Run a child script (test/<name>.ts) on `threads` wasm threads — on the engine in `jaxDir` when given — and
 * return the JSON of its last line.
 */
function runChild<T>(name: string, args: string[], threads: number, jaxDir?: string): T {
  const hook = jaxDir ? ["--import", "./bench/engineHook.mjs"] : [];
  const r = spawnSync(process.execPath, [...hook, "--import", "tsx", `test/${name}.ts`, ...args], {
    encoding: "utf8",
    timeout: 120_000,
    env: {
      ...process.env,
      CMPLOSS_THREADS: String(threads),
      ...(jaxDir ? { CMPLOSS_JAX_DIR: jaxDir } : {}),
    },
  });
  const line = r.stdout.trim().split("\n").at(-1) ?? "";
  if (r.status !== 0 || !line.startsWith("{")) {
    throw new Error(`${name} exited ${r.status}: ${r.stderr.slice(-500)}`);
  }
  return JSON.parse(line) as T;
}

const runChain = (threads: number) => runChild<ChainResult>("engineMemoryChild", ["256", "24"], threads);

describe("jitted programs reuse dead buffers (engine patch 10)", () => {
  for (const threads of [1, 2]) {
    it(`a chain of intermediates grows the wasm heap by its live set, not their sum (${threads} thread${threads > 1 ? "s" : ""})`, () => {
      const r = runChain(threads);
      const sumOfAll = 2 * r.links * r.intermediateBytes; // each link materialises a matmul and a tanh
      expect(r.size).toBe(r.n * r.n);
      // Unpatched: grown === sumOfAll (12 MiB). Patched: the program needs two buffers of its own, which the
      // link-by-link run before it has already left free.
      expect(r.grown).toBeLessThan(sumOfAll / 4);
      expect(r.grown).toBeLessThanOrEqual(4 * r.intermediateBytes);
      // Reusing a buffer before its last reader ran would show here: the jitted chain equals the same chain
      // computed link by link.
      expect(r.maxDiff).toBeLessThanOrEqual(1e-6);
    });
  }
});

/**
 * patches/jax-0.1.25-11-coalescing-allocator.patch: buffers that one shape's program freed serve another
 * shape's. Unpatched, jax-js's wasm allocator keeps a free list per exact size (64 KiB pages above 64 KiB), so
 * a program at n = 200 finds none of the 256 KiB blocks the n = 256 program left free and grows the heap.
 */
interface SizesResult {
  intermediateBytes: number;
  firstHeap: number;
  lastHeap: number;
  digest: string;
}

const tmp = mkdtempSync(join(tmpdir(), "cmploss-alloc-"));
const without11 = join(tmp, "jax-without-11");
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
beforeAll(() => {
  // the installed engine with only patch 11 taken out: the same-run reference
  const r = spawnSync(
    process.execPath,
    ["scripts/apply-patches.mjs", "--pristine-copy", without11, "--only", "11", "--quiet"],
    { encoding: "utf8" },
  );
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
});

const runSizes = (threads: number, jaxDir?: string) =>
  runChild<SizesResult>("engineAllocatorChild", ["256,200,160", "8"], threads, jaxDir);

describe("freed wasm memory serves other sizes (engine patch 11)", () => {
  for (const threads of [1, 2]) {
    it(`programs at smaller shapes run in what the largest one freed (${threads} thread${threads > 1 ? "s" : ""})`, () => {
      const patched = runSizes(threads);
      const unpatched = runSizes(threads, without11);
      // the same values: only where buffers live changes
      expect(patched.digest).toBe(unpatched.digest);
      expect(patched.firstHeap).toBe(unpatched.firstHeap);
      // unpatched, the n = 200 and n = 160 programs need new blocks (1.25 MiB here); patched, none
      expect(unpatched.lastHeap - unpatched.firstHeap).toBeGreaterThanOrEqual(
        4 * unpatched.intermediateBytes,
      );
      expect(patched.lastHeap).toBe(patched.firstHeap);
    });
  }
});
