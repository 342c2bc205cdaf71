import { describe, expect, it } from "vitest";
import { DeviceError } from "../runtime/deviceErrors.js";
import { errorLine } from "./errorLine.js";

describe("errorLine", () => {
  it("keeps the first line of a message", () => {
    expect(errorLine(new Error("train.tsv:3: expected 2 columns\n  at x"))).toBe(
      "cmploss: train.tsv:3: expected 2 columns",
    );
    expect(errorLine("plain")).toBe("cmploss: plain");
  });

  it("says what to do when the wasm heap is full", () => {
    const line = errorLine(new RangeError("Allocation exceeds the 4 GiB memory32 limit"));
    expect(line).toMatch(
      /^cmploss: out of memory: .*--micro-batch-size.*--ablation-mode accumulate.*--pad-multiple.*--device webgpu/,
    );
    expect(line.split("\n")).toHaveLength(1);
  });

  it("names GPU out-of-memory and what to lower", () => {
    const err = new DeviceError(
      "train: step 5",
      "vkAllocateMemory failed with VK_ERROR_OUT_OF_DEVICE_MEMORY",
    );
    const line = errorLine(err);
    expect(line).toMatch(
      /^cmploss: train: step 5: the GPU reported an error.*OUT_OF_DEVICE_MEMORY; out of GPU memory/,
    );
    expect(line).toMatch(/--jobs.*--micro-batch-size.*--max-seq-length.*--pad-multiple/);
    expect(errorLine(new DeviceError("eval", "Buffer usages must not be 0."))).not.toMatch(
      /out of GPU memory/,
    );
    expect(errorLine(new DeviceError("train: step 2", "out of memory"))).toMatch(/; out of GPU memory/);
    // the wasm heap sizing's own message suggests a GPU; it is not a GPU error
    const wasm = new Error(
      "out of memory ahead: one example's 17 model variant(s) at 296 tokens need about 3.5 GB of jax-js's 4 GiB " +
        "wasm heap beside 0.8 GB of weights and optimizer state; use a shorter --max-seq-length, fewer variants " +
        "(--n-drop, --n-crop) or a GPU (--device webgpu)",
    );
    expect(errorLine(wasm)).toBe(`cmploss: ${wasm.message}`);
  });
});
