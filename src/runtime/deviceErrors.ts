/**
 * WebGPU reports failures (out of memory, invalid buffers, a lost device) as events, not exceptions. jax-js
 * logs them and carries on: every kernel after a failed allocation reads an invalid buffer, so the run keeps
 * training, evaluating and saving on garbage. Seen on an H100 with six runs sharing the GPU: a run whose
 * allocations failed "finished" with plausible-looking dev scores. This module remembers the first such error
 * so that training and evaluation can stop before they log or write anything computed after it.
 */

interface ErrorEventLike {
  error?: { message?: string };
}
/** The parts of a GPUDevice this module touches (structural: Node has no WebGPU typings). */
export interface WatchedDevice {
  addEventListener(type: "uncapturederror", listener: (event: ErrorEventLike) => void): void;
  lost?: Promise<{ message?: string; reason?: string }>;
}

let firstError: string | null = null;
const watched = new WeakSet<object>();

/** Record the first uncaptured error (and a device loss) of `device`. Idempotent. */
export function watchDeviceErrors(device: WatchedDevice): void {
  if (watched.has(device)) return;
  watched.add(device);
  device.addEventListener("uncapturederror", (event) => {
    firstError ??= (event.error?.message ?? "unknown WebGPU error").split("\n")[0].trim();
  });
  void device.lost?.then((info) => {
    // "destroyed" is a deliberate device.destroy(), not a failure.
    if (info.reason !== "destroyed")
      firstError ??= `the GPU device was lost: ${info.message ?? "no reason given"}`;
  });
}

/** The first GPU error seen in this process, or null. */
export function deviceError(): string | null {
  return firstError;
}

/** Thrown by `assertDeviceHealthy`: what was computed since the GPU error cannot be trusted. */
export class DeviceError extends Error {
  constructor(where: string, cause: string) {
    super(`${where}: the GPU reported an error, so what was computed since is invalid: ${cause}`);
    this.name = "DeviceError";
  }
}

/** Throw a DeviceError if the GPU reported an error; `where` names the caller ("train: step 12"). */
export function assertDeviceHealthy(where: string): void {
  if (firstError !== null) throw new DeviceError(where, firstError);
}

/** Forget the recorded error (tests only: in a real process a GPU error ends the run). */
export function resetDeviceErrorsForTests(): void {
  firstError = null;
}
