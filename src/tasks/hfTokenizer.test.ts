import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { HfTokenizer, truncateLongestFirst, type TokenEncoder } from "./hfTokenizer.js";
import { WordVocab } from "./vocab.js";

const tmpRoot = mkdtempSync(join(tmpdir(), "cmploss-hftok-"));
afterAll(() => rmSync(tmpRoot, { recursive: true, force: true }));

let nFolders = 0;
/** A fresh folder holding `files` (objects are written as JSON). */
function folder(files: Record<string, string | object>): string {
  const dir = join(tmpRoot, `f${nFolders++}`);
  mkdirSync(dir);
  for (const [name, content] of Object.entries(files)) {
    writeFileSync(join(dir, name), typeof content === "string" ? content : JSON.stringify(content));
  }
  return dir;
}

const VOCAB = [
  "[PAD]",
  "[UNK]",
  "[CLS]",
  "[SEP]",
  "[MASK]",
  "the",
  "cat",
  "sat",
  "on",
  "mat",
  "##s",
  ".",
  "a",
  "##b",
];

/** A BERT-style tokenizer.json over VOCAB, as `BertTokenizerFast.save_pretrained` writes it. */
function bertTokenizerJson(lowercase: boolean): object {
  const special = (id: number) => ({
    id,
    content: VOCAB[id],
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized: false,
    special: true,
  });
  const tok = (id: string, type_id: number) => ({ SpecialToken: { id, type_id } });
  const seq = (id: string, type_id: number) => ({ Sequence: { id, type_id } });
  return {
    version: "1.0",
    truncation: null,
    padding: null,
    added_tokens: [0, 1, 2, 3, 4].map(special),
    normalizer: {
      type: "BertNormalizer",
      clean_text: true,
      handle_chinese_chars: true,
      strip_accents: null,
      lowercase,
    },
    pre_tokenizer: { type: "BertPreTokenizer" },
    post_processor: {
      type: "TemplateProcessing",
      single: [tok("[CLS]", 0), seq("A", 0), tok("[SEP]", 0)],
      pair: [tok("[CLS]", 0), seq("A", 0), tok("[SEP]", 0), seq("B", 1), tok("[SEP]", 1)],
      special_tokens: {
        "[CLS]": { id: "[CLS]", ids: [2], tokens: ["[CLS]"] },
        "[SEP]": { id: "[SEP]", ids: [3], tokens: ["[SEP]"] },
      },
    },
    decoder: { type: "WordPiece", prefix: "##", cleanup: true },
    model: {
      type: "WordPiece",
      unk_token: "[UNK]",
      continuing_subword_prefix: "##",
      max_input_chars_per_word: 100,
      vocab: Object.fromEntries(VOCAB.map((t, i) => [t, i])),
    },
  };
}

const ids = (e: { input_ids: Int32Array }) => [...e.input_ids];
const types = (e: { token_type_ids: Int32Array }) => [...e.token_type_ids];

describe("truncateLongestFirst", () => {
  it("matches the cases of HF tokenizers' truncate_encodings test (budget 7)", () => {
    const lengths = [0, 2, 4, 8];
    // Rows: len A; columns: len B; entries [A, B] after truncation (tokenizers/src/utils/truncation.rs).
    const expected = [
      [
        [0, 0],
        [0, 2],
        [0, 4],
        [0, 7],
      ],
      [
        [2, 0],
        [2, 2],
        [2, 4],
        [2, 5],
      ],
      [
        [4, 0],
        [4, 2],
        [3, 4],
        [3, 4],
      ],
      [
        [7, 0],
        [5, 2],
        [4, 3],
        [3, 4],
      ],
    ];
    lengths.forEach((a, i) =>
      lengths.forEach((b, j) => expect(truncateLongestFirst(a, b, 7)).toEqual(expected[i][j])),
    );
  });

  it("keeps the odd token with the originally longer text, or B on a tie", () => {
    expect(truncateLongestFirst(12, 10, 9)).toEqual([5, 4]);
    expect(truncateLongestFirst(10, 12, 9)).toEqual([4, 5]);
    expect(truncateLongestFirst(10, 10, 9)).toEqual([4, 5]);
    expect(truncateLongestFirst(10, 10, 0)).toEqual([0, 0]);
  });
});

