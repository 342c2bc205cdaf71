export { backendLine, DEVICE_REQUESTS, initRuntime, isSoftwareAdapter, runtimeInfo } from "./init.js";
export type { DeviceName, RuntimeInfo, RuntimeOptions } from "./init.js";
export { allCores, platformThreads, preparePlatform, threadsFromEnv } from "./platform.js";
export { DeviceError, assertDeviceHealthy, deviceError, watchDeviceErrors } from "./deviceErrors.js";
export type { WatchedDevice } from "./deviceErrors.js";
