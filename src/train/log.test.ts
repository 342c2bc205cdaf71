import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { evalProgress, JsonlLog, Progress, StepMeter, type StepRecord } from "./log.js";

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
    const note = vi.spyOn(progress, "note").mockImplementation(() => {});
    return { log, update, note, meter: new StepMeter(log, progress, ["full", "ablated 1"]) };
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

  it("says once, before the first step, which number is the objective and which the variants'", () => {
    const { note, update, meter: m } = meter();
    const outcome = { loss: 0.5, variantLosses: [0.4, 0.6], gradNorm: 2 };
    m.record({ step: 1, epoch: 0, lr: 0 }, outcome, 8, 1);
    m.record({ step: 2, epoch: 0, lr: 0 }, outcome, 8, 1);
    expect(note.mock.calls).toEqual([
      ["progress: loss = objective [full, ablated 1] (mean task loss per variant)"],
    ]);
    expect(note.mock.invocationCallOrder[0]).toBeLessThan(update.mock.invocationCallOrder[0]);
  });
});

describe("JsonlLog", () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  function logWith(text: string) {
    const dir = mkdtempSync(join(tmpdir(), "cmploss-jsonl-"));
    dirs.push(dir);
    const path = join(dir, "train_log.jsonl");
    writeFileSync(path, text);
    return { path, log: new JsonlLog<{ step: number }>(path) };
  }

  it("drops a torn final line (a write cut short) on truncation and says so", () => {
    const { path, log } = logWith('{"step":1}\n{"step":2}\n{"step":3,"lo');
    expect(log.read()).toEqual([{ step: 1 }, { step: 2 }]);
    expect(log.truncateAfter(5)).toEqual({ tornLine: true });
    expect(readFileSync(path, "utf8")).toBe('{"step":1}\n{"step":2}\n');
    expect(log.truncateAfter(1)).toEqual({ tornLine: false });
    expect(readFileSync(path, "utf8")).toBe('{"step":1}\n');
  });

  it("keeps a complete final record without its newline", () => {
    const { log } = logWith('{"step":1}\n{"step":2}');
    expect(log.truncateAfter(5)).toEqual({ tornLine: false });
    expect(log.read()).toEqual([{ step: 1 }, { step: 2 }]);
  });

  it("names the file and line of any other malformed line, changing nothing", () => {
    const text = '{"step":1}\n{"step":2,"lo\n{"step":3}\n';
    const { path, log } = logWith(text);
    expect(() => log.truncateAfter(5)).toThrow(
      `${path}:2: expected a JSON record, got "{\\"step\\":2,\\"lo"`,
    );
    expect(readFileSync(path, "utf8")).toBe(text);
    const { path: p2, log: noStep } = logWith('{"step":1}\n{"loss":2}\n');
    expect(() => noStep.read()).toThrow(`${p2}:2: expected a JSON record with a numeric "step"`);
  });
});

describe("evalProgress", () => {
  afterEach(() => {
    vi.useRealTimers();
    vi.restoreAllMocks();
  });

  /** The plain lines (stderr is not a TTY under vitest) a pass writes, with the clock at `t` seconds per call. */
  function linesOf(calls: [number, number, number][]): string[] {
    vi.useFakeTimers({ toFake: ["performance"] });
    const start = performance.now();
    const write = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    const report = evalProgress("evaluating dev");
    for (const [t, done, total] of calls) {
      vi.advanceTimersByTime(start + t * 1000 - performance.now());
      report(done, total);
    }
    return write.mock.calls.map((c) => String(c[0]));
  }

  it("prints nothing for a pass shorter than 5 s", () => {
    expect(process.stderr.isTTY).toBeFalsy();
    expect(
      linesOf([
        [0, 0, 100],
        [2, 50, 100],
        [4, 100, 100],
      ]),
    ).toEqual([]);
  });

  it("prints a line every 5 s once the pass has taken 5 s, and its end", () => {
    const lines = linesOf([
      [0, 0, 100],
      [3, 20, 100],
      [6, 40, 100],
      [8, 60, 100],
      [12, 80, 100],
      [13, 100, 100],
    ]);
    expect(
      lines.map((l) => l.match(/ (\d+\/100) evaluating dev elapsed (\S+) eta (\S+)\n$/)?.slice(1)),
    ).toEqual([
      ["40/100", "00:06", "00:09"],
      ["80/100", "00:12", "00:03"],
      ["100/100", "00:13", "00:00"],
    ]);
  });
});
