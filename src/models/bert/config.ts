/**
 * Hugging Face config fields of the BERT family (names verbatim from config.json) and the small presets.
 * RoBERTa and ELECTRA share BERT's blocks; they differ only where the optional fields say.
 */

/** Families the encoder implements (`model_type` in config.json). */
export type EncoderFamily = "bert" | "roberta" | "electra";

/** Activations HF names in `hidden_act`: exact erf GELU, its tanh approximation, and ReLU. */
export type HiddenAct = "gelu" | "gelu_new" | "gelu_pytorch_tanh" | "relu";

export interface BertConfig {
  model_type: EncoderFamily;
  vocab_size: number;
  hidden_size: number;
  num_hidden_layers: number;
  num_attention_heads: number;
  intermediate_size: number;
  hidden_act: HiddenAct;
  hidden_dropout_prob: number;
  attention_probs_dropout_prob: number;
  max_position_embeddings: number;
  type_vocab_size: number;
  initializer_range: number;
  layer_norm_eps: number;
  pad_token_id: number;
  /** ELECTRA: embedding width when it differs from hidden_size (then `embeddings_project` maps it). */
  embedding_size?: number;
  /** Dropout before the classification head's layers (HF `classifier_dropout`; null = hidden_dropout_prob). */
  classifier_dropout?: number | null;
}

/** Architectural shape of a preset; vocabulary size comes from the tokenizer. */
export type BertShape = Pick<
  BertConfig,
  "hidden_size" | "num_hidden_layers" | "num_attention_heads" | "intermediate_size"
>;

/** Small from-scratch presets, named after google/bert_uncased_L-x_H-y_A-z. */
export const BERT_PRESETS: Record<string, BertShape> = {
  "bert-L2-H128-A2": {
    num_hidden_layers: 2,
    hidden_size: 128,
    num_attention_heads: 2,
    intermediate_size: 512,
  },
  "bert-L4-H256-A4": {
    num_hidden_layers: 4,
    hidden_size: 256,
    num_attention_heads: 4,
    intermediate_size: 1024,
  },
  "bert-L4-H512-A8": {
    num_hidden_layers: 4,
    hidden_size: 512,
    num_attention_heads: 8,
    intermediate_size: 2048,
  },
  // Same shapes as all-MiniLM-L6-v2 (for benchmarks; weights come from a checkpoint).
  "minilm-L6-H384-A12": {
    num_hidden_layers: 6,
    hidden_size: 384,
    num_attention_heads: 12,
    intermediate_size: 1536,
  },
};

/** A complete config for a preset with HF BERT's defaults for everything else. */
export function presetConfig(
  name: string,
  vocabSize: number,
  overrides: Partial<BertConfig> = {},
): BertConfig {
  const shape = BERT_PRESETS[name];
  if (!shape) {
    throw new Error(
      `presetConfig: unknown model preset "${name}"; expected one of ${Object.keys(BERT_PRESETS).join(", ")}`,
    );
  }
  return checkConfig({
    model_type: "bert",
    vocab_size: vocabSize,
    ...shape,
    hidden_act: "gelu",
    hidden_dropout_prob: 0.1,
    attention_probs_dropout_prob: 0.1,
    max_position_embeddings: 512,
    type_vocab_size: 2,
    initializer_range: 0.02,
    layer_norm_eps: 1e-12,
    pad_token_id: 0,
    ...overrides,
  });
}

/** Validate a config; returns it unchanged. */
export function checkConfig(cfg: BertConfig): BertConfig {
  const positive: (keyof BertConfig)[] = [
    "vocab_size",
    "hidden_size",
    "num_hidden_layers",
    "num_attention_heads",
    "intermediate_size",
    "max_position_embeddings",
    "type_vocab_size",
  ];
  for (const field of positive) {
    const v = cfg[field];
    if (typeof v !== "number" || !Number.isInteger(v) || v <= 0) {
      throw new RangeError(`checkConfig: expected ${field} to be a positive integer, got ${String(v)}`);
    }
  }
  if (cfg.hidden_size % cfg.num_attention_heads !== 0) {
    throw new RangeError(
      `checkConfig: hidden_size (${cfg.hidden_size}) is not a multiple of num_attention_heads (${cfg.num_attention_heads})`,
    );
  }
  for (const field of ["hidden_dropout_prob", "attention_probs_dropout_prob"] as const) {
    if (!(cfg[field] >= 0 && cfg[field] < 1)) {
      throw new RangeError(`checkConfig: expected ${field} in [0, 1), got ${cfg[field]}`);
    }
  }
  if (!["bert", "roberta", "electra"].includes(cfg.model_type)) {
    throw new Error(`checkConfig: expected model_type bert, roberta or electra, got "${cfg.model_type}"`);
  }
  if (!["gelu", "gelu_new", "gelu_pytorch_tanh", "relu"].includes(cfg.hidden_act)) {
    throw new Error(
      `checkConfig: expected hidden_act gelu, gelu_new, gelu_pytorch_tanh or relu, got "${cfg.hidden_act}"`,
    );
  }
  if (
    cfg.embedding_size !== undefined &&
    (!Number.isInteger(cfg.embedding_size) || cfg.embedding_size <= 0)
  ) {
    throw new RangeError(
      `checkConfig: expected embedding_size to be a positive integer, got ${cfg.embedding_size}`,
    );
  }
  if (cfg.model_type === "roberta" && cfg.max_position_embeddings <= cfg.pad_token_id + 1) {
    throw new RangeError(
      `checkConfig: RoBERTa positions start at pad_token_id + 1 = ${cfg.pad_token_id + 1}, ` +
        `but max_position_embeddings is ${cfg.max_position_embeddings}`,
    );
  }
  return cfg;
}

/** Width of the embedding tables (ELECTRA may use a narrower one than the encoder). */
export function embeddingWidth(cfg: BertConfig): number {
  return cfg.embedding_size ?? cfg.hidden_size;
}

/** Longest input the position table allows (RoBERTa reserves pad_token_id + 1 positions). */
export function maxInputLength(cfg: BertConfig): number {
  return cfg.model_type === "roberta"
    ? cfg.max_position_embeddings - cfg.pad_token_id - 1
    : cfg.max_position_embeddings;
}

/** Dropout rate in front of the head's layers. */
export function classifierDropout(cfg: BertConfig): number {
  return cfg.classifier_dropout ?? cfg.hidden_dropout_prob;
}
