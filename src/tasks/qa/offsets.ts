/**
 * Character offsets of tokens in the original text, as HF fast tokenizers' `return_offsets_mapping`, computed
 * by aligning a tokenizer's token strings back to the text (tokenizers.js has no offsets of its own).
 *
 * Offsets are JavaScript string (UTF-16) indices `[start, end)`, so `text.slice(start, end)` is the token's
 * text; HF's Python offsets are code-point indices (they differ only after characters outside the BMP).
 */
import { bertNormalize, bertPreTokenize, type BertNormalizerOptions } from "../wordpiece.js";

/** Token ids of one text without special tokens, and each token's `[start, end)` in the original text. */
export interface TextOffsets {
  ids: number[];
  /** `[T]` pairs; `text.slice(...offsets[t])` is what token t covers (several tokens may share a character). */
  offsets: [number, number][];
}

/** A piece of the raw text: an added token (split off before normalisation) or ordinary text. */
interface Segment {
  start: number;
  end: number;
  added: boolean;
}

/** An entry of `tokenizer.json`'s `added_tokens`: `lstrip`/`rstrip` swallow the whitespace beside it. */
export interface AddedToken {
  content: string;
  lstrip: boolean;
  rstrip: boolean;
}

/**
 * Split `text` on added tokens (leftmost, then longest, match on the raw text), as HF's added-token pass for
 * tokens with `normalized: false`; whitespace swallowed by `lstrip`/`rstrip` belongs to no segment (HF gives it
 * to no token, e.g. the space before RoBERTa's `<mask>`).
 */
export function splitAddedTokens(text: string, added: readonly AddedToken[]): Segment[] {
  const byLength = added.filter((t) => t.content !== "").sort((a, b) => b.content.length - a.content.length);
  const segments: Segment[] = [];
  let start = 0;
  let i = 0;
  while (i < text.length) {
    const hit = byLength.find((t) => text.startsWith(t.content, i));
    if (hit === undefined) {
      i++;
      continue;
    }
    let before = i;
    if (hit.lstrip) while (before > start && /\s/u.test(text[before - 1]!)) before--;
    if (before > start) segments.push({ start, end: before, added: false });
    segments.push({ start: i, end: i + hit.content.length, added: true });
    i += hit.content.length;
    if (hit.rstrip) while (i < text.length && /\s/u.test(text[i]!)) i++;
    start = i;
  }
  if (start < text.length) segments.push({ start, end: text.length, added: false });
  return segments;
}

/**
 * `bertNormalize(text)` with, for every UTF-16 unit of the result, the `[start, end)` of the original character
 * it came from (the alignment HF's `NormalizedString` keeps). Normalising character by character gives the same
 * string as `bertNormalize` on the whole text, up to the order of combining marks it keeps.
 */
export function bertNormalizeAligned(
  text: string,
  options: BertNormalizerOptions,
): { normalized: string; starts: number[]; ends: number[] } {
  let normalized = "";
  const starts: number[] = [];
  const ends: number[] = [];
  let pos = 0;
  for (const ch of text) {
    const out = bertNormalize(ch, options);
    normalized += out;
    for (let k = 0; k < out.length; k++) {
      starts.push(pos);
      ends.push(pos + ch.length);
    }
    pos += ch.length;
  }
  return { normalized, starts, ends };
}

/** What `wordPieceOffsets` needs to know about a WordPiece tokenizer. */
export interface WordPieceAlignOptions {
  normalizer: BertNormalizerOptions;
  /** Tokens split off the raw text before normalisation (`added_tokens`). */
  addedTokens: readonly AddedToken[];
  unkToken: string;
  /** "##" for BERT. */
  prefix: string;
}

function mismatch(what: string, text: string): Error {
  return new Error(
    `encodeTextWithOffsets: expected ${what}, got a mismatch in ${JSON.stringify(text.slice(0, 80))}`,
  );
}

/**
 * The walk both aligners share: an added token is one token covering itself; every other segment of `text`
 * goes to `alignPlain`, which pushes the offsets of the tokens it consumes from index `t` and returns the index
 * after them. Every token must be consumed.
 */
function alignSegments(
  text: string,
  tokens: readonly string[],
  addedTokens: readonly AddedToken[],
  alignPlain: (seg: Segment, t: number, offsets: [number, number][]) => number,
): [number, number][] {
  const offsets: [number, number][] = [];
  let t = 0;
  for (const seg of splitAddedTokens(text, addedTokens)) {
    if (seg.added) {
      if (tokens[t] !== text.slice(seg.start, seg.end)) throw mismatch("an added token", text);
      offsets.push([seg.start, seg.end]);
      t++;
    } else {
      t = alignPlain(seg, t, offsets);
    }
  }
  if (t !== tokens.length) throw mismatch(`${tokens.length} tokens`, text);
  return offsets;
}

/**
 * Offsets of WordPiece `tokens` (the tokenizer's output for `text`, no special tokens): normalise with an
 * alignment, find the pre-tokenised words in the normalised text, and give each piece its characters (a word
 * that became the unknown token gets the whole word).
 * @throws Error when the tokens do not spell out the normalised text (a tokenizer this does not model).
 */
