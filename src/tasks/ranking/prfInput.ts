/**
 * The reformulator's input for pseudo-relevance feedback (SPEC §9, LoL's layout):
 *
 *   [CLS] q [SEP] p1 [SEP] p2 [SEP] … pk [SEP]      token type 0 up to the query's [SEP], 1 after it
 *
 * - the query is encoded with the model's special tokens and at most `maxQueryTokens` tokens of its own
 *   (default 128, so ≤ 130 with [CLS] and [SEP]);
 * - each passage adds at most min(`maxPassageTokens`, room − 1) tokens of its own and one [SEP], where room is
 *   `maxLength` minus the tokens so far (default 512, passages 128);
 * - passages stop being added when fewer than `minRoom` (10) tokens remain.
 *
 * `ends[k]` is the input's length with the first k passages (`ends[0]`: the query alone), so the variants of a
 * feedback plan (nested prefixes of one passage list) are prefixes of one encoding: `prefixLength(enc, k)`.
 */
import type { TokenEncoder } from "../hfTokenizer.js";

export interface PrfInputOptions {
  /** Total tokens (default 512). */
  maxLength?: number;
  /** The query's own tokens, without special tokens (default 128). */
  maxQueryTokens?: number;
  /** Each passage's own tokens, without its [SEP] (default 128). */
  maxPassageTokens?: number;
  /** Stop adding passages when fewer tokens than this remain (default 10). */
  minRoom?: number;
}

export interface PrfEncoding {
  input_ids: Int32Array;
  token_type_ids: Int32Array;
  /** `ends[k]`: length of the input holding the query and the first k passages; `ends.length − 1` passages fit. */
  ends: number[];
}

/** What the encoder needs of a tokenizer: text ids, the special-token template, `encode` for the query. */
export type PrfTokenizer = Pick<TokenEncoder, "encode"> & {
  encodeText(text: string): number[];
  readonly template: {
    single: readonly ({ kind: "special"; ids: readonly number[] } | { kind: "sequence" })[];
  };
};

/** The separator a single-text encoding ends with ([SEP] for BERT, </s> for RoBERTa). */
function separatorId(tokenizer: PrfTokenizer): number {
  const last = tokenizer.template.single[tokenizer.template.single.length - 1];
  if (!last || last.kind !== "special" || last.ids.length === 0)
    throw new Error(
      "encodePrfInput: expected the tokenizer's single-text template to end with a separator token",
    );
  return last.ids[last.ids.length - 1];
}

/** Encode a query with its feedback passages (texts, in reading order). */
export function encodePrfInput(
  tokenizer: PrfTokenizer,
  query: string,
  passages: readonly string[],
  options: PrfInputOptions = {},
): PrfEncoding {
  const { maxLength = 512, maxQueryTokens = 128, maxPassageTokens = 128, minRoom = 10 } = options;
  const q = tokenizer.encode(query, undefined, { maxLength: Math.min(maxQueryTokens + 2, maxLength) });
  const ids = Array.from(q.input_ids);
  const types = Array.from(q.token_type_ids);
  const ends = [ids.length];
  const sep = separatorId(tokenizer);
  for (const p of passages) {
    const room = maxLength - ids.length;
    if (room < minRoom) break;
    const own = tokenizer.encodeText(p).slice(0, Math.min(maxPassageTokens, room - 1));
    for (const id of own) ids.push(id);
    ids.push(sep);
    while (types.length < ids.length) types.push(1);
    ends.push(ids.length);
  }
  return { input_ids: Int32Array.from(ids), token_type_ids: Int32Array.from(types), ends };
}

/** Tokens of the input with the first k passages (k beyond the passages that fit: all of them). */
export function prefixLength(enc: PrfEncoding, k: number): number {
  return enc.ends[Math.min(k, enc.ends.length - 1)];
}
