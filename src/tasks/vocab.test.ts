import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DataError } from "./errors.js";
import { CLS_ID, PAD_ID, SEP_ID, SPECIAL_TOKENS, UNK_ID, WordVocab, basicTokenize } from "./vocab.js";

const SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"];

describe("basicTokenize", () => {
  it("lower-cases, splits on whitespace and separates punctuation", () => {
    expect(basicTokenize("It's  GREAT,\tisn't it?!\n")).toEqual([
      "it",
      "'",
      "s",
      "great",
      ",",
      "isn",
      "'",
      "t",
      "it",
      "?",
      "!",
    ]);
    expect(basicTokenize("$5+tax (approx.) -- ok")).toEqual([
      "$",
      "5",
      "+",
      "tax",
      "(",
      "approx",
      ".",
      ")",
      "-",
      "-",
      "ok",
    ]);
    // Unicode punctuation (category P) splits; letters with accents stay whole; format characters vanish.
    expect(basicTokenize("«Café»\u200b—déjà vu…")).toEqual(["«", "café", "»", "—", "déjà", "vu", "…"]);
    expect(basicTokenize("   ")).toEqual([]);
  });

  it("splits on exactly the characters of `\\s` that survive cleaning (its split is bertPreTokenize's)", () => {
    // basicTokenize used to split on /\s+/u itself; the shared pre-tokenizer uses Rust's White_Space set. The two
    // differ only on U+0085, U+000B, U+000C (control) and U+FEFF (format), which cleaning removes first.
    const differs: string[] = [];
    for (let cp = 0; cp <= 0x10ffff; cp++) {
      if (cp >= 0xd800 && cp <= 0xdfff) continue;
      const ch = String.fromCodePoint(cp);
      if (/[\p{Cc}\p{Cf}]/u.test(ch) && !/[\t\n\r]/.test(ch)) continue;
      const split = basicTokenize(`a${ch}b`).length === 2 && basicTokenize(`a${ch}b`)[0] === "a";
      const punct = basicTokenize(`a${ch}b`).length === 3;
      if (!punct && split !== /\s/u.test(ch)) differs.push(cp.toString(16));
    }
    expect(differs).toEqual([]);
  });
});

describe("WordVocab.build", () => {
  const texts = ["b a c a", "c b a", "d"];

  it("orders by frequency then token, after the special tokens", () => {
    const v = WordVocab.build(texts);
    // a:3, b:2, c:2, d:1 → b before c on the tie.
    expect(v.toText()).toBe([...SPECIALS, "a", "b", "c", "d"].join("\n") + "\n");
    expect(v.size).toBe(9);
    expect(SPECIAL_TOKENS).toEqual(SPECIALS);
  });

  it("is deterministic regardless of text order", () => {
    expect(WordVocab.build([...texts].reverse()).toText()).toBe(WordVocab.build(texts).toText());
  });

  it("applies minFreq and maxSize (which counts the special tokens)", () => {
    expect(WordVocab.build(texts, { minFreq: 2 }).size).toBe(8);
    const v = WordVocab.build(texts, { maxSize: 7 });
    expect(v.size).toBe(7);
    expect(v.idToToken(6)).toBe("b");
    expect(WordVocab.build(texts, { maxSize: 5 }).size).toBe(5);
  });

  it("rejects bad options", () => {
    expect(() => WordVocab.build(texts, { minFreq: 0 })).toThrow(RangeError);
    expect(() => WordVocab.build(texts, { maxSize: 4 })).toThrow("expected an integer maxSize >= 5");
  });
});

