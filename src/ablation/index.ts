export { cmpDropMasks, nestedDropout, nestedRate } from "./cmpDrop.js";
export {
  EVAL_KEEP,
  applyCrop,
  cropLevels,
  hashString,
  hostRng,
  mixSeed,
  planCrops,
  shuffled,
} from "./cmpCrop.js";
export type {
  ContextUnit,
  CropPlan,
  CropPlanOptions,
  CroppedContext,
  HostRng,
  UnitAnswer,
} from "./cmpCrop.js";
export { trainedVariants, variantPlan, variantPowers } from "./plan.js";
export type { AblationVariant } from "./plan.js";
