import { describe, expect, it } from "vitest";
import { DataError } from "./errors.js";
import { bertNormalize, bertPreTokenize, parseVocabTxt, WordPieceTokenizer } from "./wordpiece.js";

const UNCASED = { clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true };
const CASED = { ...UNCASED, lowercase: false };

describe("bertNormalize", () => {
  it("drops control characters and maps every whitespace character to a space", () => {
    expect(bertNormalize("a\u0000b\u200bc\ufffdd\u0007e", CASED)).toBe("abcde");
    expect(bertNormalize("a\tb\nc\u00a0d\u3000e\u2028f", CASED)).toBe("a b c d e f");
    // Private use goes, unassigned code points stay (as in HF's Rust normalizer).
    expect(bertNormalize("\ue000a\u0378", CASED)).toBe("a\u0378");
  });

  it("spaces out CJK ideographs, outside the BMP too", () => {
    expect(bertNormalize("我们a\u{20000}b", CASED)).toBe(" 我  们 a \u{20000} b");
    // Rust's Extension E range starts at U+2B920 (checked against tokenizers 0.23 `BertNormalizer`).
    expect(bertNormalize("\u{2B820}\u{2B920}", CASED)).toBe("\u{2B820} \u{2B920} ");
    // Hiragana and Hangul are not in the CJK Unified Ideographs blocks.
    expect(bertNormalize("ひら한", CASED)).toBe("ひら한");
  });

  it("strips accents when lower-casing (strip_accents null) and only then", () => {
    expect(bertNormalize("Café NAÏVE", UNCASED)).toBe("cafe naive");
    expect(bertNormalize("Café", CASED)).toBe("Café");
    expect(bertNormalize("Café", { ...UNCASED, strip_accents: false })).toBe("café");
    expect(bertNormalize("Café", { ...CASED, strip_accents: true })).toBe("Cafe");
  });

  it("lower-cases per character, as Rust (no final sigma)", () => {
    expect(bertNormalize("ΟΔΟΣ", UNCASED)).toBe("οδοσ");
  });
});

describe("bertPreTokenize", () => {
  it("splits on whitespace and isolates punctuation, ASCII symbols included", () => {
    expect(bertPreTokenize(" Hello,  world! it's $5+x ")).toEqual([
      "Hello",
      ",",
      "world",
      "!",
      "it",
      "'",
      "s",
      "$",
      "5",
      "+",
      "x",
    ]);
    expect(bertPreTokenize("a—b«c»")).toEqual(["a", "—", "b", "«", "c", "»"]);
  });
});

describe("WordPieceTokenizer", () => {
  const VOCAB = [
    "[PAD]",
    "[UNK]",
    "[CLS]",
    "[SEP]",
    "[MASK]",
    "un",
    "##aff",
    "##able",
    "the",
    "a",
    "##b",
    ",",
  ];
  const tok = WordPieceTokenizer.fromTokens(VOCAB, "vocab.txt");

  it("matches greedily, longest first, with ## continuations", () => {
    expect(tok.tokenize("Unaffable, the ab")).toEqual(["un", "##aff", "##able", ",", "the", "a", "##b"]);
    expect(tok.encodeText("unaffable")).toEqual([5, 6, 7]);
  });

  it("makes a word with an unknown piece, or over 100 characters, one [UNK]", () => {
    expect(tok.tokenize("unaffablex the")).toEqual(["[UNK]", "the"]);
    expect(tok.tokenize(`a${"b".repeat(99)}`)).toEqual(["a", ...Array(99).fill("##b")]);
    expect(tok.tokenize(`a${"b".repeat(100)}`)).toEqual(["[UNK]"]);
  });

  it("splits special tokens off the raw text, before lower-casing", () => {
    expect(tok.tokenize("the[SEP]a [MASK]")).toEqual(["the", "[SEP]", "a", "[MASK]"]);
    expect(tok.tokenize("[sep]")).toEqual(["[UNK]", "[UNK]", "[UNK]"]);
  });

  it("reads vocab.txt lines (BOM, CRLF) and rejects a vocabulary without [UNK]", () => {
    expect(parseVocabTxt("\ufeff[PAD]\r\n[UNK]\r\nx\r\n")).toEqual(["[PAD]", "[UNK]", "x"]);
    expect(WordPieceTokenizer.fromTokens(VOCAB, "v").size).toBe(VOCAB.length);
    expect(() => WordPieceTokenizer.fromTokens(["a", "b"], "v.txt")).toThrow(DataError);
    expect(() => WordPieceTokenizer.fromTokens([], "v.txt")).toThrow(/v\.txt: expected a vocab\.txt/);
  });
});
