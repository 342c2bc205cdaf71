/**
 * Hugging Face tokenizers for pretrained BERT-family folders (BERT, RoBERTa, ELECTRA, MiniLM), with the same
 * `encode` interface and unpadded output as `WordVocab`, and ids identical to HF's fast tokenizer.
 */
import { Tokenizer } from "@huggingface/tokenizers";
import { TOKENIZER_FILE } from "../models/hf/files.js";
import { DataError } from "./errors.js";
import { byteLevelOffsets, wordPieceOffsets, type TextOffsets } from "./qa/offsets.js";
import { truncateLongestFirst } from "./truncation.js";
import type { EncodeOptions, Encoding } from "./vocab.js";
import {
  bertNormalize,
  bertNormalizerFromConfig,
  isBertTokenizerClass,
  parseVocabTxt,
  WordPieceTokenizer,
  type BertNormalizerOptions,
} from "./wordpiece.js";

/** Anything that turns a text (pair) into model-layout ids: `WordVocab` or `HfTokenizer`. */
export interface TokenEncoder {
  /** Unpadded ids with the model's special tokens; `input_ids.length <= maxLength`. */
  encode(textA: string, textB: string | undefined, options: EncodeOptions): Encoding;
  /** Number of ids (the model's `vocab_size`). */
  readonly size: number;
  /** The id that `collate` pads `input_ids` with. */
  readonly padId: number;
}

/** One part of a special-token template, as HF's `TemplateProcessing`: fixed ids, or the tokens of text A/B. */
export type TemplatePiece =
  | { kind: "special"; ids: readonly number[]; type_id: number }
  | { kind: "sequence"; sequence: "A" | "B"; type_id: number };

/** Where the special tokens go, for a single text and for a pair. */
export interface SpecialTemplate {
  single: readonly TemplatePiece[];
  pair: readonly TemplatePiece[];
}

/** BERT/ELECTRA/MiniLM: `[CLS] A [SEP]`, `[CLS] A [SEP] B [SEP]`, token types 0 then 1 from `B`. */
export function bertTemplate(clsId: number, sepId: number): SpecialTemplate {
  const cls: TemplatePiece = { kind: "special", ids: [clsId], type_id: 0 };
  const sep = (type_id: number): TemplatePiece => ({ kind: "special", ids: [sepId], type_id });
  const a: TemplatePiece = { kind: "sequence", sequence: "A", type_id: 0 };
  return {
    single: [cls, a, sep(0)],
    pair: [cls, a, sep(0), { kind: "sequence", sequence: "B", type_id: 1 }, sep(1)],
  };
}

/** RoBERTa: `<s> A </s>`, `<s> A </s></s> B </s>`, every token type 0 (HF's `RobertaProcessing`). */
export function robertaTemplate(clsId: number, sepId: number): SpecialTemplate {
  const cls: TemplatePiece = { kind: "special", ids: [clsId], type_id: 0 };
  const sep: TemplatePiece = { kind: "special", ids: [sepId], type_id: 0 };
  const a: TemplatePiece = { kind: "sequence", sequence: "A", type_id: 0 };
  const b: TemplatePiece = { kind: "sequence", sequence: "B", type_id: 0 };
  return { single: [cls, a, sep], pair: [cls, a, sep, sep, b, sep] };
}

function countSpecial(pieces: readonly TemplatePiece[]): number {
  return pieces.reduce((n, p) => n + (p.kind === "special" ? p.ids.length : 0), 0);
}

/**
 * The part of tokenizers.js's `Tokenizer` we use. Its bundled `.d.ts` files import each other without file
 * extensions, which NodeNext cannot resolve, so the import is untyped and this interface types it.
 */
interface TokenizersJs {
  encode(text: string, options: { add_special_tokens: boolean }): { ids: number[]; tokens: string[] };
  token_to_id(token: string): number | undefined;
  get_vocab(with_added_tokens: boolean): Map<string, number>;
  /** Called on each piece of text between added tokens (a tokenizers.js `Normalizer` is a callable object). */
  normalizer: ((text: string) => string) | null;
}

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** A special token as `tokenizer_config.json` and `special_tokens_map.json` store it: a string or `{content}`. */
function tokenName(v: unknown): string | undefined {
  if (typeof v === "string") return v;
  if (isObject(v) && typeof v.content === "string") return v.content;
  return undefined;
}

