/**
 * Dense first-stage retrieval on the host side: texts → padded token batches for an encoder (the model side,
 * `models/sentenceEncoder.ts`, is passed in), the corpus's vectors cached as safetensors, and exact
 * inner-product search with trec_eval's tie order.
 *
 * Documents are encoded as `title + " " + text` (BEIR's convention for dense models, title omitted when empty),
 * queries as their text, each truncated to `maxLength` tokens with the model's special tokens.
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { encodeSafetensors, decodeSafetensors } from "../../io/safetensors.js";
import { writeFileAtomic } from "../../io/atomic.js";
import type { TokenEncoder } from "../hfTokenizer.js";
import type { RankDoc, RunEntry } from "./formats.js";
import { compareIds } from "./trecEval.js";

/** Turns a text into model-layout ids, and pads with `padId` (an `HfTokenizer`). */
export type PaddingTokenizer = Pick<TokenEncoder, "encode"> & { readonly padId: number };

/** One padded batch, as `models/sentenceEncoder.ts` takes it. */
export interface TokenBatch {
  input_ids: Int32Array;
  attention_mask: Int32Array;
  token_type_ids: Int32Array;
  batchSize: number;
  seqLen: number;
}

/** The model side: vectors `[B, dim]` row-major for one batch. */
export interface BatchEncoder {
  readonly dim: number;
  encode(batch: TokenBatch): Promise<Float32Array>;
}

export interface EmbedOptions {
  maxLength: number;
  batchSize: number;
  /**
   * Pad each batch to a multiple of this many tokens (default 64). Every distinct batch shape is compiled once
   * and keeps its own buffers, so few shapes matter: with the default and the short last batch padded to
   * `batchSize` rows, a 256-token model sees at most 4 shapes.
   */
  padMultiple?: number;
  /** Called after each batch with the texts done so far. */
  onProgress?: (done: number, total: number) => void;
}

/** A document's text for a dense encoder. */
export function docText(d: RankDoc): string {
  return d.title ? `${d.title} ${d.text}` : d.text;
}

/**
 * Encode `texts` → `[n, dim]` row-major vectors. Texts are batched in length order (little padding); the
 * vectors come back in the input order. Every batch has `batchSize` rows.
 */
export async function embedTexts(
  texts: readonly string[],
  tokenizer: PaddingTokenizer,
  encoder: BatchEncoder,
  { maxLength, batchSize, padMultiple = 64, onProgress }: EmbedOptions,
): Promise<Float32Array> {
  const encoded = texts.map((t) => tokenizer.encode(t, undefined, { maxLength }));
  const order = encoded
    .map((_, i) => i)
    .sort((a, b) => encoded[a].input_ids.length - encoded[b].input_ids.length);
  const dim = encoder.dim;
  const out = new Float32Array(texts.length * dim);
  for (let start = 0; start < order.length; start += batchSize) {
    const idx = order.slice(start, start + batchSize);
    const longest = Math.max(...idx.map((i) => encoded[i].input_ids.length));
    const T = Math.min(Math.ceil(longest / padMultiple) * padMultiple, Math.max(longest, maxLength));
    // Rows past the texts (the last batch's) stay padding, with a zero mask; their vectors are dropped.
    const B = batchSize;
    const input_ids = new Int32Array(B * T).fill(tokenizer.padId);
    const attention_mask = new Int32Array(B * T);
    const token_type_ids = new Int32Array(B * T);
    idx.forEach((i, b) => {
      const e = encoded[i];
      input_ids.set(e.input_ids, b * T);
      token_type_ids.set(e.token_type_ids, b * T);
      attention_mask.fill(1, b * T, b * T + e.input_ids.length);
    });
    const vectors = await encoder.encode({
      input_ids,
      attention_mask,
      token_type_ids,
      batchSize: B,
      seqLen: T,
    });
    if (vectors.length !== B * dim)
      throw new Error(`embedTexts: the encoder returned ${vectors.length} values for ${B} × ${dim}`);
    idx.forEach((i, b) => out.set(vectors.subarray(b * dim, (b + 1) * dim), i * dim));
    onProgress?.(Math.min(start + batchSize, order.length), order.length);
  }
  return out;
}

