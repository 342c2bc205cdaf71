/**
 * BERT's WordPiece tokenizer built from a bare `vocab.txt`, for old Hugging Face folders without `tokenizer.json`.
 *
 * It mirrors HF's fast (Rust `tokenizers`) pipeline for BERT, `BertNormalizer` → `BertPreTokenizer` →
 * `WordPiece`, with the special tokens split off the raw text first (HF's added-token pass), so the ids equal
 * those of the same model's `tokenizer.json`. Where HF's slow Python `BertTokenizer` differs from the fast one
 * (see `bertNormalize`), this follows the fast one.
 */
import { DataError } from "./errors.js";

/** `BertNormalizer` settings (HF `tokenizer.json` field names). */
export interface BertNormalizerOptions {
  /** Drop control characters, NUL and U+FFFD; turn every whitespace character into a space. */
  clean_text: boolean;
  /** Put spaces around CJK ideographs, so each becomes a word. */
  handle_chinese_chars: boolean;
  /** NFD, then drop non-spacing marks (Mn). `null` follows `lowercase`, as in HF. */
  strip_accents: boolean | null;
  lowercase: boolean;
}

/** bert-base-uncased's normalizer: clean text, space out CJK, strip accents, lower-case. */
export const BERT_UNCASED_NORMALIZER: BertNormalizerOptions = {
  clean_text: true,
  handle_chinese_chars: true,
  strip_accents: null,
  lowercase: true,
};

/**
 * transformers tokenizer classes that build their `BertNormalizer` from `tokenizer_config.json` (see
 * `bertNormalizerFromConfig`); AutoTokenizer picks one of them for BERT-family models when the config names none.
 */
const BERT_TOKENIZER_CLASS =
  /^(Bert|Electra|DistilBert|MobileBert|SqueezeBert|Funnel|Lxmert|LayoutLM)Tokenizer(Fast)?$/;

/** Whether `tokenizer_config.json`'s `tokenizer_class` (undefined when absent) is one of BERT's. */
export function isBertTokenizerClass(tokenizerClass: unknown): boolean {
  return (
    tokenizerClass === undefined ||
    (typeof tokenizerClass === "string" && BERT_TOKENIZER_CLASS.test(tokenizerClass))
  );
}

/**
 * The normalizer that transformers' `BertTokenizer` (v5; `BertTokenizerFast` in v4) builds from
 * `tokenizer_config.json`, ignoring the one saved in `tokenizer.json`: `do_lower_case` default true (so a folder
 * that omits it is lower-cased), `strip_accents` default null (follows lower-casing), `tokenize_chinese_chars`
 * default true. Checked with transformers 5.24.
 */
export function bertNormalizerFromConfig(config: Record<string, unknown>): BertNormalizerOptions {
  return {
    clean_text: true,
    handle_chinese_chars: config.tokenize_chinese_chars !== false,
    strip_accents: typeof config.strip_accents === "boolean" ? config.strip_accents : null,
    lowercase: config.do_lower_case !== false,
  };
}

/** Whitespace as Rust's `char::is_whitespace` (the Unicode White_Space property). */
function isWhitespace(cp: number): boolean {
  return (
    (cp >= 0x09 && cp <= 0x0d) ||
    cp === 0x20 ||
    cp === 0x85 ||
    cp === 0xa0 ||
    cp === 0x1680 ||
    (cp >= 0x2000 && cp <= 0x200a) ||
    cp === 0x2028 ||
    cp === 0x2029 ||
    cp === 0x202f ||
    cp === 0x205f ||
    cp === 0x3000
  );
}

/**
 * Categories Cc, Cf, Co and Cs, except tab, newline and carriage return (whitespace). Rust's `is_other` is
 * documented to include unassigned code points (Cn) too, but its tables do not; HF keeps them, and so do we.
 */
function isControl(ch: string): boolean {
  return ch !== "\t" && ch !== "\n" && ch !== "\r" && /^[\p{Cc}\p{Cf}\p{Co}\p{Cs}]$/u.test(ch);
}

/**
 * CJK Unified Ideographs blocks, as in HF `tokenizers`' `bert.rs`. Its Extension E range starts at U+2B920, not
 * U+2B820 as in the Python `BertTokenizer`; we keep the Rust value because we match the fast tokenizer.
 */
