export { cmpDropMasks, nestedDropout, nestedRate } from "./cmpDrop.js";
