/**
 * Where a run's model and tokenizer come from: a from-scratch preset with a word vocabulary built from the
 * training split, or a pretrained Hugging Face folder (or Hub id) with its own tokenizer. A run folder keeps
 * what it needs to be reopened (vocab.txt or tokenizer/, and the model config in run.json), QA runs included.
 */
import { cpSync, existsSync, mkdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { tree, type numpy as np } from "@jax-js/jax";
import { BERT_PRESETS, maxInputLength, presetConfig, type BertConfig } from "../models/bert/config.js";
import { initSequenceClassifier, type SequenceClassifierParams } from "../models/classifier.js";
import { fetchHubModel, isHubId } from "../models/hf/hub.js";
import { loadHfClassifier } from "../models/hf/load.js";
import type { HfConfigJson } from "../models/hf/config.js";
import { MODEL_FILE, TOKENIZER_FILES } from "../models/hf/files.js";
import { HfTokenizer } from "../tasks/hfTokenizer.js";
import type { GlueExample } from "../tasks/glue/reader.js";
import type { GlueTask } from "../tasks/registry.js";
import { PAD_ID, WordVocab } from "../tasks/vocab.js";
import type { TokenEncoder } from "./data.js";
import { RUN_FILES, RUN_TOKENIZER_DIR } from "./runFiles.js";

export type TokenizerKind = "word" | "hf";

/** The model part of run.json. */
export interface RunModelInfo {
  /**
   * The encoder's architecture (run.json's and checkpoint metadata's `model` key, kept for existing runs). Not
   * `config.model`, the `--model` string it came from; in code it travels as `modelConfig`.
   */
  model: BertConfig;
  numLabels: number;
  tokenizer: TokenizerKind;
  /** The pretrained config.json (kept for exporting a Hugging Face folder), if any. */
  hfConfig?: HfConfigJson;
  /** Where the pretrained weights came from. */
  pretrained?: string;
}

export interface RunTokenizer {
  tokenizer: TokenEncoder;
  padId: number;
}

/** A folder with a Hugging Face config.json. */
function isModelFolder(path: string): boolean {
  return existsSync(join(path, MODEL_FILE.config)) && statSync(path).isDirectory();
}

/**
 * What is wrong with a `--model` value that can be told without downloading or loading anything (an absent
 * local folder, one without config.json), or null. Checked before a run writes anything.
 */
export function modelSpecProblem(spec: string): string | null {
  if (Object.hasOwn(BERT_PRESETS, spec)) return null;
  if (existsSync(spec)) {
    return isModelFolder(spec)
      ? null
      : `--model ${spec}: expected a Hugging Face model folder with ${MODEL_FILE.config}, found none`;
  }
  if (isHubId(spec)) return null;
  return `--model ${spec}: expected a preset (${Object.keys(BERT_PRESETS).join(", ")}), a model folder, or a Hub id org/name`;
}

/** `--model`: a preset name, a local Hugging Face folder, or a Hub id (downloaded to the cache). */
export async function resolveModelSpec(
  spec: string,
): Promise<{ kind: "preset" } | { kind: "hf"; dir: string }> {
  const problem = modelSpecProblem(spec);
  if (problem) throw new Error(problem);
  if (Object.hasOwn(BERT_PRESETS, spec)) return { kind: "preset" };
  if (existsSync(spec)) return { kind: "hf", dir: spec };
  return { kind: "hf", dir: await fetchHubModel(spec) };
}

/** Copy a Hugging Face folder's tokenizer files into run folder `runDir` (its `tokenizer/`). */
export function storeHfTokenizer(sourceDir: string, runDir: string): void {
  const tokDir = join(runDir, RUN_TOKENIZER_DIR);
  mkdirSync(tokDir, { recursive: true });
  for (const f of TOKENIZER_FILES)
    if (existsSync(join(sourceDir, f))) cpSync(join(sourceDir, f), join(tokDir, f));
}

/**
 * Build the model and tokenizer of a new classification run; nothing is written until `store(runDir)` puts the
 * tokenizer (vocab.txt, or the pretrained folder's tokenizer files) into the run folder.
 * @param key PRNG key for initialisation (consumed).
 */
export async function prepareFreshModel(options: {
  spec: string;
  task: GlueTask;
  trainExamples: GlueExample[];
  minWordFreq: number;
  maxSeqLength: number;
  key: np.Array;
}): Promise<{
  info: RunModelInfo;
  params: SequenceClassifierParams;
  tok: RunTokenizer;
  notes: string[];
  store: (runDir: string) => Promise<void>;
}> {
  const { spec, task, key } = options;
  const source = await resolveModelSpec(spec);
  if (source.kind === "preset") {
    const vocab = WordVocab.build(
      options.trainExamples.flatMap((ex) => (ex.textB === undefined ? [ex.textA] : [ex.textA, ex.textB])),
      { minFreq: options.minWordFreq },
    );
    const model = presetConfig(spec, vocab.size, {
      max_position_embeddings: Math.max(512, options.maxSeqLength),
    });
    return {
      info: { model, numLabels: task.numLabels, tokenizer: "word" },
      params: initSequenceClassifier(key, model, task.numLabels),
      tok: { tokenizer: vocab, padId: PAD_ID },
      notes: [`vocabulary of ${vocab.size} words from the training split`],
      store: async (runDir) => {
        mkdirSync(runDir, { recursive: true });
        await vocab.save(join(runDir, RUN_FILES.vocab));
      },
    };
  }
  const loaded = loadHfClassifier(source.dir, task.numLabels, key);
  if (options.maxSeqLength > maxInputLength(loaded.config)) {
    tree.dispose(loaded.params);
    throw new Error(
      `--max-seq-length ${options.maxSeqLength}: ${source.dir} has only ${maxInputLength(loaded.config)} positions`,
    );
  }
  // Read from the user's folder (its errors name the user's files), and only then copied into the run folder.
  const tokenizer = await HfTokenizer.fromFolder(source.dir);
  const notes = [`pretrained ${loaded.config.model_type} from ${source.dir}`];
  if (loaded.newlyInitialized.length) notes.push(`newly initialised: ${loaded.newlyInitialized.join(", ")}`);
  return {
    info: {
      model: loaded.config,
      numLabels: task.numLabels,
      tokenizer: "hf",
      hfConfig: loaded.raw,
      pretrained: source.dir,
    },
    params: loaded.params,
    tok: { tokenizer, padId: tokenizer.padId },
    notes,
    store: async (runDir) => storeHfTokenizer(source.dir, runDir),
  };
}

/** The tokenizer stored in a run folder. */
export async function reopenTokenizer(runDir: string, kind: TokenizerKind): Promise<RunTokenizer> {
  if (kind === "word")
    return { tokenizer: await WordVocab.load(join(runDir, RUN_FILES.vocab)), padId: PAD_ID };
  const tokenizer = await HfTokenizer.fromFolder(join(runDir, RUN_TOKENIZER_DIR));
  return { tokenizer, padId: tokenizer.padId };
}
