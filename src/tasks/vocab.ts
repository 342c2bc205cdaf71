/** A download-free word-level vocabulary and tokenizer for from-scratch models, in BERT's input layout. */
import { readFile, writeFile } from "node:fs/promises";
import { DataError, showValue } from "./errors.js";
import { truncateLongestFirst } from "./truncation.js";
import { bertPreTokenize } from "./wordpiece.js";

export { CLS_ID, MASK_ID, PAD_ID, SEP_ID, SPECIAL_TOKENS, UNK_ID } from "./specialIds.js";
import { CLS_ID, PAD_ID, SEP_ID, SPECIAL_TOKENS, UNK_ID } from "./specialIds.js";

/** Token ids for one example, unpadded. Lengths are equal. */
export interface Encoding {
  /** `[T]` `[CLS] a [SEP]` or `[CLS] a [SEP] b [SEP]`. */
  input_ids: Int32Array;
  /** `[T]` 0 over `[CLS] a [SEP]`, 1 over `b [SEP]`. */
  token_type_ids: Int32Array;
}

export interface BuildOptions {
  /** Keep words seen at least this often; default 1. */
  minFreq?: number;
  /** Largest vocabulary size, special tokens included (so at least 5); default unlimited. */
  maxSize?: number;
}

export interface EncodeOptions {
  /** Longest `input_ids`, special tokens included; at least 2 (single text) or 3 (pair). */
  maxLength: number;
}

/**
 * Split text into words, a simplified BERT BasicTokenizer (uncased).
 *
 * 1. Remove control and format characters other than whitespace (BERT's `_clean_text`).
 * 2. Lower-case (`String.prototype.toLowerCase`, locale-independent).
 * 3. Split on Unicode whitespace and make every punctuation character its own token: `"it's!"` → `it ' s !`
 *    (`bertPreTokenize`, shared with the WordPiece tokenizer; after step 1 its whitespace set equals `\s`).
 *
 * Unlike BERT there is no accent stripping and no splitting around CJK characters; a word-level vocabulary
 * built from the same function handles both consistently.
 */
export function basicTokenize(text: string): string[] {
  return bertPreTokenize(text.replace(/(?![\t\n\r])[\p{Cc}\p{Cf}]/gu, "").toLowerCase());
}

