/**
 * Load a Hugging Face BERT/RoBERTa/ELECTRA folder (config.json + model.safetensors) into a classifier tree.
 * This is the only place checkpoint names are translated: the family prefix (`bert.` …, or none for a bare
 * `BertModel`), and TensorFlow-era `gamma`/`beta` LayerNorm names.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { numpy as np, tree } from "@jax-js/jax";
import { decodeSafetensors, type HostTensor } from "../../io/safetensors.js";
import { mapWithPath, namedLeaves, type ParamTree } from "../../util/treePaths.js";
import type { BertConfig } from "../bert/config.js";
import { initSequenceClassifier, type SequenceClassifierParams } from "../classifier.js";
import { initSpanExtractor } from "../spanExtractor.js";
import { readHfConfig, type HfConfigJson } from "./config.js";

export interface LoadedClassifier {
  config: BertConfig;
  raw: HfConfigJson;
  params: SequenceClassifierParams;
  /** Tensors the checkpoint did not have and that were initialised randomly (head, pooler), as HF does. */
  newlyInitialized: string[];
  /** Checkpoint tensors the classifier does not use (pre-training heads, buffers). */
  unused: string[];
}

/** float16 bits → float32 (IEEE 754 half precision, subnormals and inf/NaN included). */
export function halfToFloat(bits: Uint16Array): Float32Array {
  const out = new Float32Array(bits.length);
  for (let i = 0; i < bits.length; i++) {
    const h = bits[i];
    const sign = h & 0x8000 ? -1 : 1;
    const exp = (h >> 10) & 0x1f;
    const frac = h & 0x3ff;
    if (exp === 0) out[i] = sign * frac * 2 ** -24;
    else if (exp === 31) out[i] = frac ? NaN : sign * Infinity;
    else out[i] = sign * (1 + frac / 1024) * 2 ** (exp - 15);
  }
  return out;
}

/** A host tensor as float32 values. */
function asFloat32(t: HostTensor, name: string, file: string): Float32Array {
  const buf = t.bytes.buffer.slice(t.bytes.byteOffset, t.bytes.byteOffset + t.bytes.byteLength);
  switch (t.dtype) {
    case "F32":
      return new Float32Array(buf);
    case "F16":
      return halfToFloat(new Uint16Array(buf));
    case "BF16": {
      const bits = new Uint16Array(buf);
      const out = new Uint32Array(bits.length);
      for (let i = 0; i < bits.length; i++) out[i] = bits[i] << 16;
      return new Float32Array(out.buffer);
    }
    case "F64":
      return Float32Array.from(new Float64Array(buf));
    default:
      throw new Error(`${file}: tensor ${name} has dtype ${t.dtype}, expected a floating-point weight`);
  }
}

/** Every tensor of the folder's safetensors weights (single file or sharded with an index). */
export function readHfWeights(dir: string): { tensors: Map<string, HostTensor>; file: string } {
  const single = join(dir, "model.safetensors");
  const index = join(dir, "model.safetensors.index.json");
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
    throw new Error(`${dir}: expected model.safetensors (Hugging Face layout), found none`);
  }
  const tensors = new Map<string, HostTensor>();
  for (const file of files) {
    const buf = readFileSync(file);
    const parsed = decodeSafetensors(new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength), file);
    for (const [name, t] of parsed.tensors) tensors.set(name, t);
  }
  return { tensors, file: files.length === 1 ? files[0] : index };
}

/** Checkpoint names → our names: family prefix added if absent, `gamma`/`beta` → `weight`/`bias`. */
function canonicalNames(tensors: Map<string, HostTensor>, family: string): Map<string, HostTensor> {
  const prefixed = [...tensors.keys()].some((k) => k.startsWith(`${family}.`));
  const out = new Map<string, HostTensor>();
  for (const [name, t] of tensors) {
    let n = name.replace(/\.gamma$/, ".weight").replace(/\.beta$/, ".bias");
    // A bare encoder (e.g. BertModel, sentence-transformers) has no family prefix; heads never start so.
    if (!prefixed && /^(embeddings|encoder|pooler|embeddings_project)\./.test(n)) n = `${family}.${n}`;
    out.set(n, t);
  }
  return out;
}

/**
 * Load a pretrained encoder folder into a task model built by `makeTemplate`. Encoder tensors must all be
 * present with the right shapes (else one Error naming them); head tensors (under `headPrefix`) and a pooler
 * that are missing, or a head whose shape differs (another label count), are initialised randomly and listed
 * in `newlyInitialized`, as transformers does.
 * @param key PRNG key for the random parts (consumed).
 */
export function loadHfInto<P>(
  dir: string,
  makeTemplate: (key: np.Array, config: BertConfig) => P,
  headPrefix: string,
  key: np.Array,
): { config: BertConfig; raw: HfConfigJson; params: P; newlyInitialized: string[]; unused: string[] } {
  const { config, raw } = readHfConfig(dir);
  const { tensors: rawTensors, file } = readHfWeights(dir);
  const tensors = canonicalNames(rawTensors, config.model_type);
  const template = makeTemplate(key, config);

  const missing: string[] = [];
  const misShaped: string[] = [];
  const newlyInitialized: string[] = [];
  const used = new Set<string>();
  const optional = (name: string) => name.startsWith(headPrefix) || name.includes(".pooler.");
  for (const [name, leaf] of namedLeaves(template as unknown as ParamTree)) {
    const t = tensors.get(name);
    if (!t) {
      if (optional(name)) newlyInitialized.push(name);
      else missing.push(name);
    } else if (t.shape.join(",") !== leaf.shape.join(",")) {
      if (name.startsWith(headPrefix)) newlyInitialized.push(name);
      else misShaped.push(`${name} [${t.shape}] vs expected [${leaf.shape}]`);
    } else used.add(name);
  }
  if (missing.length || misShaped.length) {
    const parts: string[] = [];
    if (missing.length)
      parts.push(`missing tensor ${missing.slice(0, 10).join(", ")}${missing.length > 10 ? ", …" : ""}`);
    if (misShaped.length) parts.push(`mis-shaped tensor ${misShaped.slice(0, 10).join(", ")}`);
    tree.dispose(template as never);
    throw new Error(`${file}: ${parts.join("; ")} (for ${config.model_type} as described by config.json)`);
  }
  const params = mapWithPath(template as unknown as ParamTree, (name, leaf) => {
    if (!used.has(name)) return leaf; // keeps the random init
    leaf.dispose();
    const t = tensors.get(name)!;
    return np.array(asFloat32(t, name, file)).reshape(t.shape);
  }) as P;
  const unused = [...tensors.keys()].filter((k) => !used.has(k));
  return { config, raw, params, newlyInitialized, unused };
}

/** A sequence classifier with `numLabels` outputs from a Hugging Face folder (see `loadHfInto`). */
export function loadHfClassifier(dir: string, numLabels: number, key: np.Array): LoadedClassifier {
  return loadHfInto(dir, (k, cfg) => initSequenceClassifier(k, cfg, numLabels), "classifier.", key);
}

/** An extractive-QA model (`qa_outputs` head) from a Hugging Face folder (see `loadHfInto`). */
export function loadHfSpanExtractor(dir: string, key: np.Array) {
  return loadHfInto(dir, initSpanExtractor, "qa_outputs.", key);
}
