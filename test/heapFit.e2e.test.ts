/**
 * GLUE runs on CPU size themselves to the 4 GiB wasm heap (src/train/heapFit.ts): a batch whose variants do not
 * fit is differentiated in micro-batches, said on the run's first line, and the run trains.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { BERT_PRESETS } from "../src/models/bert/config.js";
import { rowBytes, WASM_HEAP_BYTES } from "../src/train/heapFit.js";
import { RUN_FILES } from "../src/train/runFiles.js";
import { cli } from "./cliProcess.js";

const root = mkdtempSync(join(tmpdir(), "cmploss-heapfit-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("a GLUE run whose batch does not fit the wasm heap", () => {
  it("trains in micro-batches sized for the heap, saying so", () => {
    // 16 sentences of 600 words (512 tokens after truncation), CmpDrop c = 8: 9 variants of 512 tokens each
    const data = join(root, "long");
    const words = ["good", "bad", "film", "plot", "actors", "fine", "dull", "moving"];
    const sentence = (i: number) =>
      Array.from({ length: 600 }, (_, j) => words[(i * 7 + j * 3) % 8]).join(" ");
    const rows = (n: number) =>
      ["sentence\tlabel", ...Array.from({ length: n }, (_, i) => `${sentence(i)}\t${i % 2}`)].join("\n") +
      "\n";
    mkdirSync(data);
    writeFileSync(join(data, "train.tsv"), rows(16));
    writeFileSync(join(data, "dev.tsv"), rows(4));
    const out = join(root, "run");
    const r = cli(
      ...["train", "--data-dir", data, "--output-dir", out, "--device", "wasm"],
      ...["--n-drop", "8", "--batch-size", "16", "--max-seq-length", "512", "--max-steps", "1"],
    );
    expect(r.code, r.stderr).toBe(0);
    // what fits beside the weights: the training rows at 512 tokens (the vocabulary is a handful of words)
    const shape = BERT_PRESETS["bert-L2-H128-A2"];
    const perExample = 9 * rowBytes(shape, 512, "train");
    const fits = Math.floor((0.9 * WASM_HEAP_BYTES) / perExample);
    expect(fits).toBeLessThan(16);
    const micro = Math.ceil(16 / Math.ceil(16 / fits));
    expect(r.stderr).toMatch(new RegExp(`· micro-batches of ${micro} \\(sized for the 4 GiB wasm heap\\)`));
    expect(JSON.parse(readFileSync(join(out, RUN_FILES.metrics), "utf8")).steps).toBe(1);
  });
});
