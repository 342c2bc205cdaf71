export { cmpDropMasks, nestedDropout, nestedRate } from "./cmpDrop.js";
export { EVAL_KEEP, applyCrop, cropLevels, planCrops } from "./cmpCrop.js";
export type { ContextUnit, CropPlan, CropPlanOptions, CroppedContext, UnitAnswer } from "./cmpCrop.js";
export { trainedVariants, variantPlan, variantPowers } from "./plan.js";
export type { AblationVariant } from "./plan.js";
export { evalFeedback, planFeedback } from "./prfFeedback.js";
export type { FeedbackPlan, FeedbackPlanOptions } from "./prfFeedback.js";
