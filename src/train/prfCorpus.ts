/**
 * The frozen base encoder's corpus vectors for the PRF reformulator (SPEC §9: documents are encoded once by
 * the base encoder): the dense first stage's safetensors cache (`cmploss retrieve --model`) is reused when its
 * key matches, else the corpus is embedded (with progress) and cached there.
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { BertConfig } from "../models/bert/config.js";
import type { BertParams } from "../models/bert/params.js";
import { MODEL_FILE } from "../models/hf/files.js";
import { createSentenceEncoder } from "../models/sentenceEncoder.js";
import {
  docText,
  embedTexts,
  embeddingCacheName,
  readEmbeddingCache,
  writeEmbeddingCache,
  type EmbeddingKey,
  type PaddingTokenizer,
} from "../tasks/ranking/dense.js";
import type { RankDoc } from "../tasks/ranking/formats.js";

/** The pooling of the base retriever's cache key (mean over real tokens, then L2). */
export const BASE_POOLING = "mean+l2";

/** Fingerprint of a model folder: sha256 of config.json and of the weights file. */
export function modelFingerprint(dir: string): string {
  const h = createHash("sha256");
  for (const name of [MODEL_FILE.config, MODEL_FILE.weights, MODEL_FILE.weightsIndex]) {
    const file = join(dir, name);
    if (existsSync(file)) h.update(name).update(readFileSync(file));
  }
  return h.digest("hex").slice(0, 32);
}

/** The cache key of model folder `dir`'s mean-pooled vectors at `maxLength` tokens. */
export function baseEmbeddingKey(dir: string, maxLength: number): EmbeddingKey {
  return { model: resolve(dir), modelFingerprint: modelFingerprint(dir), maxLength, pooling: BASE_POOLING };
}

/**
 * The corpus's `[N, H]` vectors from `params` (borrowed), read from `cacheDir` when cached under `key`, else
 * computed and written there.
 */
export async function baseCorpusVectors(o: {
  params: BertParams;
  modelConfig: BertConfig;
  tokenizer: PaddingTokenizer;
  corpus: readonly RankDoc[];
  key: EmbeddingKey;
  cacheDir: string;
  batchSize: number;
  onProgress?: (done: number, total: number) => void;
}): Promise<{ vectors: Float32Array; file: string; cached: boolean }> {
  const file = join(o.cacheDir, embeddingCacheName(o.key, o.corpus));
  const cached = readEmbeddingCache(file, o.key, o.corpus);
  if (cached) return { vectors: cached, file, cached: true };
  const encoder = createSentenceEncoder(o.params, o.modelConfig);
  try {
    const vectors = await embedTexts(o.corpus.map(docText), o.tokenizer, encoder, {
      maxLength: o.key.maxLength,
      batchSize: o.batchSize,
      onProgress: o.onProgress,
    });
    writeEmbeddingCache(file, vectors, encoder.dim, o.key, o.corpus);
    return { vectors, file, cached: false };
  } finally {
    encoder.dispose();
  }
}