describe("HfTokenizer", () => {
  const jsonDir = folder({
    "tokenizer.json": bertTokenizerJson(true),
    "tokenizer_config.json": { do_lower_case: true },
  });
  const txtDir = folder({ "vocab.txt": `${VOCAB.join("\n")}\n` });

  it("encodes in BERT layout from tokenizer.json and from vocab.txt alike", async () => {
    for (const dir of [jsonDir, txtDir]) {
      const tok = await HfTokenizer.fromFolder(dir);
      expect(tok.size).toBe(VOCAB.length);
      expect(tok.padId).toBe(0);
      const single = tok.encode("The cats sat.", undefined, { maxLength: 16 });
      expect(ids(single)).toEqual([2, 5, 6, 10, 7, 11, 3]);
      expect(types(single)).toEqual([0, 0, 0, 0, 0, 0, 0]);
      const pair = tok.encode("the cat", "on a mat [MASK] dog", { maxLength: 16 });
      expect(ids(pair)).toEqual([2, 5, 6, 3, 8, 12, 9, 4, 1, 3]);
      expect(types(pair)).toEqual([0, 0, 0, 0, 1, 1, 1, 1, 1, 1]);
    }
    expect((await HfTokenizer.fromFolder(jsonDir)).source).toBe("tokenizer.json");
    expect((await HfTokenizer.fromFolder(txtDir)).source).toBe("vocab.txt");
  });

  it("truncates longest_first to maxLength, special tokens included", async () => {
    const tok = await HfTokenizer.fromFolder(jsonDir);
    expect(ids(tok.encode("the cat sat on a mat", undefined, { maxLength: 4 }))).toEqual([2, 5, 6, 3]);
    // A = 6 tokens, B = 2: budget 8 - 3 = 5 keeps B whole and A's first 3.
    expect(ids(tok.encode("the cat sat on a mat", "cat sat", { maxLength: 8 }))).toEqual([
      2, 5, 6, 7, 3, 6, 7, 3,
    ]);
    // A = B = 3: budget 5 → A 2, B 3 (HF fast gives the odd token to B on a tie).
    expect(ids(tok.encode("the cat sat", "on a mat", { maxLength: 8 }))).toEqual([2, 5, 6, 3, 8, 12, 9, 3]);
    expect(ids(tok.encode("the", "cat", { maxLength: 3 }))).toEqual([2, 3, 3]);
    expect(() => tok.encode("the", "cat", { maxLength: 2 })).toThrow(/maxLength >= 3/);
    expect(() => tok.encode("the", undefined, { maxLength: 1.5 })).toThrow(RangeError);
  });

  it("builds BERT's normalizer from tokenizer_config.json, as transformers' BertTokenizer", async () => {
    // Checked with transformers 5.24 on bert-tiny: AutoTokenizer ignores tokenizer.json's BertNormalizer for
    // BertTokenizer and uses do_lower_case (default true); a generic tokenizer_class keeps tokenizer.json's.
    const encodeThe = async (files: Record<string, string | object>) =>
      ids((await HfTokenizer.fromFolder(folder(files))).encode("The", undefined, { maxLength: 8 }));
    const casedJson = bertTokenizerJson(false);
    expect(await encodeThe({ "tokenizer.json": casedJson })).toEqual([2, 5, 3]);
    expect(
      await encodeThe({ "tokenizer.json": casedJson, "tokenizer_config.json": { do_lower_case: true } }),
    ).toEqual([2, 5, 3]);
    const bertCased = { tokenizer_class: "BertTokenizer", do_lower_case: false };
    expect(
      await encodeThe({ "tokenizer.json": bertTokenizerJson(true), "tokenizer_config.json": bertCased }),
    ).toEqual([2, 1, 3]);
    const generic = { tokenizer_class: "PreTrainedTokenizerFast" };
    expect(await encodeThe({ "tokenizer.json": casedJson, "tokenizer_config.json": generic })).toEqual([
      2, 1, 3,
    ]);
    expect(
      await encodeThe({ "vocab.txt": VOCAB.join("\n"), "tokenizer_config.json": { do_lower_case: false } }),
    ).toEqual([2, 1, 3]);
    expect(await encodeThe({ "vocab.txt": VOCAB.join("\n") })).toEqual([2, 5, 3]);
  });

  it("reads the pad token from tokenizer_config.json or special_tokens_map.json", async () => {
    const viaMap = await HfTokenizer.fromFolder(
      folder({ "vocab.txt": VOCAB.join("\n"), "special_tokens_map.json": { pad_token: "[MASK]" } }),
    );
    expect(viaMap.padId).toBe(4);
    const viaConfig = await HfTokenizer.fromFolder(
      folder({
        "vocab.txt": VOCAB.join("\n"),
        "special_tokens_map.json": { pad_token: "[MASK]" },
        "tokenizer_config.json": { pad_token: { content: "mat" } },
      }),
    );
    expect(viaConfig.padId).toBe(9);
    await expect(
      HfTokenizer.fromFolder(
        folder({ "vocab.txt": VOCAB.join("\n"), "tokenizer_config.json": { pad_token: "<p>" } }),
      ),
    ).rejects.toThrow(/expected a pad token .* got "<p>", not in the vocabulary/);
  });

  it("names the folder and the expected files when it has neither tokenizer.json nor vocab.txt", async () => {
    const dir = folder({ "vocab.json": {}, "merges.txt": "" });
    await expect(HfTokenizer.fromFolder(dir)).rejects.toThrow(
      `HfTokenizer.fromFolder: expected tokenizer.json (any BERT-family model) or vocab.txt (BERT WordPiece) in ${dir}, found `,
    );
    await expect(HfTokenizer.fromFolder(dir)).rejects.toThrow(/merges\.txt/);
    await expect(HfTokenizer.fromFolder(join(tmpRoot, "missing"))).rejects.toThrow(/no such folder/);
  });

  it("rejects a tokenizer.json without a supported post_processor", async () => {
    const json = { ...bertTokenizerJson(true), post_processor: null };
    await expect(HfTokenizer.fromFolder(folder({ "tokenizer.json": json }))).rejects.toThrow(
      /tokenizer\.json: expected a post_processor of type BertProcessing, RobertaProcessing or TemplateProcessing, got null/,
    );
  });

  it("builds from the files' contents (a browser's fetches) as from the folder holding them", async () => {
    const fromFiles = HfTokenizer.fromFiles({
      tokenizerJson: JSON.stringify(bertTokenizerJson(true)),
      tokenizerConfig: { do_lower_case: true },
    });
    const fromFolder = await HfTokenizer.fromFolder(jsonDir);
    for (const [a, b] of [
      ["The cats sat.", undefined],
      ["the cat", "on a mat [MASK] dog"],
    ] as const) {
      expect(ids(fromFiles.encode(a, b, { maxLength: 16 }))).toEqual(
        ids(fromFolder.encode(a, b, { maxLength: 16 })),
      );
    }
    expect(HfTokenizer.fromFiles({ vocabTxt: VOCAB.join("\n") }).source).toBe("vocab.txt");
    expect(() => HfTokenizer.fromFiles({ tokenizerConfig: {} }, "model")).toThrow(
      "HfTokenizer.fromFiles: expected tokenizer.json (any BERT-family model) or vocab.txt (BERT WordPiece) for model, got neither",
    );
    expect(() => HfTokenizer.fromFiles({ tokenizerJson: "{", vocabTxt: "x" }, "model/")).toThrow(
      /^model\/tokenizer\.json: expected valid JSON, got /,
    );
    expect(() => HfTokenizer.fromFiles({ vocabTxt: VOCAB.join("\n"), specialTokensMap: "[]" }, "m")).toThrow(
      "m/special_tokens_map.json: expected a JSON object, got an array",
    );
  });

  it("shares the encode interface with WordVocab", async () => {
    const encoders: Pick<TokenEncoder, "encode" | "size">[] = [
      await HfTokenizer.fromFolder(txtDir),
      WordVocab.build(["the cat sat"]),
    ];
    for (const e of encoders) expect(e.encode("the cat", "sat", { maxLength: 8 }).input_ids.length).toBe(6);
  });
});

