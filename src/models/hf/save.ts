/**
 * Write a model as a Hugging Face folder: a classifier that `AutoModelForSequenceClassification.from_pretrained`
 * loads (config.json with the task's labels), or an extractive-QA model for `AutoModelForQuestionAnswering`;
 * model.safetensors (HF names, float32) and tokenizer files. The folder appears atomically: it is built under a
 * temporary name and renamed into place.
 */
import { copyFileSync, existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { encodeSafetensors, type HostTensor } from "../../io/safetensors.js";
import { namedLeaves, type ParamTree } from "../../util/treePaths.js";
import type { BertConfig } from "../bert/config.js";
import type { SequenceClassifierParams } from "../classifier.js";
import type { SpanExtractorParams } from "../spanExtractor.js";
import type { HfConfigJson } from "./config.js";
import { MODEL_FILE, TOKENIZER_FILES } from "./files.js";

const ARCHITECTURE: Record<BertConfig["model_type"], string> = {
  bert: "BertForSequenceClassification",
  roberta: "RobertaForSequenceClassification",
  electra: "ElectraForSequenceClassification",
};

/** transformers' class name prefix of each encoder family (`<Prefix>ForQuestionAnswering`). */
const FAMILY_CLASS: Record<BertConfig["model_type"], string> = {
  bert: "Bert",
  roberta: "Roberta",
  electra: "Electra",
};
export interface HfSaveOptions {
  /** Class names in label-id order, or "regression" (one output). */
  labels: readonly string[] | "regression";
  /** The pretrained config.json this model came from (its extra fields are kept), if any. */
  raw?: HfConfigJson;
  /** Folder to copy tokenizer files from, or generated files (name → content). */
  tokenizer: { fromDir: string } | { files: Record<string, string> };
  /** Extra string metadata recorded in config.json under `cmploss`. */
  provenance?: Record<string, unknown>;
}

/** The config.json HF expects for this model and label set. */
export function hfConfigJson(cfg: BertConfig, options: HfSaveOptions): HfConfigJson {
  const regression = options.labels === "regression";
  const names = regression ? ["LABEL_0"] : [...(options.labels as readonly string[])];
  const id2label = Object.fromEntries(names.map((n, i) => [String(i), n]));
  const label2id = Object.fromEntries(names.map((n, i) => [n, i]));
  const { ...fields } = cfg as unknown as Record<string, unknown>;
  for (const k of Object.keys(fields)) if (fields[k] === undefined) delete fields[k];
  return {
    ...(options.raw ?? {}),
    ...fields,
    architectures: [ARCHITECTURE[cfg.model_type]],
    num_labels: names.length,
    id2label,
    label2id,
    problem_type: regression ? "regression" : "single_label_classification",
    torch_dtype: "float32",
    ...(options.provenance ? { cmploss: options.provenance } : {}),
  };
}

/** Write `dir` as a Hugging Face sequence-classification folder. Borrows `params`. */
export async function saveHfClassifier(
  dir: string,
  params: SequenceClassifierParams,
  cfg: BertConfig,
  options: HfSaveOptions,
): Promise<void> {
  await writeHfFolder(dir, params as unknown as ParamTree, hfConfigJson(cfg, options), options.tokenizer);
}

/** The config.json of an extractive-QA model: `<Family>ForQuestionAnswering`, two outputs (start, end). */
export function hfQaConfigJson(cfg: BertConfig, options: Omit<HfSaveOptions, "labels">): HfConfigJson {
  const fields = Object.fromEntries(
    Object.entries(cfg as unknown as Record<string, unknown>).filter(([, v]) => v !== undefined),
  );
  const { problem_type: _, ...raw } = options.raw ?? {};
  return {
    ...raw,
    ...fields,
    architectures: [`${FAMILY_CLASS[cfg.model_type]}ForQuestionAnswering`],
    num_labels: 2,
    id2label: { "0": "LABEL_0", "1": "LABEL_1" },
    label2id: { LABEL_0: 0, LABEL_1: 1 },
    torch_dtype: "float32",
    ...(options.provenance ? { cmploss: options.provenance } : {}),
  };
}

/** Write `dir` as a Hugging Face question-answering folder (`qa_outputs` head). Borrows `params`. */
export async function saveHfSpanExtractor(
  dir: string,
  params: SpanExtractorParams,
  cfg: BertConfig,
  options: Omit<HfSaveOptions, "labels">,
): Promise<void> {
  await writeHfFolder(dir, params as unknown as ParamTree, hfQaConfigJson(cfg, options), options.tokenizer);
}

/** Build the folder under a temporary name, then rename it into place. Borrows `params`. */
async function writeHfFolder(
  dir: string,
  params: ParamTree,
  config: HfConfigJson,
  tokenizerFiles: HfSaveOptions["tokenizer"],
): Promise<void> {
  const tensors = new Map<string, HostTensor>();
  for (const [name, leaf] of namedLeaves(params)) {
    const data = (await leaf.ref.data()) as Float32Array;
    tensors.set(name, {
      dtype: "F32",
      shape: leaf.shape,
      bytes: new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice(),
    });
  }
  const tmp = join(dirname(dir), `.${basename(dir)}.${process.pid}.tmp`);
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  try {
    // transformers refuses safetensors files without a recognised "format" in the metadata.
    writeFileSync(join(tmp, MODEL_FILE.weights), encodeSafetensors(tensors, { format: "pt" }));
    writeFileSync(join(tmp, MODEL_FILE.config), JSON.stringify(config, null, 2) + "\n");
    if ("fromDir" in tokenizerFiles) {
      const from = tokenizerFiles.fromDir;
      for (const f of TOKENIZER_FILES)
        if (existsSync(join(from, f))) copyFileSync(join(from, f), join(tmp, f));
    } else {
      for (const [f, content] of Object.entries(tokenizerFiles.files)) writeFileSync(join(tmp, f), content);
    }
    const old = `${tmp}.old`;
    if (existsSync(dir)) renameSync(dir, old);
    renameSync(tmp, dir);
    rmSync(old, { recursive: true, force: true });
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
}
