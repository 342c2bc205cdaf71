import { describe, expect, it } from "vitest";
import { numpy as np } from "@jax-js/jax";
import { backendLine, initRuntime, isSoftwareAdapter, runtimeInfo } from "./index.js";

describe("initRuntime", () => {
  it("is idempotent for the same device and refuses a switch", async () => {
    const info = runtimeInfo();
    expect(info?.device).toBe("wasm");
    await expect(initRuntime({ device: "wasm" })).resolves.toBe(info);
    await expect(initRuntime({ device: "cpu" })).rejects.toThrow(/already started/);
    await expect(initRuntime({ device: "wasm", threads: 7 })).rejects.toThrow(/CMPLOSS_THREADS=7/);
  });

  it("runs a matmul after the Node polyfills", async () => {
    const x = np.array([
      [1, 2],
      [3, 4],
    ]);
    const y = np.matmul(x.ref, x);
    expect(Array.from(await y.data())).toEqual([7, 10, 15, 22]);
    expect(typeof ([].values() as unknown as { map: unknown }).map).toBe("function");
  });
});

describe("device auto", () => {
  it("never picks a software adapter", () => {
    expect(isSoftwareAdapter({ info: { isFallbackAdapter: true } })).toBe(true);
    expect(isSoftwareAdapter({ isFallbackAdapter: true })).toBe(true);
    expect(isSoftwareAdapter({ info: { description: "llvmpipe: Mesa 25.0.7 (LLVM 15.0.6)" } })).toBe(true);
    expect(isSoftwareAdapter({ info: { description: "Google SwiftShader" } })).toBe(true);
    expect(isSoftwareAdapter({ info: { description: "NVIDIA: 580.159.04 580.159.4.0" } })).toBe(false);
  });

  it("returns the runtime already started, and says why in the log line", async () => {
    await expect(initRuntime({ device: "auto" })).resolves.toBe(runtimeInfo());
    expect(backendLine({ device: "wasm", threads: 2, node: true, reason: "no WebGPU adapter" })).toBe(
      "cmploss: jax-js wasm backend, 2 thread(s) (auto: no WebGPU adapter)",
    );
    expect(backendLine({ device: "webgpu", threads: 1, node: true })).toBe("cmploss: jax-js webgpu backend");
  });
});
