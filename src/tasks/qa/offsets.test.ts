import { copyFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { HfTokenizer } from "../hfTokenizer.js";
import { bertNormalize, BERT_UNCASED_NORMALIZER } from "../wordpiece.js";
import { bertNormalizeAligned } from "./offsets.js";

const HF = fileURLToPath(new URL("../../../test/fixtures/hf/", import.meta.url));
/** HF fast tokenizers' ids and offsets (UTF-16) for 100 sentences: dev/python/qa/make_offsets_fixture.py. */
const FIXTURE = JSON.parse(
  readFileSync(fileURLToPath(new URL("../../../test/fixtures/qa/offsets.json", import.meta.url)), "utf8"),
) as {
  sentences: string[];
  tokenizers: Record<string, { ids: number[]; offsets: [number, number][] }[]>;
};

const tmp = mkdtempSync(join(tmpdir(), "cmploss-offsets-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("encodeTextWithOffsets", () => {
  it.each(["bert-tiny", "roberta-tiny"])("matches HF return_offsets_mapping (%s)", async (name) => {
    const tok = await HfTokenizer.fromFolder(join(HF, name));
    const cases = FIXTURE.tokenizers[name]!;
    FIXTURE.sentences.forEach((text, i) => {
      const got = tok.encodeTextWithOffsets(text);
      expect({ text, ids: got.ids }).toEqual({ text, ids: cases[i]!.ids });
      expect({ text, offsets: got.offsets }).toEqual({ text, offsets: cases[i]!.offsets });
      expect(got.ids).toEqual(tok.encodeText(text));
    });
  });

  it("matches HF for a vocab.txt-only folder too", async () => {
    for (const f of ["vocab.txt", "tokenizer_config.json", "special_tokens_map.json"]) {
      copyFileSync(join(HF, "bert-tiny", f), join(tmp, f));
    }
    const tok = await HfTokenizer.fromFolder(tmp);
    expect(tok.source).toBe("vocab.txt");
    const cases = FIXTURE.tokenizers["bert-tiny"]!;
    FIXTURE.sentences.forEach((text, i) => {
      expect({ text, ...tok.encodeTextWithOffsets(text) }).toEqual({ text, ...cases[i]! });
    });
  });

  it("aligns normalisation character by character, equal to bertNormalize", () => {
    for (const text of FIXTURE.sentences) {
      const { normalized, starts, ends } = bertNormalizeAligned(text, BERT_UNCASED_NORMALIZER);
      expect(normalized).toBe(bertNormalize(text, BERT_UNCASED_NORMALIZER));
      expect(starts.length).toBe(normalized.length);
      expect(ends.every((e, k) => e > starts[k]! && e <= text.length)).toBe(true);
    }
  });
});
