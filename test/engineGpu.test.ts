import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";

/**
 * The WebGPU engine patches, on the software Vulkan adapter where there is no GPU (skipped without an adapter):
 *   20 webgpu-pool-trim: `releaseIdleDeviceMemory` destroys the pooled buffers a step did not use, so the GPU
 *      memory a process holds follows what its steps use, not every shape it ever ran;
 *   21 webgpu-bind-group-cache: a compiled program's kernels reuse their bind groups (and executables) across
 *      runs instead of making one per kernel per run.
 * Each is checked against an engine without it (copies made by scripts/apply-patches.mjs, loaded through
 * bench/engineHook.mjs) in the same run, and every engine must give bit-identical losses.
 */
interface StepCounts {
  kernels: number;
  bindGroups: number;
  deviceBytes: number;
  poolBytes: number | null;
  trimmed: number;
}
interface ChildResult {
  unavailable?: string;
  losses: number[][];
  steps: StepCounts[];
  hasPool: boolean;
}

// Steps 1–4 repeat step 0's shapes (by steps 3–4 the bind groups of every run are found again); step 5 pads to
// another length, whose buffers steps 6–7 leave idle in the pool.
const LENGTHS = "8,8,8,8,8,16,8,8";
const tmp = mkdtempSync(path.join(os.tmpdir(), "cmploss-engine-gpu-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** An engine without the given patches (all others applied), for the A/B. */
function engineWithout(patches: string): string {
  const dir = path.join(tmp, `without-${patches.replace(/,/g, "-")}`);
  const r = spawnSync(
    process.execPath,
    ["scripts/apply-patches.mjs", "--pristine-copy", dir, "--only", patches, "--quiet"],
    {
      encoding: "utf8",
    },
  );
  if (r.status !== 0) throw new Error(r.stderr);
  return dir;
}

function runChild(env: Record<string, string> = {}, jaxDir?: string): ChildResult {
  const hook = jaxDir ? ["--import", "./bench/engineHook.mjs"] : [];
  const r = spawnSync(process.execPath, [...hook, "--import", "tsx", "test/engineGpuChild.ts", LENGTHS], {
    encoding: "utf8",
    timeout: 300_000,
    env: { ...process.env, ...env, ...(jaxDir ? { CMPLOSS_JAX_DIR: jaxDir } : {}) },
  });
  const line = r.stdout.trim().split("\n").at(-1) ?? "";
  if (r.status !== 0 || !line.startsWith("{")) {
    throw new Error(`engineGpuChild exited ${r.status}: ${r.stderr.slice(-500)}`);
  }
  return JSON.parse(line) as ChildResult;
}

const installed = runChild();
const skip = installed.unavailable !== undefined;
const why = skip ? ` — skipped: ${installed.unavailable}` : "";

describe("WebGPU engine patches on the software adapter", () => {
  it.skipIf(skip)(`20: trimming the buffer pool gives idle buffers back, bit-identically${why}`, () => {
    const kept = runChild({ CMPLOSS_WEBGPU_POOL_TRIM: "0" });
    const unpatched = runChild({}, engineWithout("20,21"));
    expect(installed.losses).toEqual(kept.losses);
    expect(installed.losses).toEqual(unpatched.losses);
    expect(installed.hasPool).toBe(true);
    expect(unpatched.hasPool).toBe(false);
    expect(unpatched.steps.every((s) => s.trimmed === 0 && s.poolBytes === null)).toBe(true);
    expect(kept.steps.every((s) => s.trimmed === 0)).toBe(true);
    const last = installed.steps.at(-1)!;
    const lastKept = kept.steps.at(-1)!;
    // The T = 16 step's buffers sat idle through the next step and were destroyed: the pool is back to what
    // the T = 8 steps use, and the process holds less GPU memory than with the pool kept as jax-js keeps it.
    const t16 = installed.steps[5];
    expect(installed.steps[6].trimmed).toBeGreaterThan(0);
    expect(last.poolBytes!).toBe(installed.steps[4].poolBytes!);
    expect(last.poolBytes!).toBeLessThan(t16.poolBytes!);
    expect(last.poolBytes!).toBeLessThan(lastKept.poolBytes!);
    expect(last.deviceBytes).toBeLessThan(lastKept.deviceBytes);
  });

  it.skipIf(skip)(`21: a compiled step reuses its bind groups, bit-identically${why}`, () => {
    const without = runChild({}, engineWithout("21"));
    expect(installed.losses).toEqual(without.losses);
    // Steady steps dispatch the same kernels; without the cache every kernel makes its bind group.
    for (const i of [3, 4]) {
      expect(installed.steps[i].kernels).toBe(without.steps[i].kernels);
      expect(without.steps[i].bindGroups).toBeGreaterThanOrEqual(without.steps[i].kernels);
      expect(installed.steps[i].bindGroups * 4).toBeLessThan(installed.steps[i].kernels);
    }
  });
});