function isChineseChar(cp: number): boolean {
  return (
    (cp >= 0x4e00 && cp <= 0x9fff) ||
    (cp >= 0x3400 && cp <= 0x4dbf) ||
    (cp >= 0x20000 && cp <= 0x2a6df) ||
    (cp >= 0x2a700 && cp <= 0x2b73f) ||
    (cp >= 0x2b740 && cp <= 0x2b81f) ||
    (cp >= 0x2b920 && cp <= 0x2ceaf) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0x2f800 && cp <= 0x2fa1f)
  );
}

/** ASCII punctuation (so `$`, `+`, `^`, `` ` `` count) or Unicode category P, as `BertPreTokenizer`. */
function isPunctuation(ch: string): boolean {
  const c = ch.codePointAt(0)!;
  if ((c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) || (c >= 123 && c <= 126))
    return true;
  return /^\p{P}$/u.test(ch);
}

/**
 * HF's `BertNormalizer`, in the Rust order: clean text, space out CJK, strip accents, lower-case.
 *
 * Deviations of HF's slow Python `BertTokenizer`, which we do not follow: it lower-cases before stripping
 * accents and lower-cases whole strings (so a word-final `Σ` becomes `ς`; here, per character, `σ`); it counts
 * only `Zs` and `\t\n\r` as whitespace; its Extension E range starts at U+2B820.
 */
export function bertNormalize(text: string, options: BertNormalizerOptions): string {
  let out = text;
  if (options.clean_text) {
    let cleaned = "";
    for (const ch of out) {
      const cp = ch.codePointAt(0)!;
      if (cp === 0 || cp === 0xfffd || isControl(ch)) continue;
      cleaned += isWhitespace(cp) ? " " : ch;
    }
    out = cleaned;
  }
  if (options.handle_chinese_chars) {
    let spaced = "";
    for (const ch of out) spaced += isChineseChar(ch.codePointAt(0)!) ? ` ${ch} ` : ch;
    out = spaced;
  }
  if (options.strip_accents ?? options.lowercase) out = out.normalize("NFD").replace(/\p{Mn}/gu, "");
  if (options.lowercase) {
    // Per character, like Rust's `char::to_lowercase`: no context rules such as final sigma.
    let lowered = "";
    for (const ch of out) lowered += ch.toLowerCase();
    out = lowered;
  }
  return out;
}

/** HF's `BertPreTokenizer`: split on whitespace (dropped), then make each punctuation character a word. */
export function bertPreTokenize(text: string): string[] {
  const words: string[] = [];
  let current = "";
  for (const ch of text) {
    if (isWhitespace(ch.codePointAt(0)!)) {
      if (current !== "") words.push(current);
      current = "";
    } else if (isPunctuation(ch)) {
      if (current !== "") words.push(current);
      words.push(ch);
      current = "";
    } else {
      current += ch;
    }
  }
  if (current !== "") words.push(current);
  return words;
}

/** `WordPieceTokenizer` options; defaults are BERT's. */
export interface WordPieceOptions {
  /** Default `BERT_UNCASED_NORMALIZER`: lower-case and strip accents. */
  normalizer?: BertNormalizerOptions;
  /** Default "[UNK]". */
  unk_token?: string;
  /**
   * Tokens split off the raw text before normalisation (HF's special added tokens); each must be in the
   * vocabulary. Default `[PAD] [UNK] [CLS] [SEP] [MASK]` (those present).
   */
  special_tokens?: readonly string[];
  /** Default "##". */
  continuing_subword_prefix?: string;
  /** Longer words become the unknown token; default 100. */
  max_input_chars_per_word?: number;
}

/** The lines of `vocab.txt` text (token i on line i + 1); a BOM and CRLF line ends are accepted. */
export function parseVocabTxt(text: string): string[] {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const lines = body.split("\n").map((l) => (l.endsWith("\r") ? l.slice(0, -1) : l));
  if (lines[lines.length - 1] === "") lines.pop();
  return lines;
}

const DEFAULT_SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"];

/** A BERT WordPiece vocabulary and tokenizer (immutable). Ids are `vocab.txt` line indices. */
export class WordPieceTokenizer {
  readonly #ids: ReadonlyMap<string, number>;
  readonly #size: number;
  readonly #normalizer: BertNormalizerOptions;
  readonly #unk: string;
  readonly #unkId: number;
  readonly #specials: readonly string[];
  readonly #prefix: string;
  readonly #maxChars: number;

