/**
 * A QA run's `hf-model/` export is what transformers' AutoModelForQuestionAnswering loads with the same start and
 * end logits. The fixture test/fixtures/hf/qa-export.json holds transformers' logits for the export of the
 * committed run test/fixtures/hf/qa-run/ (regenerate: `npx tsx scripts/qa-export-fixture.ts`, see
 * dev/python/hf/README.md); here the same run is exported again and must give those logits (≤ 1e-4) and the
 * same token ids.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { numpy as np, random, tree } from "@jax-js/jax";
import { loadHfSpanExtractor } from "../src/models/hf/load.js";
import { applySpanExtractor } from "../src/models/spanExtractor.js";
import { HfTokenizer } from "../src/tasks/hfTokenizer.js";
import { exportHfQaModel } from "../src/train/export.js";

interface Fixture {
  model_class: string;
  max_length: number;
  inputs: { question: string; context: string }[];
  input_ids: number[][];
  attention_mask: number[][];
  token_type_ids: number[][];
  start_logits: number[][];
  end_logits: number[][];
}

const fixture = JSON.parse(readFileSync("test/fixtures/hf/qa-export.json", "utf8")) as Fixture;
const root = mkdtempSync(join(tmpdir(), "cmploss-qa-export-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function maxAbs(a: ArrayLike<number>, b: number[]): number {
  let m = 0;
  for (let i = 0; i < b.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe("QA Hugging Face export (transformers' AutoModelForQuestionAnswering fixture)", () => {
  it("exports a <Family>ForQuestionAnswering folder whose logits match transformers' within 1e-4", async () => {
    const dir = await exportHfQaModel("test/fixtures/hf/qa-run", join(root, "hf-model"));
    const config = JSON.parse(readFileSync(join(dir, "config.json"), "utf8")) as Record<string, unknown>;
    expect(config.architectures).toEqual([fixture.model_class]);
    expect(config.num_labels).toBe(2);

    // The exported tokenizer gives transformers' ids for the same (question, context) pairs.
    const tok = await HfTokenizer.fromFolder(dir);
    fixture.inputs.forEach((q, b) => {
      const enc = tok.encode(q.question, q.context, { maxLength: fixture.max_length });
      const real = fixture.attention_mask[b].reduce((n, m) => n + m, 0);
      expect(Array.from(enc.input_ids)).toEqual(fixture.input_ids[b].slice(0, real));
    });

    const loaded = loadHfSpanExtractor(dir, random.key(0));
    expect(loaded.newlyInitialized).toEqual([]);
    const [B, T] = [fixture.input_ids.length, fixture.input_ids[0].length];
    const arr = (rows: number[][]) =>
      np.array(Int32Array.from(rows.flat()), { dtype: np.int32 }).reshape([B, T]);
    const out = applySpanExtractor(
      loaded.params,
      {
        input_ids: arr(fixture.input_ids),
        attention_mask: arr(fixture.attention_mask),
        token_type_ids: arr(fixture.token_type_ids),
      },
      loaded.config,
      { powers: [0], key: null, forwardOnly: true },
    );
    const [start, end] = await Promise.all([out.start_logits.data(), out.end_logits.data()]);
    tree.dispose(loaded.params);
    // Only real tokens: transformers leaves padded positions' logits as computed, and so does cmploss, but a
    // mask-dependent kernel may round them differently; the answer decoder never reads them.
    const real = (xs: ArrayLike<number>) =>
      Array.from(xs).filter((_, i) => fixture.attention_mask[Math.floor(i / T)][i % T] === 1);
    const want = (rows: number[][]) => real(rows.flat());
    expect(maxAbs(real(start), want(fixture.start_logits))).toBeLessThanOrEqual(1e-4);
    expect(maxAbs(real(end), want(fixture.end_logits))).toBeLessThanOrEqual(1e-4);
    // and they are not trivially equal: the head was trained (the run's qa_outputs are not HF's init)
    expect(new Set(want(fixture.start_logits).map((x) => x.toFixed(3))).size).toBeGreaterThan(10);
  });
});
