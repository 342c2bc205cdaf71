/** Read a Hugging Face `config.json` of the BERT family into the encoder's config. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { checkConfig, type BertConfig, type EncoderFamily, type HiddenAct } from "../bert/config.js";

/** What HF writes besides the architecture: labels and the class names. */
export interface HfConfigJson {
  model_type?: string;
  architectures?: string[];
  num_labels?: number;
  id2label?: Record<string, string>;
  label2id?: Record<string, number>;
  [field: string]: unknown;
}

const FAMILIES: Record<string, EncoderFamily> = { bert: "bert", roberta: "roberta", electra: "electra" };

function num(raw: HfConfigJson, field: string, file: string, fallback?: number): number {
  const v = raw[field] ?? fallback;
  if (typeof v !== "number" || !Number.isFinite(v)) {
    throw new Error(`${file}: expected a number in "${field}", got ${JSON.stringify(raw[field])}`);
  }
  return v;
}

/** Parse and validate `<dir>/config.json`. @throws one-line Errors naming the file and field. */
export function readHfConfig(dir: string): { config: BertConfig; raw: HfConfigJson } {
  const file = join(dir, "config.json");
  let raw: HfConfigJson;
  try {
    raw = JSON.parse(readFileSync(file, "utf8")) as HfConfigJson;
  } catch (err) {
    const why =
      (err as NodeJS.ErrnoException).code === "ENOENT" ? "it does not exist" : "it is not valid JSON";
    throw new Error(`${file}: expected a Hugging Face config.json, but ${why}`);
  }
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