describe("WordVocab.encode", () => {
  const v = WordVocab.build(["the cat sat on the mat", "a dog ran"]);
  const id = (w: string) => v.tokenToId(w);

  it("lays out a single text as [CLS] a [SEP]", () => {
    const e = v.encode("The cat, sat", undefined, { maxLength: 16 });
    expect(Array.from(e.input_ids)).toEqual([CLS_ID, id("the"), id("cat"), UNK_ID, id("sat"), SEP_ID]);
    expect(Array.from(e.token_type_ids)).toEqual([0, 0, 0, 0, 0, 0]);
    expect(id(",")).toBe(UNK_ID);
  });

  it("lays out a pair as [CLS] a [SEP] b [SEP] with segment ids 0 then 1", () => {
    const e = v.encode("the cat", "a dog", { maxLength: 16 });
    expect(Array.from(e.input_ids)).toEqual([
      CLS_ID,
      id("the"),
      id("cat"),
      SEP_ID,
      id("a"),
      id("dog"),
      SEP_ID,
    ]);
    expect(Array.from(e.token_type_ids)).toEqual([0, 0, 0, 0, 1, 1, 1]);
  });

  it("truncates a single text at the end", () => {
    const e = v.encode("the cat sat on the mat", undefined, { maxLength: 5 });
    expect(Array.from(e.input_ids)).toEqual([CLS_ID, id("the"), id("cat"), id("sat"), SEP_ID]);
    expect(v.encode("the cat", undefined, { maxLength: 2 }).input_ids.length).toBe(2);
  });

  it("truncates pairs longest-first, taking from b on a tie (BERT _truncate_seq_pair)", () => {
    // a has 6 words, b has 3; budget 9 - 3 = 6 → a loses 3 (6,3 → 3,3).
    let e = v.encode("the cat sat on the mat", "a dog ran", { maxLength: 9 });
    expect(Array.from(e.input_ids)).toEqual([
      CLS_ID,
      id("the"),
      id("cat"),
      id("sat"),
      SEP_ID,
      id("a"),
      id("dog"),
      id("ran"),
      SEP_ID,
    ]);
    // Budget 5: (6,3) → (3,3), then the tie takes from b → (3,2).
    e = v.encode("the cat sat on the mat", "a dog ran", { maxLength: 8 });
    expect(Array.from(e.input_ids)).toEqual([
      CLS_ID,
      id("the"),
      id("cat"),
      id("sat"),
      SEP_ID,
      id("a"),
      id("dog"),
      SEP_ID,
    ]);
    expect(Array.from(e.token_type_ids)).toEqual([0, 0, 0, 0, 0, 1, 1, 1]);
    e = v.encode("the cat", "a dog ran", { maxLength: 3 });
    expect(Array.from(e.input_ids)).toEqual([CLS_ID, SEP_ID, SEP_ID]);
  });

  it("rejects a maxLength without room for the special tokens", () => {
    expect(() => v.encode("a", "b", { maxLength: 2 })).toThrow("expected an integer maxLength >= 3");
    expect(() => v.encode("a", undefined, { maxLength: 1.5 })).toThrow(RangeError);
  });
});

describe("WordVocab save/load", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "cmploss-vocab-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("round-trips through a BERT-style vocab.txt (id = line index)", async () => {
    const v = WordVocab.build([
      "it 's a charming and often affecting journey .",
      "unflinchingly bleak and desperate",
    ]);
    const path = join(dir, "vocab.txt");
    await v.save(path);
    const text = await readFile(path, "utf8");
    expect(text.split("\n").slice(0, 6)).toEqual([...SPECIALS, "and"]);
    const back = await WordVocab.load(path);
    expect(back.toText()).toBe(v.toText());
    expect(back.size).toBe(v.size);
    for (let i = 0; i < v.size; i++) expect(back.tokenToId(v.idToToken(i))).toBe(i);
    const s = "a charming , bleak journey";
    expect(back.encode(s, undefined, { maxLength: 8 })).toEqual(v.encode(s, undefined, { maxLength: 8 }));
    expect(back.idToToken(PAD_ID)).toBe("[PAD]");
  });

  it("accepts a BOM and CRLF", () => {
    const v = WordVocab.parse(`\ufeff${[...SPECIALS, "x"].join("\r\n")}`, "v.txt");
    expect(v.size).toBe(6);
    expect(v.tokenToId("x")).toBe(5);
  });

  it.each([
    ["an empty file", "", undefined, 'v.txt: expected "[PAD]" on line 1'],
    ["a stock BERT vocab", "[PAD]\n[unused0]\n", 2, 'v.txt:2: expected "[UNK]" (WordVocab layout:'],
    [
      "a duplicate",
      [...SPECIALS, "a", "b", "a"].join("\n"),
      8,
      "v.txt:8: expected a token not already on line 6",
    ],
    [
      "an empty line",
      [...SPECIALS, "a", "", "b"].join("\n"),
      7,
      "v.txt:7: expected one token without whitespace",
    ],
    ["too few lines", "[PAD]\n[UNK]\n", undefined, "v.txt: expected 5 special tokens"],
  ])("rejects %s", (_name, text, line, message) => {
    let err: unknown;
    try {
      WordVocab.parse(text, "v.txt");
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DataError);
    expect((err as DataError).line).toBe(line);
    expect((err as DataError).message).toContain(message);
  });

  it("names a missing file", async () => {
    await expect(WordVocab.load(join(dir, "none.txt"))).rejects.toThrow(
      /none\.txt: expected a vocab\.txt file .*got no such file/,
    );
    await writeFile(join(dir, "bad.txt"), "[PAD]\n");
    await expect(WordVocab.load(join(dir, "bad.txt"))).rejects.toBeInstanceOf(DataError);
  });
});
