import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";

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

function runChain(threads: number): ChainResult {
  const r = spawnSync(process.execPath, ["--import", "tsx", "test/engineMemoryChild.ts", "256", "24"], {
    encoding: "utf8",
    timeout: 120_000,
    env: { ...process.env, CMPLOSS_THREADS: String(threads) },
  });
  const line = r.stdout.trim().split("\n").at(-1) ?? "";
  if (r.status !== 0 || !line.startsWith("{")) {
    throw new Error(`engineMemoryChild exited ${r.status}: ${r.stderr.slice(-500)}`);
  }
  return JSON.parse(line) as ChainResult;
}

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