function compareStrings(a: string, b: string): number {
  // Code-unit order, not localeCompare: the vocabulary must not depend on the machine's locale.
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Word-level vocabulary: `[PAD]`=0, `[UNK]`=1, `[CLS]`=2, `[SEP]`=3, `[MASK]`=4, then words. Immutable.
 *
 * Stored as a BERT-style `vocab.txt` (one token per line, id = line index). Words are `basicTokenize` output;
 * a word not in the vocabulary encodes as `[UNK]`.
 */
export class WordVocab {
  readonly #tokens: readonly string[];
  readonly #ids: ReadonlyMap<string, number>;

  private constructor(tokens: readonly string[]) {
    this.#tokens = tokens;
    this.#ids = new Map(tokens.map((t, i) => [t, i]));
  }

  /**
   * Count the words of `texts` and keep the frequent ones.
   *
   * Deterministic: words are ordered by count (descending), then by code-unit order; `maxSize` cuts that list.
   * @param texts e.g. the textA and textB of every training example.
   * @throws RangeError for minFreq < 1 or maxSize < 5 (non-integers too).
   */
  static build(texts: Iterable<string>, { minFreq = 1, maxSize }: BuildOptions = {}): WordVocab {
    if (!Number.isInteger(minFreq) || minFreq < 1) {
      throw new RangeError(`WordVocab.build: expected an integer minFreq >= 1, got ${minFreq}`);
    }
    const nSpecial = SPECIAL_TOKENS.length;
    if (maxSize !== undefined && (!Number.isInteger(maxSize) || maxSize < nSpecial)) {
      throw new RangeError(
        `WordVocab.build: expected an integer maxSize >= ${nSpecial} (the special tokens), got ${maxSize}`,
      );
    }
    const counts = new Map<string, number>();
    for (const text of texts) {
      for (const word of basicTokenize(text)) counts.set(word, (counts.get(word) ?? 0) + 1);
    }
    const words = [...counts]
      .filter(([, n]) => n >= minFreq)
      .sort(([a, na], [b, nb]) => nb - na || compareStrings(a, b))
      .map(([word]) => word);
    const kept = maxSize === undefined ? words : words.slice(0, maxSize - nSpecial);
    return new WordVocab([...SPECIAL_TOKENS, ...kept]);
  }

  /**
   * Parse `vocab.txt` text (BOM and CRLF accepted).
   * @param file the name used in DataError messages.
   * @throws DataError if lines 1–5 are not the special tokens in order, or a line is empty, has whitespace, or
   *   repeats an earlier token. (A stock BERT vocab.txt, with `[UNK]` at 100, is rejected at line 2.)
   */
  static parse(text: string, file: string): WordVocab {
    const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
    const lines = body.split("\n").map((l) => (l.endsWith("\r") ? l.slice(0, -1) : l));
    if (lines[lines.length - 1] === "") lines.pop();
    const layout = `(WordVocab layout: ${SPECIAL_TOKENS.join(" ")} on lines 1-${SPECIAL_TOKENS.length})`;
    if (lines.length === 0) {
      throw new DataError(
        file,
        undefined,
        `${JSON.stringify(SPECIAL_TOKENS[0])} on line 1 ${layout}`,
        "an empty file",
      );
    }
    const seen = new Map<string, number>();
    lines.forEach((token, i) => {
      const line = i + 1;
      if (i < SPECIAL_TOKENS.length && token !== SPECIAL_TOKENS[i]) {
        throw new DataError(file, line, `${JSON.stringify(SPECIAL_TOKENS[i])} ${layout}`, showValue(token));
      }
      if (token === "" || /\s/u.test(token)) {
        throw new DataError(file, line, "one token without whitespace", showValue(token));
      }
      const first = seen.get(token);
      if (first !== undefined)
        throw new DataError(file, line, `a token not already on line ${first}`, showValue(token));
      seen.set(token, line);
    });
    if (lines.length < SPECIAL_TOKENS.length) {
      throw new DataError(
        file,
        undefined,
        `${SPECIAL_TOKENS.length} special tokens ${layout}`,
        `${lines.length} lines`,
      );
    }
    return new WordVocab(lines);
  }

  /** Read a `vocab.txt` written by `save` (see `parse`). @throws DataError, also for a missing file. */
  static async load(path: string): Promise<WordVocab> {
    let text: string;
    try {
      text = await readFile(path, "utf8");
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const got = code === "ENOENT" ? "no such file" : `${code ?? "an error"} while reading it`;
      throw new DataError(path, undefined, "a vocab.txt file (one token per line)", got);
    }
    return WordVocab.parse(text, path);
  }

  /** Write `vocab.txt`: one token per line, id = line index, final newline. */
  async save(path: string): Promise<void> {
    await writeFile(path, this.toText(), "utf8");
  }

  /** The `vocab.txt` content. */
  toText(): string {
    return `${this.#tokens.join("\n")}\n`;
  }

  /** Number of tokens, special tokens included (the model's `vocab_size`). */
  /** Id of `[PAD]`. */
  get padId(): number {
    return PAD_ID;
  }

  get size(): number {
    return this.#tokens.length;
  }

  /** `basicTokenize`, so callers need not import it separately. */
  tokenize(text: string): string[] {
    return basicTokenize(text);
  }

  /** The id of `token`, or `UNK_ID`. */
  tokenToId(token: string): number {
    return this.#ids.get(token) ?? UNK_ID;
  }

  /** @throws RangeError for an id outside [0, size). */
  idToToken(id: number): string {
    if (!Number.isInteger(id) || id < 0 || id >= this.#tokens.length) {
      throw new RangeError(`WordVocab.idToToken: expected an id in [0, ${this.#tokens.length}), got ${id}`);
    }
    return this.#tokens[id];
  }

  /**
   * Encode one text or a pair in BERT layout: `[CLS] a [SEP]` or `[CLS] a [SEP] b [SEP]`, unpadded.
   *
   * Longest-first truncation to `maxLength` with the rule of HF's fast tokenizers (see `truncateLongestFirst`),
   * so an exported model tokenizes the same in transformers. A single text is cut at the end.
   * @param textB the second sentence of a pair task, or undefined.
   * @throws RangeError if `maxLength` cannot hold the special tokens.
   */
  encode(textA: string, textB: string | undefined, { maxLength }: EncodeOptions): Encoding {
    const nSpecial = textB === undefined ? 2 : 3;
    if (!Number.isInteger(maxLength) || maxLength < nSpecial) {
      throw new RangeError(
        `WordVocab.encode: expected an integer maxLength >= ${nSpecial} (room for the special tokens), got ${maxLength}`,
      );
    }
    const a = basicTokenize(textA);
    const b = textB === undefined ? [] : basicTokenize(textB);
    const [lenA, lenB] =
      textB === undefined
        ? [Math.min(a.length, maxLength - nSpecial), 0]
        : truncateLongestFirst(a.length, b.length, maxLength - nSpecial);
    const T = lenA + lenB + nSpecial;
    const input_ids = new Int32Array(T);
    const token_type_ids = new Int32Array(T);
    let t = 0;
    input_ids[t++] = CLS_ID;
    for (let i = 0; i < lenA; i++) input_ids[t++] = this.tokenToId(a[i]);
    input_ids[t++] = SEP_ID;
    if (textB !== undefined) {
      token_type_ids.fill(1, t);
      for (let i = 0; i < lenB; i++) input_ids[t++] = this.tokenToId(b[i]);
      input_ids[t++] = SEP_ID;
    }
    return { input_ids, token_type_ids };
  }
}
