/**
 * The PRF reformulator at inference: queries with their first k feedback passages → query vectors (batched,
 * compiled once per shape) → exact cosine search over the frozen corpus vectors (trec_eval's tie order, top
 * 1000) → trec_eval's measures against the split's qrels. Used by the family's dev evaluation, `cmploss eval`
 * (one row per feedback count) and the tests.
 */
import { jit, numpy as np, tree } from "@jax-js/jax";
import type { BertConfig } from "../models/bert/config.js";
import {
  applyPrfReformulator,
  type PrfPooling,
  type PrfReformulatorParams,
} from "../models/prfReformulator.js";
import type { HostTokens } from "../models/sentenceEncoder.js";
import { searchDense } from "../tasks/ranking/dense.js";
import type { Qrels, Run } from "../tasks/ranking/formats.js";
import type { PrfQuery } from "../tasks/ranking/prfData.js";
import {
  encodePrfInput,
  prefixLength,
  type PrfEncoding,
  type PrfInputOptions,
  type PrfTokenizer,
} from "../tasks/ranking/prfInput.js";
import { trecEval } from "../tasks/ranking/trecEval.js";
import { consuming } from "../util/own.js";
import type { EvalProgress } from "./log.js";

/** The measures a PRF run reports (metrics.json, the eval table), in this order. */
export const PRF_MEASURES = ["ndcg@10", "mrr@10", "recall@100", "map@1000"] as const;
export type PrfMeasure = (typeof PRF_MEASURES)[number];

/** Documents ranked per query (SPEC §9: the top 1000). */
export const PRF_TOP_K = 1000;

/** Round `longest` up to a multiple of `multiple`, at most `max`. */
export function padTo(longest: number, multiple: number, max: number): number {
  return Math.min(Math.ceil(longest / multiple) * multiple, Math.max(longest, max));
}

/**
 * Host token arrays `[rows, T]` of prefixes of PRF encodings: row r holds the first `lengths[r]` tokens of
 * `encodings[r]`, then padding (mask 0). Rows past the encodings are all padding.
 */
export function prefixTokens(
  encodings: readonly PrfEncoding[],
  lengths: readonly number[],
  rows: number,
  T: number,
  padId: number,
): HostTokens {
  const input_ids = new Int32Array(rows * T).fill(padId);
  const attention_mask = new Int32Array(rows * T);
  const token_type_ids = new Int32Array(rows * T);
  encodings.forEach((e, r) => {
    const n = lengths[r];
    input_ids.set(e.input_ids.subarray(0, n), r * T);
    token_type_ids.set(e.token_type_ids.subarray(0, n), r * T);
    attention_mask.fill(1, r * T, r * T + n);
  });
  return { input_ids, attention_mask, token_type_ids, batchSize: rows, seqLen: T };
}

export interface PrfRetrieverOptions {
  modelConfig: BertConfig;
  pooling: PrfPooling;
  tokenizer: PrfTokenizer & { readonly padId: number };
  input: PrfInputOptions & { maxLength: number };
  /** Queries per forward pass (every pass has this many rows). */
  batchSize: number;
  /** Pad each pass to a multiple of this many tokens. */
  padMultiple: number;
}

export interface PrfRetriever {
  /** `[n, H]` row-major vectors of `queries`, each read with its first `k` feedback passages. */
  queryVectors(
    params: PrfReformulatorParams,
    queries: readonly PrfQuery[],
    k: number,
    onProgress?: EvalProgress,
  ): Promise<Float32Array>;
  dispose(): void;
}

/** A compiled inference pass of the reformulator (params borrowed at each call). */
export function createPrfRetriever(o: PrfRetrieverOptions): PrfRetriever {
  const forward = jit(
    consuming(
      (
        p: PrfReformulatorParams,
        batch: { input_ids: np.Array; attention_mask: np.Array; token_type_ids: np.Array },
      ) => applyPrfReformulator(p, batch, o.modelConfig, o.pooling, true),
    ),
  );
  const H = o.modelConfig.hidden_size;
  return {
    async queryVectors(params, queries, k, onProgress) {
      const out = new Float32Array(queries.length * H);
      onProgress?.(0, queries.length);
      for (let start = 0; start < queries.length; start += o.batchSize) {
        const part = queries.slice(start, start + o.batchSize);
        const enc = part.map((q) => encodePrfInput(o.tokenizer, q.text, q.feedback.slice(0, k), o.input));
        const lengths = enc.map((e) => prefixLength(e, k));
        const T = padTo(Math.max(...lengths), o.padMultiple, o.input.maxLength);
        const host = prefixTokens(enc, lengths, o.batchSize, T, o.tokenizer.padId);
        const shape = [o.batchSize, T];
        const vectors = forward(tree.ref(params), {
          input_ids: np.array(host.input_ids, { dtype: np.int32 }).reshape(shape),
          attention_mask: np.array(host.attention_mask, { dtype: np.int32 }).reshape(shape),
          token_type_ids: np.array(host.token_type_ids, { dtype: np.int32 }).reshape(shape),
        }) as np.Array;
        const data = (await vectors.data()) as Float32Array;
        out.set(data.subarray(0, part.length * H), start * H);
        onProgress?.(start + part.length, queries.length);
      }
      return out;
    },
    dispose: () => forward.dispose(),
  };
}

/** The top `topK` documents of every query by cosine (ties: document id descending). */
export function rankQueries(
  queries: readonly PrfQuery[],
  vectors: Float32Array,
  docs: Float32Array,
  docIds: readonly string[],
  topK = PRF_TOP_K,
): Run {
  const dim = docs.length / docIds.length;
  const hits = searchDense(vectors, docs, dim, docIds, topK);
  return new Map(queries.map((q, i) => [q.qid, hits[i]]));
}

/** trec_eval's PRF_MEASURES of the reformulator reading k feedback passages, over `qrels`' queries. */
export async function evaluatePrf(
  retriever: PrfRetriever,
  params: PrfReformulatorParams,
  queries: readonly PrfQuery[],
  qrels: Qrels,
  docs: Float32Array,
  docIds: readonly string[],
  k: number,
  onProgress?: EvalProgress,
): Promise<Record<PrfMeasure, number>> {
  const vectors = await retriever.queryVectors(params, queries, k, onProgress);
  const run = rankQueries(queries, vectors, docs, docIds);
  return trecEval(qrels, run, PRF_MEASURES).mean as Record<PrfMeasure, number>;
}