/** A JSON file's content as an object: text is parsed, an object passed through. */
function jsonObject(content: string | object, file: string): Json {
  let parsed: unknown = content;
  if (typeof content === "string") {
    try {
      parsed = JSON.parse(content);
    } catch (err) {
      throw new DataError(file, undefined, "valid JSON", (err as Error).message);
    }
  }
  if (!isObject(parsed)) {
    const got = Array.isArray(parsed) ? "an array" : parsed === null ? "null" : typeof parsed;
    throw new DataError(file, undefined, "a JSON object", got);
  }
  return parsed;
}

/**
 * The files of a Hugging Face tokenizer, as text (or JSON already parsed). `tokenizerJson` or `vocabTxt` is
 * required; the two configs are read when present, as transformers does.
 */
export interface TokenizerFiles {
  tokenizerJson?: string | object;
  vocabTxt?: string;
  tokenizerConfig?: string | object;
  specialTokensMap?: string | object;
}

/** The fields of `TokenizerFiles`, in reading order. */
const TOKENIZER_FIELDS: readonly (keyof TokenizerFiles)[] = [
  "tokenizerJson",
  "vocabTxt",
  "tokenizerConfig",
  "specialTokensMap",
];

/** Which file a tokenizer's vocabulary came from. */
type VocabSource = (typeof TOKENIZER_FILE)["tokenizerJson" | "vocabTxt"];

/** `<dir>/<name>` without a doubled separator (node:path is not available in browsers). */
function inFolder(dir: string, name: string): string {
  return `${dir.replace(/[\\/]+$/, "")}/${name}`;
}

/** Read a folder's tokenizer files with Node's file system (only when `fromFolder` is called). */
async function readTokenizerFolder(dir: string): Promise<TokenizerFiles> {
  const fs = (
    globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }
  ).process?.getBuiltinModule?.("node:fs/promises") as typeof import("node:fs/promises") | undefined;
  if (!fs) {
    throw new Error(
      "HfTokenizer.fromFolder: reading a folder needs Node; in a browser, fetch the files and use HfTokenizer.fromFiles",
    );
  }
  let entries: string[];
  try {
    entries = await fs.readdir(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new Error(
      `HfTokenizer.fromFolder: expected a folder with tokenizer.json or vocab.txt, got ${dir} (${code === "ENOENT" ? "no such folder" : (code ?? "unreadable")})`,
    );
  }
  const files: TokenizerFiles = {};
  for (const field of TOKENIZER_FIELDS) {
    const name = TOKENIZER_FILE[field];
    if (!entries.includes(name)) continue;
    if (field === "vocabTxt" && entries.includes(TOKENIZER_FILE.tokenizerJson)) continue; // tokenizer.json wins
    const path = inFolder(dir, name);
    try {
      files[field] = await fs.readFile(path, "utf8");
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? "an error";
      throw new DataError(path, undefined, "a readable file", code);
    }
  }
  if (files.tokenizerJson === undefined && files.vocabTxt === undefined) {
    const shown =
      entries.slice(0, 10).join(", ") + (entries.length > 10 ? `, … (${entries.length} in all)` : "");
    throw new Error(
      `HfTokenizer.fromFolder: expected tokenizer.json (any BERT-family model) or vocab.txt (BERT WordPiece) in ${dir}, found ${entries.length ? shown : "an empty folder"}`,
    );
  }
  return files;
}

