export { readHfConfig } from "./config.js";
export { loadHfClassifier, loadHfInto, loadHfSpanExtractor, readHfWeights } from "./load.js";
export {
  decodeHfWeights,
  halfToFloat,
  hfClassifierFromFiles,
  hfConfigFromJson,
  paramsFromTensors,
} from "./parse.js";
export type { HfConfigJson, LoadedClassifier, LoadedModel } from "./parse.js";
export { MODEL_FILE, TOKENIZER_FILE, TOKENIZER_FILES } from "./files.js";
export { hfConfigJson, hfQaConfigJson, saveHfClassifier, saveHfSpanExtractor } from "./save.js";
export type { HfSaveOptions } from "./save.js";
export { fetchHubModel, hubCacheDir, isHubId } from "./hub.js";