/** test/fixtures/hf/tokenization.json, written by dev/python/hf/make_fixtures.py (HF fast tokenizers). */
interface TokenizationFixture {
  sentences: string[];
  pairs: [string, string][];
  pair_call: { truncation: "longest_first"; max_length: number };
  tokenizers: Record<string, { folder: string; single: FixtureIds; pair: FixtureIds }>;
}
interface FixtureIds {
  input_ids: number[][];
  /** Absent for RoBERTa, whose tokenizer does not return them (they are all 0). */
  token_type_ids?: number[][];
}

const HF_FIXTURES = fileURLToPath(new URL("../../test/fixtures/hf/", import.meta.url));
const golden = JSON.parse(
  readFileSync(join(HF_FIXTURES, "tokenization.json"), "utf8"),
) as TokenizationFixture;
/** No truncation: longer than any fixture sentence. */
const UNLIMITED = 100_000;

describe("HfTokenizer against HF fast tokenizers (test/fixtures/hf/tokenization.json)", () => {
  for (const [name, expected] of Object.entries(golden.tokenizers)) {
    describe(name, () => {
      const load = () => HfTokenizer.fromFolder(join(HF_FIXTURES, expected.folder));

      it("encodes every sentence to the same ids and token types", async () => {
        const tok = await load();
        expect(tok.source).toBe("tokenizer.json");
        golden.sentences.forEach((text, i) => {
          const e = tok.encode(text, undefined, { maxLength: UNLIMITED });
          expect([text, ids(e)]).toEqual([text, expected.single.input_ids[i]]);
          const wantTypes = expected.single.token_type_ids?.[i] ?? Array<number>(e.input_ids.length).fill(0);
          expect([text, types(e)]).toEqual([text, wantTypes]);
        });
      });

      it(`encodes every pair to the same ids, truncated longest_first to ${golden.pair_call.max_length}`, async () => {
        const tok = await load();
        const maxLength = golden.pair_call.max_length;
        golden.pairs.forEach(([a, b], i) => {
          const e = tok.encode(a, b, { maxLength });
          expect([a, b, ids(e)]).toEqual([a, b, expected.pair.input_ids[i]]);
          const wantTypes = expected.pair.token_type_ids?.[i] ?? Array<number>(e.input_ids.length).fill(0);
          expect([a, b, types(e)]).toEqual([a, b, wantTypes]);
        });
      });

      it("has the model's vocab_size and pad_token_id", async () => {
        const tok = await load();
        const config = JSON.parse(
          readFileSync(join(HF_FIXTURES, expected.folder, "config.json"), "utf8"),
        ) as {
          vocab_size: number;
          pad_token_id: number;
        };
        expect([tok.size, tok.padId]).toEqual([config.vocab_size, config.pad_token_id]);
      });
    });
  }

  for (const name of ["bert-tiny", "roberta-tiny", "electra-tiny", "bert-tiny-fp16"]) {
    it(`pads ${name}/expected.json's model inputs the same way`, async () => {
      const exp = JSON.parse(readFileSync(join(HF_FIXTURES, name, "expected.json"), "utf8")) as {
        inputs: { text: string; text_pair: string | null }[];
        tokenizer_call: { max_length: number };
        input_ids: number[][];
        attention_mask: number[][];
        token_type_ids?: number[][];
      };
      const tok = await HfTokenizer.fromFolder(join(HF_FIXTURES, name));
      const encoded = exp.inputs.map((x) =>
        tok.encode(x.text, x.text_pair ?? undefined, { maxLength: exp.tokenizer_call.max_length }),
      );
      const T = Math.max(...encoded.map((e) => e.input_ids.length));
      const pad = (row: number[], value: number) => [...row, ...Array<number>(T - row.length).fill(value)];
      expect(encoded.map((e) => pad(ids(e), tok.padId))).toEqual(exp.input_ids);
      expect(encoded.map((e) => pad(Array<number>(e.input_ids.length).fill(1), 0))).toEqual(
        exp.attention_mask,
      );
      if (exp.token_type_ids) expect(encoded.map((e) => pad(types(e), 0))).toEqual(exp.token_type_ids);
    });
  }

  it("follows HF's Rust BertNormalizer where tokenizers.js's differs (final sigma, CJK outside the BMP)", async () => {
    // transformers 5.24 / tokenizers 0.23: AutoTokenizer.from_pretrained("test/fixtures/hf/bert-tiny")(text)["input_ids"]
    const cases: [string, number[]][] = [
      ["ΟΔΟΣ ΣΑΣ", [2, 175, 2199, 2207, 2210, 179, 1949, 2210, 3]],
      ["a\u{20000}b", [2, 43, 1, 44, 3]],
      ["x\u{2B820}y\u{2B920}z", [2, 1, 1, 68, 3]],
    ];
    const jsonTok = await HfTokenizer.fromFolder(join(HF_FIXTURES, "bert-tiny"));
    const dir = folder({ "tokenizer_config.json": { do_lower_case: true } });
    copyFileSync(join(HF_FIXTURES, "bert-tiny", "vocab.txt"), join(dir, "vocab.txt"));
    const txtTok = await HfTokenizer.fromFolder(dir);
    for (const tok of [jsonTok, txtTok]) {
      for (const [text, want] of cases)
        expect([text, ids(tok.encode(text, undefined, { maxLength: 64 }))]).toEqual([text, want]);
    }
  });

  it("takes add_prefix_space from tokenizer_config.json, as transformers' RobertaTokenizer", async () => {
    // transformers 5.24: roberta-tiny with add_prefix_space true in tokenizer_config.json, "hello world" →
    const dir = folder({ "tokenizer_config.json": { add_prefix_space: true } });
    copyFileSync(join(HF_FIXTURES, "roberta-tiny", "tokenizer.json"), join(dir, "tokenizer.json"));
    const tok = await HfTokenizer.fromFolder(dir);
    expect(ids(tok.encode("hello world", undefined, { maxLength: 16 }))).toEqual([0, 401, 728, 83, 925, 2]);
    const plain = await HfTokenizer.fromFolder(join(HF_FIXTURES, "roberta-tiny"));
    expect(ids(plain.encode("hello world", undefined, { maxLength: 16 }))).toEqual([0, 264, 728, 83, 925, 2]);
  });

  it("gives bert-tiny's ids from its vocab.txt alone (do_lower_case true)", async () => {
    const expected = golden.tokenizers["bert-tiny"];
    const dir = folder({ "tokenizer_config.json": { do_lower_case: true } });
    copyFileSync(join(HF_FIXTURES, expected.folder, "vocab.txt"), join(dir, "vocab.txt"));
    const tok = await HfTokenizer.fromFolder(dir);
    expect(tok.source).toBe("vocab.txt");
    golden.sentences.forEach((text, i) => {
      const e = tok.encode(text, undefined, { maxLength: UNLIMITED });
      expect([text, ids(e), types(e)]).toEqual([
        text,
        expected.single.input_ids[i],
        expected.single.token_type_ids![i],
      ]);
    });
    const maxLength = golden.pair_call.max_length;
    golden.pairs.forEach(([a, b], i) => {
      const e = tok.encode(a, b, { maxLength });
      expect([a, b, ids(e), types(e)]).toEqual([
        a,
        b,
        expected.pair.input_ids[i],
        expected.pair.token_type_ids![i],
      ]);
    });
  });
});