/** The special-token template of a `tokenizer.json` `post_processor`. */
function parsePostProcessor(pp: unknown, file: string): SpecialTemplate {
  const expected = "a post_processor of type BertProcessing, RobertaProcessing or TemplateProcessing";
  if (!isObject(pp)) throw new DataError(file, undefined, expected, JSON.stringify(pp));
  const idOf = (field: string): number => {
    const pair = pp[field];
    if (!Array.isArray(pair) || typeof pair[1] !== "number") {
      throw new DataError(file, undefined, `post_processor.${field} as [token, id]`, JSON.stringify(pair));
    }
    return pair[1];
  };
  switch (pp.type) {
    case "BertProcessing":
      return bertTemplate(idOf("cls"), idOf("sep"));
    case "RobertaProcessing":
      return robertaTemplate(idOf("cls"), idOf("sep"));
    case "TemplateProcessing":
      return parseTemplateProcessing(pp, file);
    case "Sequence": {
      // ByteLevel only adjusts offsets; the one other processor places the special tokens.
      const inner = Array.isArray(pp.processors)
        ? pp.processors.filter((p) => !(isObject(p) && p.type === "ByteLevel"))
        : [];
      if (inner.length === 1) return parsePostProcessor(inner[0], file);
      throw new DataError(file, undefined, `${expected} in the Sequence`, `${inner.length} such processors`);
    }
    default:
      throw new DataError(file, undefined, expected, JSON.stringify(pp.type));
  }
}

function parseTemplateProcessing(pp: Json, file: string): SpecialTemplate {
  const specials = isObject(pp.special_tokens) ? pp.special_tokens : {};
  const parse = (field: "single" | "pair"): TemplatePiece[] => {
    const list = pp[field];
    if (!Array.isArray(list))
      throw new DataError(file, undefined, `post_processor.${field} as a list`, typeof list);
    return list.map((item: unknown): TemplatePiece => {
      const bad = () => new DataError(file, undefined, `a ${field} template piece`, JSON.stringify(item));
      if (!isObject(item)) throw bad();
      if (isObject(item.SpecialToken)) {
        const { id, type_id } = item.SpecialToken;
        const entry = typeof id === "string" ? specials[id] : undefined;
        if (!isObject(entry) || !Array.isArray(entry.ids) || typeof type_id !== "number") throw bad();
        return { kind: "special", ids: entry.ids.map(Number), type_id };
      }
      if (isObject(item.Sequence)) {
        const { id, type_id } = item.Sequence;
        if ((id !== "A" && id !== "B") || typeof type_id !== "number") throw bad();
        return { kind: "sequence", sequence: id, type_id };
      }
      throw bad();
    });
  };
  return { single: parse("single"), pair: parse("pair") };
}

/** Ids of one text without special tokens, plus what `encode` needs around them. */
interface Backend {
  encodeText(text: string): number[];
  /** Undefined for a tokenizer.json whose offsets we cannot align (not WordPiece+BertNormalizer or ByteLevel). */
  encodeTextWithOffsets: ((text: string) => TextOffsets) | undefined;
  tokenToId(token: string): number | undefined;
  size: number;
  template: SpecialTemplate;
}

function fromTokenizerJson(tokenizerJson: Json, config: Json, file: string): Backend {
  const normalizer = tokenizerJson.normalizer;
  let bertNormalizer: BertNormalizerOptions | undefined;
  if (isObject(normalizer) && normalizer.type === "BertNormalizer") {
    bertNormalizer = isBertTokenizerClass(config.tokenizer_class)
      ? bertNormalizerFromConfig(config)
      : {
          clean_text: normalizer.clean_text !== false,
          handle_chinese_chars: normalizer.handle_chinese_chars !== false,
          strip_accents: typeof normalizer.strip_accents === "boolean" ? normalizer.strip_accents : null,
          lowercase: normalizer.lowercase !== false,
        };
  }
  // As transformers' RobertaTokenizer: add_prefix_space in tokenizer_config.json overrides tokenizer.json's.
  const pre = tokenizerJson.pre_tokenizer;
  const json =
    isObject(pre) && pre.type === "ByteLevel" && typeof config.add_prefix_space === "boolean"
      ? { ...tokenizerJson, pre_tokenizer: { ...pre, add_prefix_space: config.add_prefix_space } }
      : tokenizerJson;
  let tokenizer: TokenizersJs;
  try {
    tokenizer = new Tokenizer(json, config) as TokenizersJs;
  } catch (err) {
    throw new DataError(
      file,
      undefined,
      "a tokenizer.json that @huggingface/tokenizers accepts",
      (err as Error).message,
    );
  }
  // tokenizers.js's BertNormalizer misses CJK outside the BMP and lower-cases whole strings (final sigma); the
  // Rust one, which produced the model's training data, does neither.
  if (bertNormalizer) {
    const options = bertNormalizer;
    tokenizer.normalizer = (text) => bertNormalize(text, options);
  }
  const vocab = tokenizer.get_vocab(true);
  let size = 0;
  for (const id of vocab.values()) size = Math.max(size, id + 1);
  return {
    encodeText: (text) => tokenizer.encode(text, { add_special_tokens: false }).ids,
    encodeTextWithOffsets: offsetsFromTokenizerJson(tokenizerJson, tokenizer, bertNormalizer, config),
    tokenToId: (token) => tokenizer.token_to_id(token),
    size,
    template: parsePostProcessor(tokenizerJson.post_processor, file),
  };
}