export function wordPieceOffsets(
  text: string,
  tokens: readonly string[],
  options: WordPieceAlignOptions,
): [number, number][] {
  return alignSegments(text, tokens, options.addedTokens, (seg, t, offsets) => {
    const { normalized, starts, ends } = bertNormalizeAligned(
      text.slice(seg.start, seg.end),
      options.normalizer,
    );
    const span = (a: number, b: number): [number, number] => [
      seg.start + starts[a]!,
      seg.start + ends[b - 1]!,
    ];
    let cursor = 0;
    for (const word of bertPreTokenize(normalized)) {
      // Only whitespace separates words, so the next occurrence is this word.
      const wordStart = normalized.indexOf(word, cursor);
      if (wordStart < 0) throw mismatch("pre-tokenised words in the normalised text", text);
      cursor = wordStart + word.length;
      let used = 0;
      while (used < word.length) {
        const token = tokens[t];
        if (token === undefined) throw mismatch("a token for every word", text);
        if (used === 0 && token === options.unkToken && !word.startsWith(token)) {
          offsets.push(span(wordStart, cursor));
          t++;
          break;
        }
        const piece =
          used > 0 && token.startsWith(options.prefix) ? token.slice(options.prefix.length) : token;
        if (piece === "" || !word.startsWith(piece, used))
          throw mismatch("word pieces that spell the word", text);
        offsets.push(span(wordStart + used, wordStart + used + piece.length));
        used += piece.length;
        t++;
      }
    }
    return t;
  });
}

/** GPT-2's byte → printable character map (`bytes_to_unicode`), inverted: character → byte. */
function unicodeToBytes(): Map<string, number> {
  const printable: number[] = [];
  for (let b = 33; b <= 126; b++) printable.push(b);
  for (let b = 161; b <= 172; b++) printable.push(b);
  for (let b = 174; b <= 255; b++) printable.push(b);
  const map = new Map<string, number>();
  const kept = new Set(printable);
  let n = 0;
  for (let b = 0; b < 256; b++) {
    if (kept.has(b)) map.set(String.fromCharCode(b), b);
    else map.set(String.fromCharCode(256 + n++), b);
  }
  return map;
}

const BYTE_OF = unicodeToBytes();
const SPACE_CHAR = "Ġ";

/** What `byteLevelOffsets` needs to know about a byte-level BPE tokenizer (GPT-2, RoBERTa). */
export interface ByteLevelAlignOptions {
  addedTokens: readonly AddedToken[];
  /** The pre-tokenizer prepends a space to text that does not start with whitespace. */
  addPrefixSpace: boolean;
  /** The post-processor trims leading/trailing spaces off offsets (`trim_offsets`, RoBERTa's default). */
  trimOffsets: boolean;
}

/**
 * Offsets of byte-level BPE `tokens`: every token character is one UTF-8 byte of the text, so a token covers
 * the characters its bytes belong to (a token holding part of an emoji gets the whole emoji, as in HF). Then
 * HF's `trim_offsets` rule: drop leading and trailing spaces (`Ġ` or whitespace) from the span, except the one
 * added prefix space of the first token.
 * @throws Error when the tokens do not spell out the text's bytes.
 */
export function byteLevelOffsets(
  text: string,
  tokens: readonly string[],
  options: ByteLevelAlignOptions,
): [number, number][] {
  const encoder = new TextEncoder();
  return alignSegments(text, tokens, options.addedTokens, (seg, t, offsets) => {
    // Per byte: the [start, end) of its character. The added prefix space is aligned with the first character.
    const starts: number[] = [];
    const ends: number[] = [];
    const segText = text.slice(seg.start, seg.end);
    const prefixed = options.addPrefixSpace && !/^\s/u.test(segText);
    let pos = seg.start;
    for (const ch of segText) {
      const n = encoder.encode(ch).length;
      if (prefixed && starts.length === 0) {
        starts.push(pos);
        ends.push(pos + ch.length);
      }
      for (let k = 0; k < n; k++) {
        starts.push(pos);
        ends.push(pos + ch.length);
      }
      pos += ch.length;
    }
    let b = 0;
    while (b < starts.length) {
      const token = tokens[t];
      if (token === undefined) throw mismatch("a token for every byte", text);
      const chars = [...token];
      if (chars.some((c) => !BYTE_OF.has(c)) || b + chars.length > starts.length)
        throw mismatch("byte-level tokens", text);
      let start = starts[b]!;
      let end = ends[b + chars.length - 1]!;
      if (options.trimOffsets) {
        const isSpace = (c: string): boolean => c === SPACE_CHAR || /^\s$/u.test(c);
        let lead = 0;
        while (lead < chars.length && isSpace(chars[lead]!)) lead++;
        let trail = 0;
        while (trail < chars.length && isSpace(chars[chars.length - 1 - trail]!)) trail++;
        if (lead > 0 && !(prefixed && b === 0 && lead === 1)) start = Math.min(start + lead, end);
        if (trail > 0 && end >= trail) end = Math.max(end - trail, start);
      }
      offsets.push([start, end]);
      b += chars.length;
      t++;
    }
    return t;
  });
}
