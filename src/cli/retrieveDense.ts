/** `cmploss retrieve --model M`: dense first-stage retrieval with a pretrained encoder (mean-pooled, normalised). */
import { join, resolve } from "node:path";
import { random, tree } from "@jax-js/jax";
import { maxInputLength } from "../models/bert/config.js";
import { encoderOf } from "../models/classifier.js";
import { loadHfClassifier } from "../models/hf/index.js";
import { createSentenceEncoder } from "../models/sentenceEncoder.js";
import { backendLine, initRuntime } from "../runtime/index.js";
import { HfTokenizer } from "../tasks/hfTokenizer.js";
import type { RankingData } from "../tasks/ranking/data.js";
import {
  docText,
  embedTexts,
  embeddingCacheName,
  readEmbeddingCache,
  searchDense,
  writeEmbeddingCache,
  type EmbeddingKey,
} from "../tasks/ranking/dense.js";
import type { Run } from "../tasks/ranking/formats.js";
import { resolveModelSpec } from "../train/modelSource.js";
import { BASE_POOLING, modelFingerprint } from "../train/prfCorpus.js";
import { UsageError } from "./args.js";
import { progress, type RetrieveFlags } from "./retrieveCommand.js";

export async function denseRun(
  flags: RetrieveFlags,
  data: RankingData,
  cacheDir: string,
): Promise<{ run: Run; tag: string; note: string }> {
  const spec = await resolveModelSpec(flags.model!);
  if (spec.kind !== "hf")
    throw new UsageError(
      `--model ${flags.model}: expected a pretrained encoder (a folder or Hub id), not a preset`,
    );
  const rt = await initRuntime({ device: flags.device as "auto", threads: flags.threads });
  process.stderr.write(`${backendLine(rt)}\n`);
  const tokenizer = await HfTokenizer.fromFolder(spec.dir);
  const loaded = loadHfClassifier(spec.dir, 1, random.key(0));
  const { bert, roberta, electra, classifier } = loaded.params;
  tree.dispose(classifier as never);
  const params = encoderOf({ bert, roberta, electra, classifier }, loaded.config.model_type);
  if (flags.maxLength > maxInputLength(loaded.config)) {
    tree.dispose(params as never);
    throw new UsageError(
      `--max-length ${flags.maxLength}: expected at most the model's ${maxInputLength(loaded.config)} positions`,
    );
  }
  const encoder = createSentenceEncoder(params, loaded.config);
  try {
    const key: EmbeddingKey = {
      model: resolve(spec.dir),
      modelFingerprint: modelFingerprint(spec.dir),
      maxLength: flags.maxLength,
      pooling: BASE_POOLING,
    };
    const cacheFile = join(cacheDir, embeddingCacheName(key, data.corpus));
    const options = { maxLength: flags.maxLength, batchSize: flags.batchSize };
    let docs = readEmbeddingCache(cacheFile, key, data.corpus);
    let note = `corpus vectors from ${cacheFile}`;
    if (!docs) {
      docs = await embedTexts(data.corpus.map(docText), tokenizer, encoder, {
        ...options,
        onProgress: progress(`embedding ${data.corpus.length} documents`),
      });
      writeEmbeddingCache(cacheFile, docs, encoder.dim, key, data.corpus);
      note = `corpus vectors cached in ${cacheFile}`;
    }
    const qids = [...data.queries.keys()];
    const queries = await embedTexts(
      qids.map((q) => data.queries.get(q)!),
      tokenizer,
      encoder,
      options,
    );
    const hits = searchDense(
      queries,
      docs,
      encoder.dim,
      data.corpus.map((d) => d.id),
      flags.topK,
    );
    return {
      run: new Map(qids.map((q, i) => [q, hits[i]])),
      tag: "cmploss-dense",
      note,
    };
  } finally {
    encoder.dispose();
    tree.dispose(params as never);
  }
}
