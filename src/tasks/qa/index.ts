/**
 * Extractive QA on the host: the QA tasks as items over context units (`data.ts`), SQuAD/HotpotQA readers,
 * sliding-window features, span decoding, SQuAD EM/F1.
 */
export type { QaAnswer, QaExample } from "./types.js";
export { answerMismatchError, parseSquad, readSquad } from "./squad.js";
export type { AnswerMismatch, SquadData } from "./squad.js";
export { TITLE_CLOSE, TITLE_OPEN, YES_NO_PREFIX, parseHotpot, readHotpot } from "./hotpot.js";
export type { HotpotData, HotpotExample, HotpotParagraph } from "./hotpot.js";
export { buildQaFeatures } from "./features.js";
export type { FeatureOptions, QaFeature, QaTokenizer } from "./features.js";
export { decodeQaPredictions } from "./decode.js";
export type { DecodeOptions, QaCandidate, QaPrediction } from "./decode.js";
export { exactMatchScore, f1Score, maxOverGroundTruths, normalizeAnswer, squadEvaluate } from "./metric.js";
export type { SquadScores } from "./metric.js";
export { bertNormalizeAligned, byteLevelOffsets, splitAddedTokens, wordPieceOffsets } from "./offsets.js";
export type { AddedToken, ByteLevelAlignOptions, TextOffsets, WordPieceAlignOptions } from "./offsets.js";
export {
  DISTRACTOR_SPLIT,
  QA_DEFAULTS,
  itemExample,
  limitContext,
  loadQaTask,
  qaDataDirProblem,
  squadItem,
} from "./data.js";
export type { QaItem, QaSettings, QaTaskData } from "./data.js";
