/** Loss math on `[B, n]` loss tables: the comparative loss (SPEC §2–5) and per-example task losses. */
export {
  comparativeLoss,
  LOSS_KINDS,
  listMle,
  pairwiseHinge,
  primaryLoss,
  PRIMARY_LOSSES,
  SCHEDULE_THRESHOLD,
} from "./comparative.js";
export type {
  CmpOptions,
  ComparativeLossOptions,
  PrimaryLoss,
  RankingOptions,
  RegulariserOptions,
} from "./comparative.js";
export { dummyEffect, LOSS_TARGETS } from "./baseline.js";
export type { LossTarget } from "./baseline.js";
export { crossEntropyPerExample, squaredErrorPerExample } from "./taskLosses.js";
export { rdropLoss, symmetricKl } from "./rdrop.js";
export { lowestRelevantCrossEntropy } from "./rankingLoss.js";
