import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// The patch set for @jax-js/jax (patches/, applied by scripts/apply-patches.mjs on install). Each check below
// fails on the published, unpatched engine; the unpatched copy made here is the same-run reference.
const tmp = mkdtempSync(join(tmpdir(), "cmploss-engine-"));
const pristine = join(tmp, "jax-pristine");
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function patchScript(...args: string[]) {
  const r = spawnSync(process.execPath, ["scripts/apply-patches.mjs", ...args], { encoding: "utf8" });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

interface ChildReport {
  relaxedSimd: string;
  points: number[];
  matmuls: Record<string, { digest: string; maxV128Locals: number; relaxedMadd: boolean }>;
  elementwise: Record<string, { digest: string; values: number[]; v128Function: boolean }>;
  random: Record<string, { digest: string; maxV128Locals: number; threefryLanes: boolean }>;
  reductions: Record<string, { digest: string; nanCount: number; maxV128Locals: number }>;
  scatter: { digest: string; floorCallsPerUpdate: number };
  losses: number[];
  microBatchLosses: number[];
}

/** test/enginePatchesChild.ts on the installed engine, or on the engine in `jaxDir`. */
function child(env: Record<string, string>, jaxDir?: string): ChildReport {
  const hook = jaxDir ? ["--import", "./bench/engineHook.mjs"] : [];
  const r = spawnSync(process.execPath, [...hook, "--import", "tsx", "test/enginePatchesChild.ts"], {
    encoding: "utf8",
    env: { ...process.env, CMPLOSS_THREADS: "1", ...env, ...(jaxDir ? { CMPLOSS_JAX_DIR: jaxDir } : {}) },
    timeout: 120_000,
  });
  if (r.status !== 0) throw new Error(`enginePatchesChild failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split("\n").at(-1)!) as ChildReport;
}

const dist = (dir: string) => readdirSync(join(dir, "dist")).filter((f) => f.startsWith("backend-"));
const read = (dir: string, f: string) => readFileSync(join(dir, "dist", f), "utf8");

beforeAll(() => {
  const r = patchScript("--pristine-copy", pristine, "--quiet");
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
});

describe("the patch script", () => {
  it("finds every patch applied to the installed engine (npm ci runs it as postinstall)", () => {
    const r = patchScript("--check");
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/jax-0\.1\.25-01-matmul-tile-2x4\.patch: applied/);
    expect(r.stdout).toMatch(/jax-0\.1\.25-02-simd-exp-erf\.patch: applied/);
    expect(r.stdout).toMatch(/jax-0\.1\.25-03-scatter-rows\.patch: applied/);
    expect(r.stdout).toMatch(/jax-0\.1\.25-04-kmatmul-batched-rows\.patch: applied/);
    expect(r.stdout).toMatch(/jax-0\.1\.25-05-kmatmul-tile-2x4-no-unroll\.patch: applied/);
    expect(r.stdout).toMatch(/jax-0\.1\.25-07-batched-rows-share-loads\.patch: applied/);
    expect(r.stdout).toMatch(/jax-0\.1\.25-08-simd-random\.patch: applied/);
    expect(r.stdout).toMatch(/jax-0\.1\.25-10-reuse-dead-buffers\.patch: applied/);
    expect(r.stdout).toMatch(/jax-0\.1\.25-11-coalescing-allocator\.patch: applied/);
    expect(r.stdout).toMatch(/jax-0\.1\.25-12-simd-max-reduction\.patch: applied/);
    expect(r.stdout).toMatch(/jax-0\.1\.25-20-webgpu-pool-trim\.patch: applied/);
    expect(r.stdout).toMatch(/jax-0\.1\.25-21-webgpu-bind-group-cache\.patch: applied/);
  });

  it("applies to an unpatched copy, skips what is applied, reverts to the published files", () => {
    const copy = join(tmp, "apply");
    expect(patchScript("--pristine-copy", copy, "--quiet").code).toBe(0);
    expect(patchScript("--target", copy, "--check").code).toBe(1);
    const first = patchScript("--target", copy);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(
      /01-matmul-tile-2x4\.patch: applied\n.*02-simd-exp-erf\.patch: applied\n.*03-scatter-rows\.patch: applied\n.*04-kmatmul-batched-rows\.patch: applied\n.*05-kmatmul-tile-2x4-no-unroll\.patch: applied\n.*07-batched-rows-share-loads\.patch: applied\n.*08-simd-random\.patch: applied\n.*10-reuse-dead-buffers\.patch: applied\n.*11-coalescing-allocator\.patch: applied\n.*12-simd-max-reduction\.patch: applied\n.*20-webgpu-pool-trim\.patch: applied\n.*21-webgpu-bind-group-cache\.patch: applied/,
    );
    for (const f of dist(copy)) expect(read(copy, f)).toBe(read("node_modules/@jax-js/jax", f));
    const again = patchScript("--target", copy);
    expect(again.code).toBe(0);
    const patchCount = readdirSync("patches").filter((n) => n.endsWith(".patch")).length;
    expect(again.stdout.match(/already applied/g)).toHaveLength(patchCount);
    expect(patchScript("--target", copy, "--revert").code).toBe(0);
    for (const f of dist(copy)) expect(read(copy, f)).toBe(read(pristine, f));
  });

  it("refuses another @jax-js/jax version and a modified file, writing nothing", () => {
    const other = join(tmp, "other-version");
    expect(patchScript("--pristine-copy", other, "--quiet").code).toBe(0);
    const pkgPath = join(other, "package.json");
    writeFileSync(
      pkgPath,
      readFileSync(pkgPath, "utf8").replace('"version": "0.1.25"', '"version": "0.1.26"'),
    );
    const wrong = patchScript("--target", other);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/patches are for @jax-js\/jax 0\.1\.25, but .* is 0\.1\.26/);

    const modified = join(tmp, "modified");
    expect(patchScript("--pristine-copy", modified, "--quiet").code).toBe(0);
    const cjs = dist(modified).find((f) => f.endsWith(".cjs"))!;
    const erfcLine = 'if (distinctOps.has("Erfc")) funcs.erfc = wasm_erfc(cg, funcs.exp);';
    writeFileSync(join(modified, "dist", cjs), read(modified, cjs).replace(erfcLine, ""));
    const bad = patchScript("--target", modified);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(
      /patches\/jax-0\.1\.25-02-simd-exp-erf\.patch:\d+: dist\/backend-\w+\.cjs does not contain/,
    );
    // Patch 01 and the ESM file matched, but nothing is written unless everything does.
    for (const f of dist(modified).filter((f) => f !== cjs))
      expect(read(modified, f)).toBe(read(pristine, f));
    expect(readdirSync(join(modified, "dist")).filter((f) => f.includes("cmploss-tmp"))).toEqual([]);
  });
});

describe("the patched engine against the published one, same run", () => {
  // The golden-run setting: relaxed SIMD off, one thread.
  let patched: ChildReport;
  let published: ChildReport;
  beforeAll(() => {
    patched = child({ CMPLOSS_RELAXED_SIMD: "0" });
    published = child({ CMPLOSS_RELAXED_SIMD: "0" }, pristine);
  });

  it("computes bit-identical matmuls, transcendentals and train-step losses", () => {
    expect(patched.relaxedSimd).toBe("off");
    for (const [path, m] of Object.entries(published.matmuls)) {
      expect({ path, digest: patched.matmuls[path].digest }).toEqual({ path, digest: m.digest });
    }
    for (const [op, e] of Object.entries(published.elementwise)) {
      expect({ op, digest: patched.elementwise[op].digest }).toEqual({ op, digest: e.digest });
    }
    for (const [op, r] of Object.entries(published.random)) {
      expect({ op, digest: patched.random[op].digest }).toEqual({ op, digest: r.digest });
    }
    for (const [op, r] of Object.entries(published.reductions)) {
      const now = patched.reductions[op];
      expect({ op, digest: now.digest, nanCount: now.nanCount }).toEqual({
        op,
        digest: r.digest,
        nanCount: r.nanCount,
      });
    }
    expect(patched.scatter.digest).toBe(published.scatter.digest);
    expect(patched.losses).toEqual(published.losses);
    expect(patched.microBatchLosses.every(Number.isFinite)).toBe(true);
    expect(patched.microBatchLosses).toEqual(published.microBatchLosses);
  });

  it("01: the A·B, Aᵀ·B and P·V kernels keep half the accumulators (2 × 4 register tile)", () => {
    for (const path of ["A·B", "Aᵀ·B", "P·V per head"]) {
      const now = patched.matmuls[path].maxV128Locals;
      const before = published.matmuls[path].maxV128Locals;
      // 4 × 4 → 2 × 4 accumulators per micro-tile (the main loop and its tail each hold one).
      expect({ path, atLeast8Fewer: before - now >= 8 }).toEqual({ path, atLeast8Fewer: true });
    }
  });

  it("05: the A·Bᵀ kernel's k loop holds no more vectors than x64 has registers (2 × 4 tile, no unroll)", () => {
    // Accumulators plus the loads of one loop body (V8 issues all of them before the multiply-adds):
    // published 4 × 4 unrolled 4 times, 16 + 4 · (4 + 4) = 48; patched 2 × 4 once, 8 + (2 + 4) = 14. x64 has
    // 16 vector registers, one of them V8's scratch register.
    const now = patched.matmuls["A·Bᵀ"].maxV128Locals;
    const before = published.matmuls["A·Bᵀ"].maxV128Locals;
    expect({ now, fits: now <= 15 }).toEqual({ now, fits: true });
    expect({ before, fits: before <= 15 }).toEqual({ before, fits: false });
  });

  it("04, 07: the per-head Q·Kᵀ kernel holds at most half the published kernel's vectors", () => {
    const now = patched.matmuls["Q·Kᵀ per head"].maxV128Locals;
    const before = published.matmuls["Q·Kᵀ per head"].maxV128Locals;
    expect({ now, halvedAtLeast: now * 2 <= before }).toEqual({ now, halvedAtLeast: true });
  });

  it("07: rows of a per-head matmul share the right operand's loads, as the rows of an unbatched one do", () => {
    // A 2 × 4 tile whose rows share loads declares 8 accumulators + 4 + 2 loads (19 vectors with the column
    // tail's block; 24 without sharing: 8 + 8 + 2, tail 2 + 2 + 2). The k-vectorised Q·Kᵀ: 2 × 4 with shared
    // loads, 8 + 2 + 4 = 14, like A·Bᵀ (before: one row of 4, 4 + 1 + 4 = 9).
    const same: [string, string][] = [
      ["P·V per head 32 wide", "A·B 32 wide"],
      ["P·V heads layout", "A·B 32 wide"],
      ["Pᵀ·dO per head 32 wide", "Aᵀ·B 32 wide"],
      ["Pᵀ·dO heads layout", "Aᵀ·B 32 wide"],
      ["Q·Kᵀ per head", "A·Bᵀ"],
      ["Q·Kᵀ heads layout", "A·Bᵀ"],
    ];
    for (const [batched, unbatched] of same) {
      const vectors = patched.matmuls[batched].maxV128Locals;
      expect({ batched, vectors }).toEqual({ batched, vectors: patched.matmuls[unbatched].maxV128Locals });
    }
    // At odd T the two rows of a micro-tile can belong to different heads: nothing may be shared there (the
    // digests above check the values bit for bit).
    for (const path of ["P·V per head T 3", "P·V per head T 5", "Pᵀ·dO per head T 3", "Pᵀ·dO per head T 5"]) {
      const vectors = patched.matmuls[path].maxV128Locals;
      expect({ path, unshared: vectors > patched.matmuls["A·B 32 wide"].maxV128Locals }).toEqual({
        path,
        unshared: true,
      });
    }
  });

  it("12: max and min along a contiguous axis run 4 lanes at a time where k is a multiple of 4", () => {
    for (const op of ["max 64×256", "min 64×256", "max 128×(8×16)", "softmax rows of 256"]) {
      expect({ op, simd: patched.reductions[op].maxV128Locals > 0 }).toEqual({ op, simd: true });
    }
    for (const op of ["max 64×256", "min 64×256", "max 128×(8×16)"]) {
      expect({ op, simd: published.reductions[op].maxV128Locals > 0 }).toEqual({ op, simd: false });
    }
    // k = 13: the scalar loop, in both engines; a NaN in a row makes its maximum NaN
    expect(patched.reductions["max 3×(7×13)"].maxV128Locals).toBe(0);
    expect(patched.reductions["max 64×256"].nanCount).toBe(1);
  });

  it("02: exp, erf, erfc, exact GELU and softmax's exponentials run 4 lanes at a time", () => {
    for (const op of ["exp", "erf", "erfc", "gelu", "softmax"]) {
      expect({ op, simd: patched.elementwise[op].v128Function }).toEqual({ op, simd: true });
      expect({ op, simd: published.elementwise[op].v128Function }).toEqual({ op, simd: false });
    }
  });

  it("08: random bits and dropout masks run 4 lanes at a time (Threefry-2x32, shifts, bitcasts)", () => {
    for (const op of Object.keys(published.random)) {
      const now = patched.random[op];
      const before = published.random[op];
      expect({ op, lanes: now.threefryLanes, vectors: now.maxV128Locals > 0 }).toEqual({
        op,
        lanes: true,
        vectors: true,
      });
      expect({ op, lanes: before.threefryLanes, vectors: before.maxV128Locals > 0 }).toEqual({
        op,
        lanes: false,
        vectors: false,
      });
    }
  });

  it("03: the embedding gradient scatters whole rows, without per-element coordinates", () => {
    // The generic scatter computes every update element's output coordinates (3 Math.floor per element here).
    expect(published.scatter.floorCallsPerUpdate).toBeGreaterThanOrEqual(2);
    expect(patched.scatter.floorCallsPerUpdate).toBeLessThan(0.1);
  });

  it("02: stays as exact as before against float64 references", () => {
    const ref = JSON.parse(readFileSync("test/fixtures/engine/transcendentals.json", "utf8")) as Record<
      string,
      (number | null)[]
    >;
    expect(patched.points).toEqual(ref.points);
    // Abramowitz–Stegun 7.1.26 (|error| ≤ 1.5e-7) in float32, as jax-js 0.1.25 computes it.
    const tol = { exp: [0, 3e-7], erf: [3e-7, 0], erfc: [3e-7, 0], gelu: [6e-7, 0], reciprocal: [0, 1e-7] };
    for (const [op, [atol, rtol]] of Object.entries(tol)) {
      const got = patched.elementwise[op].values;
      ref[op].forEach((want, i) => {
        if (want === null) return expect(got[i]).toBeNull(); // 1/0: Infinity, null in JSON
        const err = Math.abs(got[i] - want);
        expect({ op, x: ref.points[i], ok: err <= atol + rtol * Math.abs(want) }).toEqual({
          op,
          x: ref.points[i],
          ok: true,
        });
      });
    }
  });
});

const nodeMajor = Number(process.versions.node.split(".")[0]);

describe("relaxed SIMD", () => {
  it("is on by default (Node 20 through the V8 flag) and the matmul kernels use relaxed_madd", () => {
    const on = child({});
    expect(on.relaxedSimd).toBe("on");
    // (Not the T 1–5 probes: their reductions are too short for the SIMD paths.)
    const simdPaths = Object.entries(on.matmuls).filter(([path]) => !/ T \d$/.test(path));
    expect(simdPaths.every(([, m]) => m.relaxedMadd)).toBe(true);
    // The fused multiply-add rounds once: the matmuls change in the last bits, the outputs stay finite.
    const off = child({ CMPLOSS_RELAXED_SIMD: "0" });
    if (nodeMajor >= 22) {
      // Node 22 ships relaxed SIMD: no flag to set, nor to unset.
      expect(off.relaxedSimd).toBe("on");
    } else {
      expect(off.relaxedSimd).toBe("off");
      expect(Object.values(off.matmuls).some((m) => m.relaxedMadd)).toBe(false);
      expect(on.matmuls["A·B"].digest).not.toBe(off.matmuls["A·B"].digest);
    }
    expect(on.losses.every(Number.isFinite)).toBe(true);
  });
});
