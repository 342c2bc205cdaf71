export { applyEmbedding, initEmbedding } from "./embedding.js";
export type { EmbeddingParams } from "./embedding.js";
export { applyLayerNorm, initLayerNorm } from "./layerNorm.js";
export type { LayerNormParams } from "./layerNorm.js";
export { applyLinear, initLinear } from "./linear.js";
export type { LinearParams } from "./linear.js";
