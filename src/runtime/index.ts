export { initRuntime, runtimeInfo } from "./init.js";
export type { DeviceName, RuntimeInfo, RuntimeOptions } from "./init.js";
