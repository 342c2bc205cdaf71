/** BERT parameter tree with HF state-dict names, and its initialisation (HF `_init_weights`). */
import { numpy as np, random } from "@jax-js/jax";
import { initEmbedding, type EmbeddingParams } from "../../nn/embedding.js";
import { initLayerNorm, type LayerNormParams } from "../../nn/layerNorm.js";
import { initLinear, type LinearParams } from "../../nn/linear.js";
import { embeddingWidth, type BertConfig } from "./config.js";

export type BertEmbeddingsParams = {
  word_embeddings: EmbeddingParams;
  position_embeddings: EmbeddingParams;
  token_type_embeddings: EmbeddingParams;
  LayerNorm: LayerNormParams; // capitalised as in HF (TensorFlow variable names)
};

export type BertLayerParams = {
  attention: {
    self: { query: LinearParams; key: LinearParams; value: LinearParams };
    output: { dense: LinearParams; LayerNorm: LayerNormParams };
  };
  intermediate: { dense: LinearParams };
  output: { dense: LinearParams; LayerNorm: LayerNormParams };
};

/**
 * The encoder. `pooler` exists for BERT (RoBERTa/ELECTRA classification models have none);
 * `embeddings_project` exists for ELECTRA when embedding_size ≠ hidden_size.
 */
export type BertParams = {
  embeddings: BertEmbeddingsParams;
  embeddings_project?: LinearParams;
  encoder: { layer: BertLayerParams[] };
  pooler?: { dense: LinearParams };
};

function initLayer(key: np.Array, cfg: BertConfig): BertLayerParams {
  const H = cfg.hidden_size;
  const std = cfg.initializer_range;
  const [q, k, v, o, i, out] = random.split(key, 6);
  return {
    attention: {
      self: {
        query: initLinear(q, H, H, std),
        key: initLinear(k, H, H, std),
        value: initLinear(v, H, H, std),
      },
      output: { dense: initLinear(o, H, H, std), LayerNorm: initLayerNorm(H) },
    },
    intermediate: { dense: initLinear(i, H, cfg.intermediate_size, std) },
    output: { dense: initLinear(out, cfg.intermediate_size, H, std), LayerNorm: initLayerNorm(H) },
  };
}

/**
 * Random BERT weights: normal(0, initializer_range) for Linear/Embedding, zero biases, unit LayerNorm,
 * zeroed padding row.
 * @param key PRNG key (consumed); the same key gives the same weights.
 */
export function initBert(key: np.Array, cfg: BertConfig, options: { pooler?: boolean } = {}): BertParams {
  const H = cfg.hidden_size;
  const E = embeddingWidth(cfg);
  const std = cfg.initializer_range;
  const [word, pos, type, pool, layers, project] = random.split(key, 6);
  const layerKeys = random.split(layers, cfg.num_hidden_layers);
  const layer = Array.from({ length: cfg.num_hidden_layers }, (_, i) =>
    initLayer(layerKeys.ref.slice(i), cfg),
  );
  layerKeys.dispose();
  // RoBERTa zeroes its padding position row too (HF passes padding_idx to the position embedding).
  const positionPad = cfg.model_type === "roberta" ? cfg.pad_token_id : undefined;
  const params: BertParams = {
    embeddings: {
      word_embeddings: initEmbedding(word, cfg.vocab_size, E, std, cfg.pad_token_id),
      position_embeddings: initEmbedding(pos, cfg.max_position_embeddings, E, std, positionPad),
      token_type_embeddings: initEmbedding(type, cfg.type_vocab_size, E, std),
      LayerNorm: initLayerNorm(E),
    },
  } as BertParams;
  // Insertion order gives HF's tensor order: embeddings, embeddings_project, encoder, pooler.
  if (E !== H) params.embeddings_project = initLinear(project, E, H, std);
  else project.dispose();
  params.encoder = { layer };
  // Only BERT's classifier reads the pooler; RoBERTa/ELECTRA classification models have none.
  if (options.pooler ?? cfg.model_type === "bert") params.pooler = { dense: initLinear(pool, H, H, std) };
  else pool.dispose();
  return params;
}