/** The offset aligner for a `tokenizer.json`, when its pipeline is one `qa/offsets.ts` models. */
function offsetsFromTokenizerJson(
  json: Json,
  tokenizer: TokenizersJs,
  bertNormalizer: BertNormalizerOptions | undefined,
  config: Json,
): ((text: string) => TextOffsets) | undefined {
  const model = isObject(json.model) ? json.model : {};
  const pre = isObject(json.pre_tokenizer) ? json.pre_tokenizer : {};
  const addedTokens = (Array.isArray(json.added_tokens) ? json.added_tokens : []).flatMap((t: unknown) =>
    isObject(t) && typeof t.content === "string"
      ? [{ content: t.content, lstrip: t.lstrip === true, rstrip: t.rstrip === true }]
      : [],
  );
  const run = (align: (text: string, tokens: string[]) => [number, number][]) => (text: string) => {
    const { ids, tokens } = tokenizer.encode(text, { add_special_tokens: false });
    return { ids, offsets: align(text, tokens) };
  };
  if (model.type === "WordPiece" && bertNormalizer && pre.type === "BertPreTokenizer") {
    const options = {
      normalizer: bertNormalizer,
      addedTokens,
      unkToken: typeof model.unk_token === "string" ? model.unk_token : "[UNK]",
      prefix: typeof model.continuing_subword_prefix === "string" ? model.continuing_subword_prefix : "##",
    };
    return run((text, tokens) => wordPieceOffsets(text, tokens, options));
  }
  if (model.type === "BPE" && json.normalizer == null && pre.type === "ByteLevel") {
    const pp = isObject(json.post_processor) ? json.post_processor : {};
    const processors = pp.type === "Sequence" && Array.isArray(pp.processors) ? pp.processors : [pp];
    const trimOffsets = processors.some((p: unknown) => isObject(p) && p.trim_offsets === true);
    const addPrefixSpace =
      typeof config.add_prefix_space === "boolean" ? config.add_prefix_space : pre.add_prefix_space === true;
    const options = { addedTokens, addPrefixSpace, trimOffsets };
    return run((text, tokens) => byteLevelOffsets(text, tokens, options));
  }
  return undefined;
}

