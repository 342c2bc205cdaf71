import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { numpy as np, random, tree } from "@jax-js/jax";
import { applyBert } from "../src/models/bert/apply.js";
import { applySequenceClassifier, encoderOf } from "../src/models/classifier.js";
import { loadHfClassifier } from "../src/models/hf/load.js";
import { HfTokenizer } from "../src/tasks/hfTokenizer.js";

// Fixtures: tiny random-weight models saved by transformers' save_pretrained and their eval-mode outputs on
// four padded inputs (dev/python/hf/make_fixtures.py, torch 2.13.0).
interface Expected {
  inputs: { text: string; text_pair?: string | null }[];
  input_ids: number[][];
  /** Absent for RoBERTa, whose tokenizer returns none (all zeros). */
  token_type_ids?: number[][];
  attention_mask: number[][];
  last_hidden_state: number[][][];
  pooler_output?: number[][];
  logits: number[][];
}

const FIXTURES = "test/fixtures/hf";

function maxAbs(a: ArrayLike<number>, b: number[]): number {
  let m = 0;
  for (let i = 0; i < b.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

function deviceBatch(e: Expected) {
  const B = e.input_ids.length;
  const T = e.input_ids[0].length;
  const arr = (rows: number[][]) =>
    np.array(Int32Array.from(rows.flat()), { dtype: np.int32 }).reshape([B, T]);
  const types = e.token_type_ids ?? e.input_ids.map((row) => row.map(() => 0));
  return { input_ids: arr(e.input_ids), attention_mask: arr(e.attention_mask), token_type_ids: arr(types) };
}

describe("encoder parity with Hugging Face transformers (max abs error ≤ 1e-4)", () => {
  for (const name of ["bert-tiny", "bert-tiny-fp16", "roberta-tiny", "electra-tiny"]) {
    it(name, async () => {
      const dir = join(FIXTURES, name);
      const e = JSON.parse(readFileSync(join(dir, "expected.json"), "utf8")) as Expected;
      const numLabels = e.logits[0].length;
      const loaded = loadHfClassifier(dir, numLabels, random.key(0));
      expect(loaded.newlyInitialized).toEqual([]);

      const out = applyBert(
        encoderOf(loaded.params, loaded.config.model_type),
        deviceBatch(e),
        loaded.config,
        {
          powers: [0],
          key: null,
        },
      );
      // Padded positions are compared too: HF computes them the same way.
      const hidden = await out.last_hidden_state.data();
      expect(maxAbs(hidden, e.last_hidden_state.flat(2))).toBeLessThanOrEqual(1e-4);
      if (e.pooler_output)
        expect(maxAbs(await out.pooler_output!.data(), e.pooler_output.flat())).toBeLessThanOrEqual(1e-4);
      else out.pooler_output?.dispose();

      // both ways of merging the attention heads: the one for gradients and the one for evaluation
      for (const forwardOnly of [false, true]) {
        const logits = await applySequenceClassifier(loaded.params, deviceBatch(e), loaded.config, {
          powers: [0],
          key: null,
          forwardOnly,
        }).data();
        expect(maxAbs(logits, e.logits.flat()), `forwardOnly: ${forwardOnly}`).toBeLessThanOrEqual(1e-4);
      }

      // The tokenizer reproduces the fixture's ids from the raw texts (unpadded prefix of each row).
      if (name !== "bert-tiny-fp16") {
        const tok = await HfTokenizer.fromFolder(dir);
        e.inputs.forEach((input, i) => {
          const enc = tok.encode(input.text, input.text_pair ?? undefined, { maxLength: 32 });
          const n = e.attention_mask[i].reduce((s, v) => s + v, 0);
          expect(Array.from(enc.input_ids)).toEqual(e.input_ids[i].slice(0, n));
          const types = e.token_type_ids?.[i].slice(0, n) ?? new Array(n).fill(0);
          expect(Array.from(enc.token_type_ids)).toEqual(types);
        });
      }
      tree.dispose(loaded.params);
    });
  }

  it("explains how to convert a pytorch_model.bin-only folder", () => {
    expect(() => loadHfClassifier(join(FIXTURES, "bert-tiny-bin-only"), 2, random.key(0))).toThrow(
      /only pytorch_model\.bin found; cmploss reads safetensors/,
    );
  });
});
