export { readHfConfig } from "./config.js";
export type { HfConfigJson } from "./config.js";
export { halfToFloat, loadHfClassifier, loadHfInto, loadHfSpanExtractor, readHfWeights } from "./load.js";
export type { LoadedClassifier } from "./load.js";
export { hfConfigJson, saveHfClassifier, TOKENIZER_FILES } from "./save.js";
export type { HfSaveOptions } from "./save.js";
export { fetchHubModel, hubCacheDir, isHubId } from "./hub.js";