function fromVocabTxt(text: string, config: Json, file: string): Backend {
  const name = (field: string, fallback: string): string => tokenName(config[field]) ?? fallback;
  const cls = name("cls_token", "[CLS]");
  const sep = name("sep_token", "[SEP]");
  const extra = Array.isArray(config.additional_special_tokens)
    ? config.additional_special_tokens.map(tokenName).filter((t): t is string => t !== undefined)
    : [];
  const tokens = parseVocabTxt(text);
  const known = new Set(tokens);
  const unk = name("unk_token", "[UNK]");
  const specials = [name("pad_token", "[PAD]"), unk, cls, sep, name("mask_token", "[MASK]"), ...extra];
  const wordpiece = WordPieceTokenizer.fromTokens(tokens, file, {
    normalizer: bertNormalizerFromConfig(config),
    unk_token: unk,
    special_tokens: specials.filter((t) => known.has(t)),
  });
  const idOf = (token: string): number => {
    const id = wordpiece.tokenToId(token);
    if (id === undefined) throw new DataError(file, undefined, `the token ${JSON.stringify(token)}`, "none");
    return id;
  };
  const alignOptions = {
    normalizer: bertNormalizerFromConfig(config),
    addedTokens: specials
      .filter((t) => known.has(t))
      .map((content) => ({ content, lstrip: false, rstrip: false })),
    unkToken: unk,
    prefix: "##",
  };
  return {
    encodeText: (t) => wordpiece.encodeText(t),
    encodeTextWithOffsets: (text) => {
      const tokens = wordpiece.tokenize(text);
      const unkId = idOf(unk);
      return {
        ids: tokens.map((t) => wordpiece.tokenToId(t) ?? unkId),
        offsets: wordPieceOffsets(text, tokens, alignOptions),
      };
    },
    tokenToId: (t) => wordpiece.tokenToId(t),
    size: wordpiece.size,
    template: bertTemplate(idOf(cls), idOf(sep)),
  };
}

/**
 * A pretrained model's tokenizer, read from a Hugging Face folder. Immutable.
 *
 * `tokenizer.json` is run by `@huggingface/tokenizers` (with HF's Rust `BertNormalizer` for BERT-style files);
 * a folder with only `vocab.txt` (old BERT checkpoints) gets `WordPieceTokenizer`. Special tokens come from the
 * `post_processor` (or BERT's layout for vocab.txt), truncation is HF's `longest_first`, so `encode` equals
 * `AutoTokenizer(...)(a, b, truncation=True, max_length=maxLength)` of the fast tokenizer.
 */
export class HfTokenizer implements TokenEncoder {
  readonly #backend: Backend;
  /** Which file the vocabulary came from. */
  readonly source: VocabSource;
  readonly padId: number;

  private constructor(backend: Backend, source: VocabSource, padId: number) {
    this.#backend = backend;
    this.source = source;
    this.padId = padId;
  }

  /**
   * Read `tokenizer.json`, else `vocab.txt`, with `tokenizer_config.json` and `special_tokens_map.json` when
   * present (`do_lower_case`, `strip_accents`, `tokenize_chinese_chars`, the special token names). Node only;
   * see `fromFiles` for the browser.
   * @throws Error naming the folder when it has neither file; DataError for a file that cannot be used.
   */
  static async fromFolder(dir: string): Promise<HfTokenizer> {
    return HfTokenizer.fromFiles(await readTokenizerFolder(dir), dir);
  }

  /**
   * The tokenizer from its files' contents (e.g. fetched in a browser); the same result as `fromFolder` on a
   * folder holding them. `where` names the files' folder in errors.
   * @throws Error when neither `tokenizerJson` nor `vocabTxt` is given; DataError for a file that cannot be used.
   */
  static fromFiles(files: TokenizerFiles, where = "."): HfTokenizer {
    const fileName = (field: keyof TokenizerFiles) => inFolder(where, TOKENIZER_FILE[field]);
    const optional = (field: "tokenizerConfig" | "specialTokensMap"): Json => {
      const content = files[field];
      return content === undefined ? {} : jsonObject(content, fileName(field));
    };
    // tokenizer_config.json wins over special_tokens_map.json, as in transformers.
    const config = { ...optional("specialTokensMap"), ...optional("tokenizerConfig") };
    let backend: Backend;
    let source: VocabSource;
    let padFallback: string | undefined;
    if (files.tokenizerJson !== undefined) {
      const file = fileName("tokenizerJson");
      const json = jsonObject(files.tokenizerJson, file);
      backend = fromTokenizerJson(json, config, file);
      source = TOKENIZER_FILE.tokenizerJson;
      padFallback = isObject(json.padding) ? tokenName(json.padding.pad_token) : undefined;
    } else if (files.vocabTxt !== undefined) {
      backend = fromVocabTxt(files.vocabTxt, config, fileName("vocabTxt"));
      source = TOKENIZER_FILE.vocabTxt;
    } else {
      throw new Error(
        `HfTokenizer.fromFiles: expected tokenizer.json (any BERT-family model) or vocab.txt (BERT WordPiece) for ${where}, got neither`,
      );
    }
    const padToken =
      tokenName(config.pad_token) ??
      padFallback ??
      ["[PAD]", "<pad>"].find((t) => backend.tokenToId(t) !== undefined);
    const padId = padToken === undefined ? undefined : backend.tokenToId(padToken);
    if (padId === undefined) {
      throw new Error(
        `HfTokenizer: expected a pad token (pad_token in tokenizer_config.json, or [PAD]/<pad> in the vocabulary) in ${where}, got ${padToken === undefined ? "none" : `${JSON.stringify(padToken)}, not in the vocabulary`}`,
      );
    }
    return new HfTokenizer(backend, source, padId);
  }

