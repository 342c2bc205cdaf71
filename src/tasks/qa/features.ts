/**
 * Extractive QA features: question + sliding context windows, labelled with the answer's token span, as HF
 * `run_qa.py`'s `prepare_train_features` (fast tokenizer, `truncation="only_second"`, `stride=doc_stride`,
 * `return_overflowing_tokens`, `return_offsets_mapping`).
 *
 * Shape legend: T tokens of one feature (unpadded; `collate`-style padding happens later).
 */
import type { SpecialTemplate } from "../hfTokenizer.js";
import type { TextOffsets } from "./offsets.js";
import type { QaExample } from "./types.js";

/** What feature building needs from a tokenizer (`HfTokenizer` has it). */
export interface QaTokenizer {
  encodeTextWithOffsets(text: string): TextOffsets;
  readonly template: SpecialTemplate;
}

/** Window sizes; SPEC §10's SQuAD values are maxSeqLength 384 or 512, docStride 128, maxQueryLength 64. */
export interface FeatureOptions {
  /** Tokens per feature, special tokens included. */
  maxSeqLength: number;
  /** Tokens shared by consecutive windows (HF's tokenizer `stride`; run_qa's `doc_stride`). */
  docStride: number;
  /** Question tokens kept (the rest is cut), as BERT's `max_query_length`. */
  maxQueryLength: number;
}

/** One window of one example. */
export interface QaFeature {
  /** The example's `id`, and its index in the input list. */
  exampleId: string;
  exampleIndex: number;
  /** `[T]` ids with special tokens; the attention length is `input_ids.length`. */
  input_ids: Int32Array;
  /** `[T]` segment ids from the tokenizer's pair template (0 then 1 for BERT; all 0 for RoBERTa). */
  token_type_ids: Int32Array;
  /** Token index of the window's first context token. */
  contextStart: number;
  /** `[C]` `[start, end)` in the example's context of context tokens `contextStart … contextStart + C - 1`. */
  offsets: [number, number][];
  /** Token indices of the first answer's span in this window, or both 0 ([CLS]) when it is not fully inside. */
  start_positions: number;
  end_positions: number;
}

function checkOptions({ maxSeqLength, docStride, maxQueryLength }: FeatureOptions, nSpecial: number): void {
  const ints = [maxSeqLength, docStride, maxQueryLength].every((n) => Number.isInteger(n) && n >= 0);
  if (!ints || maxQueryLength < 1 || maxSeqLength - nSpecial - maxQueryLength <= docStride) {
    throw new RangeError(
      `buildQaFeatures: expected integers with maxSeqLength - ${nSpecial} special tokens - maxQueryLength > docStride >= 0, got maxSeqLength=${maxSeqLength}, maxQueryLength=${maxQueryLength}, docStride=${docStride}`,
    );
  }
}

/**
 * Tokenise each example and cut its context into windows of at most `maxSeqLength` tokens overlapping by
 * `docStride` tokens, laid out with the tokenizer's pair template (`[CLS] q [SEP] ctx [SEP]` for BERT).
 *
 * As run_qa: leading whitespace of the question is dropped; windows start every `budget - docStride` context
 * tokens (budget = `maxSeqLength` − special tokens − question tokens) and the last one ends at the context's
 * end; the first answer labels a window with its first and last token when it lies fully inside, else [CLS]
 * (index 0) for both. Examples without answers get [CLS] labels (evaluation features).
 * @throws RangeError for sizes that leave no room for a window that advances.
 */
export function buildQaFeatures(
  examples: readonly QaExample[],
  tokenizer: QaTokenizer,
  options: FeatureOptions,
): QaFeature[] {
  const pieces = tokenizer.template.pair;
  const nSpecial = pieces.reduce((n, p) => n + (p.kind === "special" ? p.ids.length : 0), 0);
  checkOptions(options, nSpecial);
  const contexts = new Map<string, TextOffsets>();
  const features: QaFeature[] = [];
  examples.forEach((example, exampleIndex) => {
    const question = tokenizer
      .encodeTextWithOffsets(example.question.trimStart())
      .ids.slice(0, options.maxQueryLength);
    let ctx = contexts.get(example.context);
    if (ctx === undefined) {
      ctx = tokenizer.encodeTextWithOffsets(example.context);
      contexts.set(example.context, ctx);
    }
    const budget = options.maxSeqLength - nSpecial - question.length;
    const n = ctx.ids.length;
    const answer = example.answers[0];
    for (let start = 0; ; start += budget - options.docStride) {
      const stop = Math.min(start + budget, n);
      const T = nSpecial + question.length + (stop - start);
      const input_ids = new Int32Array(T);
      const token_type_ids = new Int32Array(T);
      let t = 0;
      let contextStart = -1;
      for (const piece of pieces) {
        let ids: readonly number[];
        if (piece.kind === "special") ids = piece.ids;
        else if (piece.sequence === "A") ids = question;
        else {
          ids = ctx.ids.slice(start, stop);
          contextStart = t;
        }
        input_ids.set(ids, t);
        token_type_ids.fill(piece.type_id, t, t + ids.length);
        t += ids.length;
      }
      const offsets = ctx.offsets.slice(start, stop);
      const [s, e] =
        answer === undefined ? [0, 0] : labelSpan(offsets, answer.start, answer.start + answer.text.length);
      features.push({
        exampleId: example.id,
        exampleIndex,
        input_ids,
        token_type_ids,
        contextStart,
        offsets,
        start_positions: s < 0 ? 0 : contextStart + s,
        end_positions: s < 0 ? 0 : contextStart + e,
      });
      if (stop >= n) break;
    }
  });
  return features;
}

/**
 * Window-relative token span of characters `[startChar, endChar)`: the last token starting at or before
 * `startChar` and the first token (from the end) ending at or after `endChar`, or `[-1, -1]` when the span is
 * not fully inside the window (run_qa's rule). run_qa's forward scan can run past the window into the final
 * [SEP] (offsets (0, 0)) when the answer starts in the last context token; ours stops at the window's end.
 */
function labelSpan(
  offsets: readonly [number, number][],
  startChar: number,
  endChar: number,
): [number, number] {
  const C = offsets.length;
  if (C === 0 || offsets[0]![0] > startChar || offsets[C - 1]![1] < endChar) return [-1, -1];
  let s = 0;
  while (s < C && offsets[s]![0] <= startChar) s++;
  let e = C - 1;
  while (e >= 0 && offsets[e]![1] >= endChar) e--;
  return [s - 1, e + 1];
}
