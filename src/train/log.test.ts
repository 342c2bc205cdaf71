import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { JsonlLog, Progress, StepMeter, type StepRecord } from "./log.js";

describe("StepMeter", () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
    vi.restoreAllMocks();
  });

  function meter() {
    const dir = mkdtempSync(join(tmpdir(), "cmploss-meter-"));
    dirs.push(dir);
    const log = new JsonlLog<StepRecord>(join(dir, "train_log.jsonl"));
    const progress = new Progress(10, 0);
    const update = vi.spyOn(progress, "update").mockImplementation(() => {});
    return { log, update, meter: new StepMeter(log, progress) };
  }

  it("logs each step with its own rate and reports the run's rate over all steps", () => {
    const { log, update, meter: m } = meter();
    m.record({ step: 1, epoch: 0, lr: 1e-4 }, { loss: 0.5, variantLosses: [0.4, 0.6], gradNorm: 2 }, 8, 4);
    m.record({ step: 2, epoch: 0, lr: 2e-4 }, { loss: 0.25, variantLosses: [0.2, 0.3], gradNorm: 1 }, 8, 1);
    expect(log.read()).toEqual([
      { step: 1, epoch: 0, lr: 1e-4, loss: 0.5, variant_losses: [0.4, 0.6], grad_norm: 2, examples_per_s: 2 },
      {
        step: 2,
        epoch: 0,
        lr: 2e-4,
        loss: 0.25,
        variant_losses: [0.2, 0.3],
        grad_norm: 1,
        examples_per_s: 8,
      },
    ]);
    expect(m.examplesPerSecond).toBeCloseTo(16 / 5);
    expect(update).toHaveBeenLastCalledWith(2, "loss 0.2500 [0.200 0.300] 3.2 ex/s");
  });

  it("shows whole examples/s from 10 up", () => {
    const { update, meter: m } = meter();
    m.record({ step: 1, epoch: 0, lr: 0 }, { loss: 1, variantLosses: [1], gradNorm: 0 }, 32, 0.25);
    expect(update).toHaveBeenLastCalledWith(1, "loss 1.0000 [1.000] 128 ex/s");
  });

  it("has no rate before any step", () => {
    expect(meter().meter.examplesPerSecond).toBe(0);
  });
});