  /** Number of ids, added tokens included (the model's `vocab_size`). */
  get size(): number {
    return this.#backend.size;
  }

  /** The id of `token` (special tokens included), or undefined. */
  tokenToId(token: string): number | undefined {
    return this.#backend.tokenToId(token);
  }

  /** Ids of `text` without special tokens and without truncation. */
  encodeText(text: string): number[] {
    return this.#backend.encodeText(text);
  }

  /**
   * Ids of `text` without special tokens or truncation (equal to `encodeText`), with each token's `[start, end)`
   * in `text` as UTF-16 indices, like HF fast tokenizers' `return_offsets_mapping` (HF counts code points; the
   * two differ only after characters outside the BMP). Used to map QA answer spans between characters and tokens.
   * @throws Error for a tokenizer.json pipeline other than WordPiece with BertNormalizer or byte-level BPE.
   */
  encodeTextWithOffsets(text: string): TextOffsets {
    const align = this.#backend.encodeTextWithOffsets;
    if (align === undefined) {
      throw new Error(
        "HfTokenizer.encodeTextWithOffsets: expected a WordPiece (BertNormalizer) or byte-level BPE tokenizer.json, got another pipeline",
      );
    }
    return align(text);
  }

  /** Where the model's special tokens go (`[CLS] A [SEP] B [SEP]` for BERT), e.g. to lay out QA windows. */
  get template(): SpecialTemplate {
    return this.#backend.template;
  }

  /**
   * Encode one text or a pair with the model's special tokens, unpadded, truncated `longest_first` so that
   * `input_ids.length <= maxLength` (see `truncateLongestFirst`).
   * @param textB the second text of a pair task, or undefined.
   * @throws RangeError if `maxLength` cannot hold the special tokens.
   */
  encode(textA: string, textB: string | undefined, { maxLength }: EncodeOptions): Encoding {
    const pieces = textB === undefined ? this.#backend.template.single : this.#backend.template.pair;
    const nSpecial = countSpecial(pieces);
    if (!Number.isInteger(maxLength) || maxLength < nSpecial) {
      throw new RangeError(
        `HfTokenizer.encode: expected an integer maxLength >= ${nSpecial} (room for the special tokens), got ${maxLength}`,
      );
    }
    let a = this.#backend.encodeText(textA);
    let b = textB === undefined ? [] : this.#backend.encodeText(textB);
    if (textB === undefined) {
      a = a.slice(0, maxLength - nSpecial);
    } else {
      const [lenA, lenB] = truncateLongestFirst(a.length, b.length, maxLength - nSpecial);
      a = a.slice(0, lenA);
      b = b.slice(0, lenB);
    }
    const T = nSpecial + a.length + b.length;
    const input_ids = new Int32Array(T);
    const token_type_ids = new Int32Array(T);
    let t = 0;
    for (const piece of pieces) {
      const ids = piece.kind === "special" ? piece.ids : piece.sequence === "A" ? a : b;
      input_ids.set(ids, t);
      token_type_ids.fill(piece.type_id, t, t + ids.length);
      t += ids.length;
    }
    return { input_ids, token_type_ids };
  }
}

export { truncateLongestFirst };
