export {
  backendLine,
  DEVICE_REQUESTS,
  deviceMemoryStats,
  initRuntime,
  isSoftwareAdapter,
  releaseIdleDeviceMemory,
  runtimeInfo,
} from "./init.js";
export type { DeviceName, RuntimeInfo, RuntimeOptions } from "./init.js";
export { allCores, platformThreads, preparePlatform, threadsFromEnv } from "./platform.js";
export { DeviceError, assertDeviceHealthy, deviceError, watchDeviceErrors } from "./deviceErrors.js";
export type { WatchedDevice } from "./deviceErrors.js";
export { bufferPoolStats, hasBufferPool, trimBufferPool, watchDeviceMemory } from "./deviceMemory.js";
export type { DeviceMemoryStats } from "./deviceMemory.js";