/** What decides a corpus's vectors: the model (name and a fingerprint of its weights) and the settings. */
export interface EmbeddingKey {
  model: string;
  /** e.g. the size and sha256 of config.json + the weights file's size and mtime. */
  modelFingerprint: string;
  maxLength: number;
  pooling: string;
}

/** sha256 of the corpus's ids and texts, in order. */
export function corpusFingerprint(corpus: readonly RankDoc[]): string {
  const h = createHash("sha256");
  for (const d of corpus) h.update(`${d.id}\u0000${d.title}\u0000${d.text}\u0001`);
  return h.digest("hex");
}

/** The cache file's name for these settings and this corpus: `dense-<16 hex>.safetensors`. */
export function embeddingCacheName(key: EmbeddingKey, corpus: readonly RankDoc[]): string {
  const h = createHash("sha256").update(JSON.stringify({ ...key, corpus: corpusFingerprint(corpus) }));
  return `dense-${h.digest("hex").slice(0, 16)}.safetensors`;
}

/** Write the corpus's vectors with their key (metadata), atomically. */
export function writeEmbeddingCache(
  file: string,
  vectors: Float32Array,
  dim: number,
  key: EmbeddingKey,
  corpus: readonly RankDoc[],
): void {
  const bytes = new Uint8Array(vectors.buffer, vectors.byteOffset, vectors.byteLength);
  const tensors = new Map([["embeddings", { dtype: "F32" as const, shape: [corpus.length, dim], bytes }]]);
  const metadata = {
    model: key.model,
    modelFingerprint: key.modelFingerprint,
    maxLength: String(key.maxLength),
    pooling: key.pooling,
    corpus: corpusFingerprint(corpus),
  };
  writeFileAtomic(file, encodeSafetensors(tensors, metadata));
}

/**
 * The cached vectors, or null when the file is absent or was made with another key or corpus (then it is
 * recomputed and replaced).
 */
export function readEmbeddingCache(
  file: string,
  key: EmbeddingKey,
  corpus: readonly RankDoc[],
): Float32Array | null {
  if (!existsSync(file)) return null;
  const buf = readFileSync(file);
  const { tensors, metadata } = decodeSafetensors(
    new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength),
    file,
  );
  const same =
    metadata.model === key.model &&
    metadata.modelFingerprint === key.modelFingerprint &&
    metadata.maxLength === String(key.maxLength) &&
    metadata.pooling === key.pooling &&
    metadata.corpus === corpusFingerprint(corpus);
  const t = tensors.get("embeddings");
  if (!same || !t || t.dtype !== "F32" || t.shape[0] !== corpus.length) return null;
  return new Float32Array(t.bytes.slice().buffer);
}

/**
 * Exact inner-product search: the top `k` documents for each query vector, score descending, ties by document
 * id descending (trec_eval's order). Scores are the float32 dot products (cosine for normalised vectors).
 */
export function searchDense(
  queries: Float32Array,
  docs: Float32Array,
  dim: number,
  ids: readonly string[],
  k: number,
): RunEntry[][] {
  const nQ = queries.length / dim;
  const nD = ids.length;
  if (docs.length !== nD * dim)
    throw new Error(`searchDense: ${docs.length} values for ${nD} documents × ${dim}`);
  const byIdDesc = ids.map((_, i) => i).sort((x, y) => compareIds(ids[y], ids[x]));
  const tieRank = new Int32Array(nD);
  byIdDesc.forEach((d, r) => (tieRank[d] = r));
  const scores = new Float32Array(nD);
  const out: RunEntry[][] = [];
  for (let q = 0; q < nQ; q++) {
    const qv = queries.subarray(q * dim, (q + 1) * dim);
    for (let d = 0; d < nD; d++) {
      let s = 0;
      const off = d * dim;
      for (let j = 0; j < dim; j++) s += qv[j] * docs[off + j];
      scores[d] = s;
    }
    const order = Array.from({ length: nD }, (_, d) => d);
    order.sort((x, y) => scores[y] - scores[x] || tieRank[x] - tieRank[y]);
    out.push(order.slice(0, k).map((d) => ({ docId: ids[d], score: scores[d] })));
  }
  return out;
}
