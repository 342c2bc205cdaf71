import { describe, expect, it } from "vitest";
import { BERT_PRESETS } from "../models/bert/config.js";
import { fitEvalBatch, fitTrainingBatches, rowBytes, WASM_HEAP_BYTES } from "./heapFit.js";

const MINILM = BERT_PRESETS["minilm-L6-H384-A12"];
const MINILM_PARAMS = 22_700_000; // about all-MiniLM-L6-v2 with its span head
const MB = 2 ** 20;

describe("wasm heap sizing", () => {
  it("reproduces the measured MiniLM rows (wasm heap after one program, fresh process, engine patch 10)", () => {
    // measured: training 344 and 334 MB per extra row at T 384 (batch, variants), 50.5 MB at T 128 (136 MB at
    // T 256: the model errs on the safe side there); forward-only 21 MB per row at T 384, 4.6 MB at T 128; with
    // dropout forced on 27.8 and 5.4 MB
    expect(rowBytes(MINILM, 384, "train") / MB).toBeGreaterThan(330);
    expect(rowBytes(MINILM, 384, "train") / MB).toBeLessThan(350);
    expect(rowBytes(MINILM, 128, "train") / MB).toBeCloseTo(50.5, 0);
    expect(rowBytes(MINILM, 256, "train") / MB).toBeGreaterThan(136);
    expect(rowBytes(MINILM, 384, "forward") / MB).toBeCloseTo(21, 0);
    expect(rowBytes(MINILM, 128, "forward") / MB).toBeCloseTo(4.6, 0);
    expect(rowBytes(MINILM, 384, "dropout") / MB).toBeCloseTo(27.8, 0);
    expect(rowBytes(MINILM, 128, "dropout") / MB).toBeCloseTo(5.4, 0);
  });

  it("counts a training row per layer and a forward row once (a forward pass keeps one layer live)", () => {
    const deeper = { ...MINILM, num_hidden_layers: 2 * MINILM.num_hidden_layers };
    expect(rowBytes(deeper, 128, "train")).toBeCloseTo(2 * rowBytes(MINILM, 128, "train"), 0);
    expect(rowBytes(deeper, 128, "forward")).toBe(rowBytes(MINILM, 128, "forward"));
  });

  it("sizes the documented QA run (MiniLM, T 384, CmpCrop + CmpDrop: 3 variants, batch 16, eval 32)", () => {
    const fit = fitTrainingBatches({
      modelConfig: MINILM,
      paramCount: MINILM_PARAMS,
      seqLen: 384,
      rows: 3,
      batchSize: 16,
      examples: 7201,
      microBatchSize: null,
      evalBatchSize: 32,
    });
    // 2 examples fit, but the epoch's last batch holds 1 (7201 = 450 × 16 + 1): one shape, so micro-batches of 1
    expect(fit.microBatchSize).toBe(1);
    expect(fit.evalBatchSize).toBe(32);
    const peak =
      10 * 4 * MINILM_PARAMS + 3 * rowBytes(MINILM, 384, "train") + 32 * rowBytes(MINILM, 384, "forward");
    expect(peak).toBeLessThan(WASM_HEAP_BYTES);
    expect(fit.notes).toEqual(["micro-batches of 1 (sized for the 4 GiB wasm heap)"]);
    const even = fitTrainingBatches({
      modelConfig: MINILM,
      paramCount: MINILM_PARAMS,
      seqLen: 384,
      rows: 3,
      batchSize: 16,
      examples: 32,
      microBatchSize: null,
      evalBatchSize: 512,
    });
    expect(even.microBatchSize).toBe(2);
    expect(even.evalBatchSize).toBeLessThan(512);
  });

  it("keeps a micro-batch the user chose, picks equal micro-batches, and leaves what fits alone", () => {
    const base = { modelConfig: MINILM, paramCount: MINILM_PARAMS, rows: 3, evalBatchSize: 32 };
    const hotpot = fitTrainingBatches({
      ...base,
      seqLen: 256,
      batchSize: 4,
      examples: 8,
      microBatchSize: null,
    });
    // measured with the CLI: batch 4 at 256 tokens, c = 2, trains and evaluates whole in 3.3 GB of RSS
    expect(hotpot).toEqual({ microBatchSize: null, evalBatchSize: 32, notes: [] });
    const official = fitTrainingBatches({
      ...base,
      seqLen: 256,
      batchSize: 4,
      examples: 90447,
      microBatchSize: null,
    });
    expect(official.microBatchSize).toBeNull();
    const wide = { ...base, seqLen: 256, batchSize: 4, examples: 8, evalBatchSize: 512 };
    const whole = fitTrainingBatches({ ...wide, microBatchSize: null });
    const chosen = fitTrainingBatches({ ...wide, microBatchSize: 1 });
    expect(chosen.microBatchSize).toBe(1);
    expect(whole.evalBatchSize).toBeLessThan(512);
    expect(chosen.evalBatchSize).toBeGreaterThan(whole.evalBatchSize); // room left by the smaller program
    const small = fitTrainingBatches({
      ...base,
      seqLen: 64,
      batchSize: 4,
      examples: 9,
      microBatchSize: null,
      evalBatchSize: 8,
    });
    expect(small).toEqual({ microBatchSize: null, evalBatchSize: 8, notes: [] });
  });

  it("splits GLUE batches (padded lengths) into the fewest micro-batches that fit, the last batch like any other", () => {
    // the paper's GLUE setting on MiniLM: CmpDrop c = 4 (5 variants), batch 32, RTE's 2 490 pairs at up to 128
    const rte = {
      modelConfig: MINILM,
      paramCount: MINILM_PARAMS,
      seqLen: 128,
      rows: 5,
      batchSize: 32,
      examples: 2490,
      microBatchSize: null,
      evalBatchSize: 128,
    };
    const fits = Math.floor(
      (0.9 * WASM_HEAP_BYTES - 40 * MINILM_PARAMS - rowBytes(MINILM, 128, "forward")) /
        (5 * rowBytes(MINILM, 128, "train")),
    );
    expect(fits).toBe(11);
    const any = fitTrainingBatches({ ...rte, tail: "any" });
    expect(any.microBatchSize).toBe(11); // 11 + 11 + 10
    expect(any.notes[0]).toBe("micro-batches of 11 (sized for the 4 GiB wasm heap)");
    // evaluation gets what is left beside 11 examples' 5 variants
    expect(any.evalBatchSize).toBe(
      Math.floor(
        (0.9 * WASM_HEAP_BYTES - 40 * MINILM_PARAMS - 55 * rowBytes(MINILM, 128, "train")) /
          rowBytes(MINILM, 128, "forward"),
      ),
    );
    // one shape for every micro-batch would need a divisor of 32 and of the last batch's 26: 2
    expect(fitTrainingBatches({ ...rte, tail: "equal" }).microBatchSize).toBe(2);
    expect(fitTrainingBatches({ ...rte, rows: 2, tail: "any" }).microBatchSize).toBe(16); // R-Drop: 29 fit, 16 + 16
    expect(fitTrainingBatches({ ...rte, rows: 1, tail: "any" }).microBatchSize).toBeNull(); // all 32 fit
  });

  it("stops before training when one example cannot fit, saying what to change", () => {
    expect(() =>
      fitTrainingBatches({
        modelConfig: MINILM,
        paramCount: MINILM_PARAMS,
        seqLen: 512,
        rows: 7,
        batchSize: 16,
        examples: 100,
        microBatchSize: null,
        evalBatchSize: 32,
      }),
    ).toThrow(
      /^out of memory ahead: one example's 7 model variant\(s\) at 512 tokens need about \d+\.\d GB of jax-js's 4 GiB wasm heap .*--max-seq-length/,
    );
  });

  it("sizes a checkpoint's scoring by the forward pass alone, smaller when dropout is forced on", () => {
    const scoring = { modelConfig: MINILM, paramCount: MINILM_PARAMS, seqLen: 384, batchSize: 512 };
    const plain = fitEvalBatch({ ...scoring, dropout: false });
    const dropout = fitEvalBatch({ ...scoring, dropout: true });
    expect(dropout).toBe(
      Math.floor((0.9 * WASM_HEAP_BYTES - 20 * MINILM_PARAMS) / rowBytes(MINILM, 384, "dropout")),
    );
    expect(dropout).toBeLessThan(plain);
    expect(plain).toBeLessThan(512);
    // `cmploss eval --force-dropout 0,2` of the README run (14 windows) ran out of the unpatched heap; with
    // patch 10 its batches of 32 fit as asked
    expect(fitEvalBatch({ ...scoring, batchSize: 32, dropout: true })).toBe(32);
    expect(fitEvalBatch({ ...scoring, seqLen: 64, batchSize: 8, dropout: true })).toBe(8);
  });
});
