import { describe, expect, it } from "vitest";
import { numpy as np } from "@jax-js/jax";
import { initRuntime, runtimeInfo } from "./index.js";

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
