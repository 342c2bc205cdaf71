import { describe, expect, it } from "vitest";
import { BERT_PRESETS } from "../models/bert/config.js";
import { fitEvalBatch, fitTrainingBatches, rowBytes, WASM_HEAP_BYTES } from "./heapFit.js";

const MINILM = BERT_PRESETS["minilm-L6-H384-A12"];
const MINILM_PARAMS = 22_700_000; // about all-MiniLM-L6-v2 with its span head
const MB = 2 ** 20;

describe("wasm heap sizing", () => {
  it("reproduces the measured MiniLM rows (wasm heap after one program, fresh process)", () => {
    // measured: training 675 and 607 MB per extra row at T 384 (batch, variants), 141 MB at T 128;
    // forward-only 237 MB per row at T 384, 52 MB at T 128; with dropout forced on 285 and 59 MB
    expect(rowBytes(MINILM, 384, "train") / MB).toBeGreaterThan(600);
    expect(rowBytes(MINILM, 384, "train") / MB).toBeLessThan(680);
    expect(rowBytes(MINILM, 128, "train") / MB).toBeCloseTo(141, -1);
    expect(rowBytes(MINILM, 384, "forward") / MB).toBeCloseTo(237, -1);
    expect(rowBytes(MINILM, 128, "forward") / MB).toBeCloseTo(52, -1);
    expect(rowBytes(MINILM, 384, "dropout") / MB).toBeCloseTo(285, -1);
    expect(rowBytes(MINILM, 128, "dropout") / MB).toBeCloseTo(59, -1);
  });

  it("sizes the documented QA run (MiniLM, T 384, CmpCrop + CmpDrop: 3 variants, batch 16, eval 32)", () => {
    const fit = fitTrainingBatches({
      model: MINILM,
      paramCount: MINILM_PARAMS,
      seqLen: 384,
      rows: 3,
      batchSize: 16,
      examples: 7201,
      microBatchSize: null,
      evalBatchSize: 32,
    });
    expect(fit.microBatchSize).toBe(1);
    expect(fit.evalBatchSize).toBe(3);
    const peak =
      12 * 4 * MINILM_PARAMS + 3 * rowBytes(MINILM, 384, "train") + 3 * rowBytes(MINILM, 384, "forward");
    expect(peak).toBeLessThan(WASM_HEAP_BYTES);
    expect(fit.notes).toEqual([
      "micro-batches of 1 (sized for the 4 GiB wasm heap)",
      "evaluation batches of 3 (sized for the 4 GiB wasm heap)",
    ]);
  });

  it("keeps a micro-batch the user chose, picks equal micro-batches, and leaves what fits alone", () => {
    const base = { model: MINILM, paramCount: MINILM_PARAMS, rows: 3, evalBatchSize: 32 };
    const hotpot = fitTrainingBatches({
      ...base,
      seqLen: 256,
      batchSize: 4,
      examples: 8,
      microBatchSize: null,
    });
    expect(hotpot.microBatchSize).toBe(2); // 4 at 256 tokens does not fit; 2 divides the batch
    // HotpotQA's 90 447 questions end each epoch with a batch of 3: micro-batches of 1 keep one shape
    const official = fitTrainingBatches({
      ...base,
      seqLen: 256,
      batchSize: 4,
      examples: 90447,
      microBatchSize: null,
    });
    expect(official.microBatchSize).toBe(1);
    const chosen = fitTrainingBatches({ ...base, seqLen: 256, batchSize: 4, examples: 8, microBatchSize: 1 });
    expect(chosen.microBatchSize).toBe(1);
    expect(chosen.evalBatchSize).toBeGreaterThan(hotpot.evalBatchSize); // room left by the smaller program
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

  it("stops before training when one example cannot fit, saying what to change", () => {
    expect(() =>
      fitTrainingBatches({
        model: MINILM,
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
    const scoring = { model: MINILM, paramCount: MINILM_PARAMS, seqLen: 384, batchSize: 32 };
    const plain = fitEvalBatch({ ...scoring, dropout: false });
    const dropout = fitEvalBatch({ ...scoring, dropout: true });
    expect(dropout).toBe(
      Math.floor((0.9 * WASM_HEAP_BYTES - 20 * MINILM_PARAMS) / rowBytes(MINILM, 384, "dropout")),
    );
    expect(dropout).toBeLessThan(plain);
    // measured: 14 windows at power 2 ran out of the heap (4094 MB) in `cmploss eval --force-dropout 0,2`
    expect(dropout).toBeLessThan(14);
    expect(plain).toBeLessThan(32);
    expect(fitEvalBatch({ ...scoring, seqLen: 64, batchSize: 8, dropout: true })).toBe(8);
  });
});