  private constructor(
    ids: ReadonlyMap<string, number>,
    size: number,
    options: WordPieceOptions,
    file: string,
  ) {
    this.#ids = ids;
    this.#size = size;
    this.#normalizer = options.normalizer ?? BERT_UNCASED_NORMALIZER;
    const unk = options.unk_token ?? "[UNK]";
    const unkId = ids.get(unk);
    if (unkId === undefined)
      throw new DataError(file, undefined, `the unknown token ${JSON.stringify(unk)}`, "none");
    this.#unk = unk;
    this.#unkId = unkId;
    const specials = options.special_tokens ?? DEFAULT_SPECIALS.filter((t) => ids.has(t));
    for (const t of specials) {
      if (!ids.has(t)) throw new DataError(file, undefined, `the special token ${JSON.stringify(t)}`, "none");
    }
    // Longest first, so that at each position the longest special token wins (HF: leftmost-longest match).
    this.#specials = [...new Set(specials)].filter((t) => t !== "").sort((a, b) => b.length - a.length);
    this.#prefix = options.continuing_subword_prefix ?? "##";
    this.#maxChars = options.max_input_chars_per_word ?? 100;
  }

  /**
   * Build from `vocab.txt` tokens (see `parseVocabTxt`): id = index; a repeated token keeps its last id, as in
   * HF's `load_vocab`.
   * @param file the name used in DataError messages.
   * @throws DataError for an empty vocabulary or one without the unknown or special tokens.
   */
  static fromTokens(
    tokens: readonly string[],
    file: string,
    options: WordPieceOptions = {},
  ): WordPieceTokenizer {
    if (tokens.length === 0)
      throw new DataError(file, undefined, "a vocab.txt with one token per line", "an empty file");
    const ids = new Map<string, number>();
    tokens.forEach((token, i) => ids.set(token, i));
    return new WordPieceTokenizer(ids, tokens.length, options, file);
  }

  /** Number of ids (`vocab.txt` lines), the model's `vocab_size`. */
  get size(): number {
    return this.#size;
  }

  /** The id of `token`, or undefined. */
  tokenToId(token: string): number | undefined {
    return this.#ids.get(token);
  }

  /** Word pieces of `text`, without `[CLS]`/`[SEP]`: special tokens, then normalise, pre-tokenise, WordPiece. */
  tokenize(text: string): string[] {
    const out: string[] = [];
    for (const segment of this.#splitSpecials(text)) {
      if (segment.special) {
        out.push(segment.text);
        continue;
      }
      for (const word of bertPreTokenize(bertNormalize(segment.text, this.#normalizer))) {
        out.push(...this.#wordPiece(word));
      }
    }
    return out;
  }

  /** Ids of `tokenize(text)`. */
  encodeText(text: string): number[] {
    return this.tokenize(text).map((t) => this.#ids.get(t) ?? this.#unkId);
  }

  #splitSpecials(text: string): { text: string; special: boolean }[] {
    const segments: { text: string; special: boolean }[] = [];
    let start = 0;
    let i = 0;
    while (i < text.length) {
      const hit = this.#specials.find((t) => text.startsWith(t, i));
      if (hit === undefined) {
        i++;
        continue;
      }
      if (i > start) segments.push({ text: text.slice(start, i), special: false });
      segments.push({ text: hit, special: true });
      i += hit.length;
      start = i;
    }
    if (start < text.length) segments.push({ text: text.slice(start), special: false });
    return segments;
  }

  /** Greedy longest-match-first, by code points; a word with an unmatched piece is one unknown token. */
  #wordPiece(word: string): string[] {
    const chars = [...word];
    const unk = [this.#unk];
    if (chars.length > this.#maxChars) return unk;
    const pieces: string[] = [];
    let start = 0;
    while (start < chars.length) {
      let end = chars.length;
      let piece: string | undefined;
      while (start < end) {
        const sub = (start > 0 ? this.#prefix : "") + chars.slice(start, end).join("");
        if (this.#ids.has(sub)) {
          piece = sub;
          break;
        }
        end--;
      }
      if (piece === undefined) return unk;
      pieces.push(piece);
      start = end;
    }
    return pieces;
  }
}
