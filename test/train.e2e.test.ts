import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { TRAIN_DEFAULTS, type TrainConfig } from "../src/train/config.js";
import { train } from "../src/train/loop.js";
import { RUN_FILES } from "../src/train/runFiles.js";
import { evaluateRun } from "../src/train/evaluateRun.js";
import { loadTensorMetadata, loadTensors, saveTensors } from "../src/train/checkpoint.js";
import { checkpointWallSeconds } from "../src/train/state.js";
import { TrainingStopped } from "../src/train/stop.js";
import {
  DeviceError,
  resetDeviceErrorsForTests,
  watchDeviceErrors,
  type WatchedDevice,
} from "../src/runtime/deviceErrors.js";

const root = mkdtempSync(join(tmpdir(), "cmploss-e2e-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function config(name: string, over: Partial<TrainConfig> = {}): TrainConfig {
  return {
    ...TRAIN_DEFAULTS,
    dataDir: "test/fixtures/sst2-tiny",
    outputDir: join(root, name),
    maxSteps: 8,
    batchSize: 8,
    evalSteps: 4,
    maxSeqLength: 32,
    nDrop: 2,
    ...over,
  };
}

function stepLosses(dir: string): number[][] {
  return readFileSync(join(dir, RUN_FILES.steps), "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as { loss: number; variant_losses: number[] })
    .map((r) => [r.loss, ...r.variant_losses]);
}

describe("train (end to end on 96 SST-2 rows)", () => {
  it("writes every output and logs one record per step", async () => {
    const cfg = config("full");
    const summary = await train(cfg, { quiet: true });
    for (const f of Object.values(RUN_FILES)) expect(existsSync(join(cfg.outputDir, f)), f).toBe(true);
    const log = readFileSync(join(cfg.outputDir, RUN_FILES.steps), "utf8").trim().split("\n");
    expect(log).toHaveLength(8);
    const rec = JSON.parse(log[7]);
    expect(Object.keys(rec)).toEqual(
      expect.arrayContaining(["step", "lr", "loss", "variant_losses", "examples_per_s", "grad_norm"]),
    );
    expect(rec.variant_losses).toHaveLength(3);
    expect(summary.final.step).toBe(8);
    const metrics = JSON.parse(readFileSync(join(cfg.outputDir, RUN_FILES.metrics), "utf8"));
    expect(metrics.metric).toBe("accuracy");
    expect(metrics.best.value).toBeGreaterThanOrEqual(0);
    expect(readFileSync(join(cfg.outputDir, RUN_FILES.curves), "utf8")).toMatch(/^<svg/);
  });

  it("repeats the same losses for the same seed, and others for another seed", async () => {
    await train(config("again"), { quiet: true });
    expect(stepLosses(join(root, "again"))).toEqual(stepLosses(join(root, "full")));
    await train(config("seed7", { seed: 7 }), { quiet: true });
    expect(stepLosses(join(root, "seed7"))).not.toEqual(stepLosses(join(root, "full")));
  });

  it("stops at a GPU error before logging or saving anything computed after it", async () => {
    // WebGPU reports out-of-memory as an event and jax-js computes on; the run must not carry on silently.
    const gpu = new EventTarget() as EventTarget & WatchedDevice;
    watchDeviceErrors(gpu);
    gpu.dispatchEvent(
      Object.assign(new Event("uncapturederror"), {
        error: { message: "vkAllocateMemory failed with VK_ERROR_OUT_OF_DEVICE_MEMORY" },
      }),
    );
    const cfg = config("gpu-error");
    try {
      await expect(train(cfg, { quiet: true })).rejects.toThrow(DeviceError);
      await expect(train(cfg, { quiet: true })).rejects.toThrow(/^train: step 1: the GPU reported an error/);
    } finally {
      resetDeviceErrorsForTests();
    }
    for (const f of [RUN_FILES.steps, RUN_FILES.metrics, RUN_FILES.best])
      expect(existsSync(join(cfg.outputDir, f)), f).toBe(false);
  });

  it("resumes an interrupted run on the same curve", async () => {
    const cfg = config("resumed");
    await train(cfg, { quiet: true, stopAfter: 3 });
    expect(stepLosses(cfg.outputDir)).toHaveLength(3);
    // The checkpoint carries the wall time so far; pretend the first part took 1000 s.
    const last = join(cfg.outputDir, RUN_FILES.last);
    const { tensors, metadata } = loadTensors(last);
    expect(Number(metadata.wall_s)).toBeGreaterThan(0);
    saveTensors(last, tensors, { ...metadata, wall_s: 1000 });
    expect(checkpointWallSeconds(last)).toBe(1000); // from the header alone (what experiment --time-limit reads)
    const started = performance.now();
    const summary = await train({ ...cfg, resume: true }, { quiet: true });
    expect(stepLosses(cfg.outputDir)).toEqual(stepLosses(join(root, "full")));
    // the whole run's wall time: the first part's plus this call's
    expect(summary.wall_s).toBeGreaterThan(1000);
    expect(summary.wall_s).toBeLessThanOrEqual(1000 + (performance.now() - started) / 1000);
  });

  it("stops at its signal after the step in flight, saved there, and resumes on the same curve", async () => {
    const cfg = config("signalled");
    const stop = new AbortController();
    stop.abort();
    const stopped = train(cfg, { quiet: true, signal: stop.signal });
    await expect(stopped).rejects.toThrow(TrainingStopped);
    await expect(stopped).rejects.toThrow(/^stopped at step 1 of 8; checkpoint in .*checkpoint-last/);
    expect(stepLosses(cfg.outputDir)).toHaveLength(1);
    expect(existsSync(join(cfg.outputDir, RUN_FILES.metrics))).toBe(false);
    expect(loadTensorMetadata(join(cfg.outputDir, RUN_FILES.last)).step).toBe("1");
    await train({ ...cfg, resume: true }, { quiet: true, signal: new AbortController().signal });
    expect(stepLosses(cfg.outputDir)).toEqual(stepLosses(join(root, "full")));
  });

  it("refuses to resume with different settings", async () => {
    await expect(train({ ...config("resumed"), lr: 0.5, resume: true }, { quiet: true })).rejects.toThrow(
      /different settings \(lr: 0.001 → 0.5\)/,
    );
  });

  it("evaluates the saved run, with dropout forced on", async () => {
    const dir = join(root, "full");
    const common = { outputDir: dir, dataDir: null, split: "dev" as const, seed: 0, batchSize: 16 };
    const full = await evaluateRun({ ...common, checkpoint: "best", forceDropout: 0 });
    const metrics = JSON.parse(readFileSync(join(dir, RUN_FILES.metrics), "utf8"));
    expect(full.value).toBeCloseTo(metrics.best.value, 6);
    expect(full.count).toBe(48);
    const dropped = await evaluateRun({ ...common, checkpoint: "last", forceDropout: 8 });
    expect(dropped.rate).toBeCloseTo(1 - 0.9 ** 8, 6);
    expect(dropped.loss).not.toBeCloseTo(full.loss, 6);
  });
});

describe("loadTensorMetadata", () => {
  it("reads a checkpoint's metadata from its header, and names a file that is not one", () => {
    const path = join(root, "meta.safetensors");
    const w = { dtype: "F32" as const, shape: [2], bytes: new Uint8Array(8) };
    saveTensors(path, new Map([["w", w]]), { step: 7, wall_s: 12.5 });
    expect(loadTensorMetadata(path)).toEqual({ step: "7", wall_s: "12.5" });
    writeFileSync(path, new Uint8Array([1, 0, 0]));
    expect(() => loadTensorMetadata(path)).toThrow(`${path}: expected a safetensors file, got 3 bytes`);
    const header = new Uint8Array(18);
    new DataView(header.buffer).setBigUint64(0, 100n, true);
    writeFileSync(path, header);
    expect(() => loadTensorMetadata(path)).toThrow(/expected a safetensors header of 100 bytes, file has 10/);
    expect(() => loadTensorMetadata(join(root, "none"))).toThrow(/none: expected a checkpoint file/);
  });
});
