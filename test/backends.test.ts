import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";

// Each device needs its own process: jax-js keeps one default backend per process.
function runStepChild(
  device: "wasm" | "webgpu" | "auto",
  threads = 1,
  env: Record<string, string> = {},
): {
  losses?: number[][];
  logits?: number[];
  unavailable?: string;
  threads?: number;
  device?: string;
  reason?: string;
  submits?: { requested: number; flushed: number; commandBuffers: number };
} {
  const r = spawnSync(process.execPath, ["--import", "tsx", "test/stepChild.ts", device], {
    encoding: "utf8",
    timeout: 240_000,
    env: { ...process.env, CMPLOSS_THREADS: String(threads), ...env },
  });
  const line = r.stdout.trim().split("\n").at(-1) ?? "";
  if (r.status !== 0 || !line.startsWith("{")) {
    // No webgpu package / no adapter is reported as unavailable by the child; anything else is a failure.
    throw new Error(`stepChild ${device} exited ${r.status}: ${r.stderr.slice(-500)}`);
  }
  return JSON.parse(line);
}

const gpu = runStepChild("webgpu");

describe("WebGPU backend (Dawn through the webgpu package; Mesa's software Vulkan on CPU-only machines)", () => {
  it.skipIf(gpu.unavailable !== undefined)(
    `gives the wasm backend's losses for a jitted CmpDrop step${gpu.unavailable ? ` — skipped: ${gpu.unavailable}` : ""}`,
    () => {
      const cpu = runStepChild("wasm");
      expect(gpu.losses).toHaveLength(2);
      expect(gpu.losses).toBeAllclose(cpu.losses, { atol: 1e-4, rtol: 1e-4 });
      expect(gpu.logits).toHaveLength(4);
      expect(gpu.logits).toBeAllclose(cpu.logits, { atol: 1e-4, rtol: 1e-4 });
    },
  );

  it.skipIf(gpu.unavailable !== undefined)(
    "coalesces kernel submissions without changing a single bit of the losses",
    () => {
      const plain = runStepChild("webgpu", 1, { CMPLOSS_WEBGPU_COALESCE: "0" });
      expect(gpu.losses).toEqual(plain.losses);
      expect(plain.submits).toBeUndefined();
      // Hundreds of kernels per step reach the queue in a handful of submissions.
      expect(gpu.submits!.requested).toBeGreaterThan(100);
      expect(gpu.submits!.flushed * 10).toBeLessThan(gpu.submits!.requested);
      expect(gpu.submits!.commandBuffers * 10).toBeLessThan(gpu.submits!.requested);
    },
  );

  it("device auto takes wasm unless a hardware GPU adapter is there, and says why", () => {
    const auto = runStepChild("auto");
    if (auto.device === "webgpu") {
      expect(auto.reason).not.toMatch(/software|llvmpipe|swiftshader/i); // a real GPU: nothing more to check
      return;
    }
    expect(auto.device).toBe("wasm");
    expect(auto.reason).toMatch(/no GPU device|software adapter|no WebGPU adapter|not installed/);
    expect(auto.losses).toBeAllclose(runStepChild("wasm").losses!, { atol: 0, rtol: 0 });
  });

  it("reports a missing adapter or package as one line", () => {
    if (gpu.unavailable) expect(gpu.unavailable).toMatch(/^initRuntime: (--device webgpu|.*webgpu)/);
    else expect(gpu.losses?.[0]).toHaveLength(4);
  });
});

describe("wasm worker threads (Node worker_threads behind jax-js's Web Worker pool)", () => {
  it("start with CMPLOSS_THREADS=2 and give the single-threaded losses", () => {
    const one = runStepChild("wasm", 1);
    const two = runStepChild("wasm", 2);
    expect(one.threads).toBe(1);
    expect(two.threads).toBe(2);
    expect(two.losses).toBeAllclose(one.losses, { atol: 1e-6, rtol: 1e-6 });
  });
});
