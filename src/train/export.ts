/** Export a run's best weights as a Hugging Face folder (`<run>/hf-model`) that transformers can load: GLUE and QA. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { random, tree } from "@jax-js/jax";
import { initSequenceClassifier } from "../models/classifier.js";
import { TOKENIZER_FILE } from "../models/hf/files.js";
import { saveHfClassifier, saveHfSpanExtractor, type HfSaveOptions } from "../models/hf/save.js";
import { initSpanExtractor } from "../models/spanExtractor.js";
import type { GlueTask } from "../tasks/registry.js";
import { SPECIAL_TOKENS } from "../tasks/vocab.js";
import type { RunModelInfo } from "./modelSource.js";
import type { QaRunInfo } from "./qaRun.js";
import { RUN_FILES, RUN_TOKENIZER_DIR } from "./runFiles.js";
import { loadModel } from "./state.js";

/**
 * A word vocabulary as a BERT WordPiece tokenizer folder. Its vocabulary has no "##" pieces, so WordPiece
 * maps each known word to itself and unknown words to [UNK], as cmploss's tokenizer does; accent stripping
 * and CJK splitting are off to match cmploss's basic tokenizer.
 */
function wordVocabTokenizerFiles(vocabText: string, maxLength: number): Record<string, string> {
  const [pad, unk, cls, sep, mask] = SPECIAL_TOKENS;
  return {
    [TOKENIZER_FILE.vocabTxt]: vocabText,
    [TOKENIZER_FILE.tokenizerConfig]: JSON.stringify(
      {
        tokenizer_class: "BertTokenizer",
        do_lower_case: true,
        strip_accents: false,
        tokenize_chinese_chars: false,
        model_max_length: maxLength,
        pad_token: pad,
        unk_token: unk,
        cls_token: cls,
        sep_token: sep,
        mask_token: mask,
      },
      null,
      2,
    ),
    [TOKENIZER_FILE.specialTokensMap]: JSON.stringify(
      { pad_token: pad, unk_token: unk, cls_token: cls, sep_token: sep, mask_token: mask },
      null,
      2,
    ),
  };
}

/** Write `<runDir>/hf-model` from `<runDir>/model-best.safetensors`. */
export async function exportHfModel(
  runDir: string,
  task: GlueTask,
  dest = join(runDir, RUN_FILES.hfModel),
): Promise<string> {
  const run = JSON.parse(readFileSync(join(runDir, RUN_FILES.run), "utf8")) as RunModelInfo & {
    config: { maxSeqLength: number };
  };
  const template = initSequenceClassifier(random.key(0), run.model, run.numLabels);
  const { params, metadata } = loadModel(join(runDir, RUN_FILES.best), template);
  tree.dispose(template);
  const tokenizer: HfSaveOptions["tokenizer"] =
    run.tokenizer === "hf"
      ? { fromDir: join(runDir, RUN_TOKENIZER_DIR) }
      : {
          files: wordVocabTokenizerFiles(
            readFileSync(join(runDir, RUN_FILES.vocab), "utf8"),
            run.config.maxSeqLength,
          ),
        };
  await saveHfClassifier(dest, params, run.model, {
    labels: task.lossKind === "mse" ? "regression" : task.labels,
    raw: run.hfConfig,
    tokenizer,
    provenance: {
      task: task.name,
      step: Number(metadata.step),
      from: "cmploss",
      pretrained: run.pretrained ?? null,
    },
  });
  tree.dispose(params);
  return dest;
}

/**
 * Write `<runDir>/hf-model` of a QA run from its best weights: a `<Family>ForQuestionAnswering` folder with the
 * run's own tokenizer, which `AutoModelForQuestionAnswering.from_pretrained` loads with the same start and end
 * logits (test/hfQaExport.test.ts against transformers' fixture).
 */
export async function exportHfQaModel(
  runDir: string,
  dest = join(runDir, RUN_FILES.hfModel),
): Promise<string> {
  const run = JSON.parse(readFileSync(join(runDir, RUN_FILES.run), "utf8")) as QaRunInfo;
  const template = initSpanExtractor(random.key(0), run.model);
  const { params, metadata } = loadModel(join(runDir, RUN_FILES.best), template);
  tree.dispose(template);
  await saveHfSpanExtractor(dest, params, run.model, {
    raw: run.hfConfig,
    // runs from before QA runs kept their tokenizer still have it at their --model path
    tokenizer: { fromDir: run.tokenizer === "hf" ? join(runDir, RUN_TOKENIZER_DIR) : run.pretrained },
    provenance: {
      task: run.config.task,
      step: Number(metadata.step),
      from: "cmploss",
      pretrained: run.pretrained ?? null,
    },
  });
  tree.dispose(params);
  return dest;
}
