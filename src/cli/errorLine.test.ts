import { describe, expect, it } from "vitest";
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
      /^cmploss: out of memory: .*--ablation-mode accumulate.*--pad-multiple.*--device webgpu/,
    );
    expect(line.split("\n")).toHaveLength(1);
  });
});
