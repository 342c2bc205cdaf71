/**
 * Hugging Face checkpoints from their bytes: `config.json` parsed, safetensors decoded, tensors placed into a
 * task model. No file system — the browser fetches the files, Node reads them (`load.ts`, `config.ts`).
 * This is the only place checkpoint names are translated: the family prefix (`bert.` …, or none for a bare
 * `BertModel`), and TensorFlow-era `gamma`/`beta` LayerNorm names.
 */
import { numpy as np, tree } from "@jax-js/jax";
import { decodeSafetensors, type HostTensor } from "../../io/safetensors.js";
import { mapWithPath, namedLeaves, type ParamTree } from "../../util/treePaths.js";
import { checkConfig, type BertConfig, type EncoderFamily, type HiddenAct } from "../bert/config.js";
import { initSequenceClassifier, type SequenceClassifierParams } from "../classifier.js";
import { MODEL_FILE } from "./files.js";

/** What HF writes besides the architecture: labels and the class names. */
export interface HfConfigJson {
  model_type?: string;
  architectures?: string[];
  num_labels?: number;
  id2label?: Record<string, string>;
  label2id?: Record<string, number>;
  [field: string]: unknown;
}

export interface LoadedModel<P> {
  config: BertConfig;
  raw: HfConfigJson;
  params: P;
  /** Tensors the checkpoint did not have and that were initialised randomly (head, pooler), as HF does. */
  newlyInitialized: string[];
  /** Checkpoint tensors the model does not use (pre-training heads, buffers). */
  unused: string[];
}

export type LoadedClassifier = LoadedModel<SequenceClassifierParams>;

const FAMILIES: Record<string, EncoderFamily> = { bert: "bert", roberta: "roberta", electra: "electra" };

function num(raw: HfConfigJson, field: string, file: string, fallback?: number): number {
  const v = raw[field] ?? fallback;
  if (typeof v !== "number" || !Number.isFinite(v)) {
    throw new Error(`${file}: expected a number in "${field}", got ${JSON.stringify(raw[field])}`);
  }
  return v;
}

/**
 * Validate a parsed `config.json` (BERT, RoBERTa, ELECTRA; MiniLM is a BERT) into the encoder's config.
 * @param file names the source in errors.
 * @throws one-line Errors naming the file and field.
 */
export function hfConfigFromJson(
  json: unknown,
  file: string = MODEL_FILE.config,
): { config: BertConfig; raw: HfConfigJson } {
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    throw new Error(`${file}: expected a Hugging Face config.json object, got ${JSON.stringify(json)}`);
  }
  const raw = json as HfConfigJson;
  const family = FAMILIES[String(raw.model_type)];
  if (!family) {
    throw new Error(
      `${file}: unknown architecture model_type "${String(raw.model_type)}"; cmploss supports bert (incl. MiniLM), roberta and electra`,
    );
  }
  const config: BertConfig = {
    model_type: family,
    vocab_size: num(raw, "vocab_size", file),
    hidden_size: num(raw, "hidden_size", file),
    num_hidden_layers: num(raw, "num_hidden_layers", file),
    num_attention_heads: num(raw, "num_attention_heads", file),
    intermediate_size: num(raw, "intermediate_size", file),
    hidden_act: String(raw.hidden_act ?? "gelu") as HiddenAct,
    hidden_dropout_prob: num(raw, "hidden_dropout_prob", file, 0.1),
    attention_probs_dropout_prob: num(raw, "attention_probs_dropout_prob", file, 0.1),
    max_position_embeddings: num(raw, "max_position_embeddings", file, 512),
    type_vocab_size: num(raw, "type_vocab_size", file, 2),
    initializer_range: num(raw, "initializer_range", file, 0.02),
    layer_norm_eps: num(raw, "layer_norm_eps", file, 1e-12),
    pad_token_id: num(raw, "pad_token_id", file, family === "roberta" ? 1 : 0),
  };
  if (family === "electra" && raw.embedding_size !== undefined)
    config.embedding_size = num(raw, "embedding_size", file);
  if (typeof raw.classifier_dropout === "number") config.classifier_dropout = raw.classifier_dropout;
  try {
    return { config: checkConfig(config), raw };
  } catch (err) {
    throw new Error(`${file}: ${(err as Error).message}`);
  }
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

/** Every tensor of one or more safetensors files (the shards of one checkpoint), by name. */
export function decodeHfWeights(
  files: readonly { bytes: Uint8Array; name: string }[],
): Map<string, HostTensor> {
  const tensors = new Map<string, HostTensor>();
  for (const { bytes, name } of files) {
    for (const [tensorName, t] of decodeSafetensors(bytes, name).tensors) tensors.set(tensorName, t);
  }
  return tensors;
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
 * Place a checkpoint's tensors into a task model built by `makeTemplate`. Encoder tensors must all be present
 * with the right shapes (else one Error naming them); head tensors (under `headPrefix`) and a pooler that are
 * missing, or a head whose shape differs (another label count), are initialised randomly and listed in
 * `newlyInitialized`, as transformers does.
 * @param file names the weights in errors.
 * @param key PRNG key for the random parts (consumed).
 */
export function paramsFromTensors<P>(
  parsed: { config: BertConfig; raw: HfConfigJson },
  rawTensors: Map<string, HostTensor>,
  file: string,
  makeTemplate: (key: np.Array, config: BertConfig) => P,
  headPrefix: string,
  key: np.Array,
): LoadedModel<P> {
  const { config, raw } = parsed;
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

/**
 * A sequence classifier with `numLabels` outputs from a checkpoint's file contents — for the browser, where the
 * files come from `fetch`: `config` is `config.json` (text or parsed), `weights` the bytes of `model.safetensors`
 * (or of every shard). Node's `loadHfClassifier(dir, …)` reads a folder and gives the same result.
 * @param key PRNG key for the head (consumed).
 */
export function hfClassifierFromFiles(
  files: { config: string | object; weights: Uint8Array | readonly Uint8Array[] },
  numLabels: number,
  key: np.Array,
): LoadedClassifier {
  let json: unknown = files.config;
  if (typeof json === "string") {
    try {
      json = JSON.parse(json);
    } catch (err) {
      throw new Error(`config.json: expected valid JSON, got ${(err as Error).message}`);
    }
  }
  const shards = files.weights instanceof Uint8Array ? [files.weights] : files.weights;
  const named = shards.map((bytes, i) => ({
    bytes,
    name: shards.length === 1 ? MODEL_FILE.weights : `${MODEL_FILE.weights} (shard ${i + 1})`,
  }));
  return paramsFromTensors(
    hfConfigFromJson(json),
    decodeHfWeights(named),
    named.length === 1 ? named[0].name : `${MODEL_FILE.weights} shards`,
    (k, cfg) => initSequenceClassifier(k, cfg, numLabels),
    "classifier.",
    key,
  );
}
