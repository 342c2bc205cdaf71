/**
 * Load a Hugging Face BERT/RoBERTa/ELECTRA folder (config.json + model.safetensors) into a task model (Node).
 * The parsing and the name translation live in `parse.ts`, shared with the browser's `hfClassifierFromFiles`.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { numpy as np } from "@jax-js/jax";
import type { HostTensor } from "../../io/safetensors.js";
import type { BertConfig } from "../bert/config.js";
import { initSequenceClassifier } from "../classifier.js";
import { initSpanExtractor } from "../spanExtractor.js";
import { readHfConfig } from "./config.js";
import { MODEL_FILE } from "./files.js";
import { decodeHfWeights, paramsFromTensors, type LoadedClassifier, type LoadedModel } from "./parse.js";

export type { LoadedClassifier, LoadedModel } from "./parse.js";
export { halfToFloat } from "./parse.js";

/** Every tensor of the folder's safetensors weights (single file or sharded with an index). */
export function readHfWeights(dir: string): { tensors: Map<string, HostTensor>; file: string } {
  const single = join(dir, MODEL_FILE.weights);
  const index = join(dir, MODEL_FILE.weightsIndex);
  const files: string[] = [];
  if (existsSync(single)) files.push(single);
  else if (existsSync(index)) {
    const map = (JSON.parse(readFileSync(index, "utf8")) as { weight_map: Record<string, string> })
      .weight_map;
    files.push(...new Set(Object.values(map).map((f) => join(dir, f))));
  } else if (existsSync(join(dir, "pytorch_model.bin"))) {
    throw new Error(
      `${dir}: only pytorch_model.bin found; cmploss reads safetensors. Convert it with: python -c ` +
        `"from transformers import AutoModel as M; M.from_pretrained('${dir}').save_pretrained('${dir}', safe_serialization=True)"`,
    );
  } else {
    throw new Error(`${dir}: expected ${MODEL_FILE.weights} (Hugging Face layout), found none`);
  }
  const tensors = decodeHfWeights(
    files.map((file) => {
      const buf = readFileSync(file);
      return { bytes: new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength), name: file };
    }),
  );
  return { tensors, file: files.length === 1 ? files[0] : index };
}

/**
 * Load a pretrained encoder folder into a task model built by `makeTemplate` (see `paramsFromTensors`).
 * @param key PRNG key for the random parts (consumed).
 */
export function loadHfInto<P>(
  dir: string,
  makeTemplate: (key: np.Array, config: BertConfig) => P,
  headPrefix: string,
  key: np.Array,
): LoadedModel<P> {
  const parsed = readHfConfig(dir);
  const { tensors, file } = readHfWeights(dir);
  return paramsFromTensors(parsed, tensors, file, makeTemplate, headPrefix, key);
}

/** A sequence classifier with `numLabels` outputs from a Hugging Face folder (see `loadHfInto`). */
export function loadHfClassifier(dir: string, numLabels: number, key: np.Array): LoadedClassifier {
  return loadHfInto(dir, (k, cfg) => initSequenceClassifier(k, cfg, numLabels), "classifier.", key);
}

/** An extractive-QA model (`qa_outputs` head) from a Hugging Face folder (see `loadHfInto`). */
export function loadHfSpanExtractor(dir: string, key: np.Array) {
  return loadHfInto(dir, initSpanExtractor, "qa_outputs.", key);
}
