import { afterEach, describe, expect, it } from "vitest";
import {
  assertDeviceHealthy,
  DeviceError,
  deviceError,
  resetDeviceErrorsForTests,
  watchDeviceErrors,
  type WatchedDevice,
} from "./deviceErrors.js";

/** A stand-in for a GPUDevice: an EventTarget with a `lost` promise we settle by hand. */
function fakeDevice() {
  let lose: (info: { message?: string; reason?: string }) => void = () => {};
  const target = new EventTarget() as EventTarget & WatchedDevice;
  target.lost = new Promise((resolve) => (lose = resolve));
  const fail = (message: string) =>
    target.dispatchEvent(Object.assign(new Event("uncapturederror"), { error: { message } }));
  return { device: target, fail, lose: (info: { message?: string; reason?: string }) => lose(info) };
}

describe("GPU error watch", () => {
  afterEach(() => resetDeviceErrorsForTests());

  it("keeps the first uncaptured error (its first line) and throws it where asked", () => {
    const { device, fail } = fakeDevice();
    watchDeviceErrors(device);
    watchDeviceErrors(device); // idempotent: one listener
    expect(() => assertDeviceHealthy("train: step 1")).not.toThrow();
    fail("vkAllocateMemory failed with VK_ERROR_OUT_OF_DEVICE_MEMORY\n    at CheckVkOOMThenSuccessImpl");
    fail("[Invalid Buffer (unlabeled)] is invalid due to a previous error.");
    expect(deviceError()).toBe("vkAllocateMemory failed with VK_ERROR_OUT_OF_DEVICE_MEMORY");
    expect(() => assertDeviceHealthy("train: step 5")).toThrow(DeviceError);
    expect(() => assertDeviceHealthy("train: step 5")).toThrow(
      /^train: step 5: the GPU reported an error, so what was computed since is invalid: vkAllocateMemory failed/,
    );
  });

  it("records a lost device, but not a deliberate destroy()", async () => {
    const a = fakeDevice();
    watchDeviceErrors(a.device);
    a.lose({ reason: "destroyed", message: "Device was destroyed." });
    await a.device.lost;
    expect(deviceError()).toBeNull();
    const b = fakeDevice();
    watchDeviceErrors(b.device);
    b.lose({ reason: "unknown", message: "driver reset" });
    await b.device.lost;
    await Promise.resolve();
    expect(deviceError()).toBe("the GPU device was lost: driver reset");
  });
});
