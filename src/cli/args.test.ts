import { describe, expect, it } from "vitest";
import { checkSetting, formatHelp, parseFlags, type FlagTable } from "./args.js";
import { evalHelp } from "./evalCommand.js";
import { experimentHelp } from "./experimentCommand.js";
import { trainHelp } from "./trainCommand.js";

const TABLE: FlagTable = {
  "a-long-flag-name": {
    kind: "number",
    help: "a number",
    min: 0,
    nullable: true,
    defaultText: "all of them",
  },
  "group-by-length": { kind: "boolean", help: "a boolean" },
  lr: { kind: "number", help: "rate", min: 0 },
  mode: { kind: "string", help: "mode", values: ["x", "y"] },
};

/** The flag rows of a help text: [flag column, description]. */
function rows(help: string): { indent: number; flag: string; text: string }[] {
  const lines = help.split("\n");
  return lines.slice(lines.indexOf("Flags:") + 1).map((line) => {
    const m = /^( +)(\S+)( +)(.*)$/.exec(line)!;
    return { indent: m[1].length + m[2].length + m[3].length, flag: m[2], text: m[4] };
  });
}

describe("flag help", () => {
  it("starts every description in one column, booleans included, with at most one default", () => {
    for (const [name, help] of [
      ["table", formatHelp("Usage", TABLE, { groupByLength: true, aLongFlagName: null, lr: 1 })],
      ["train", trainHelp()],
      ["eval", evalHelp()],
      ["experiment", experimentHelp()],
    ] as const) {
      const flags = rows(help);
      expect(new Set(flags.map((r) => r.indent)).size, name).toBe(1);
      for (const r of flags)
        expect(r.text.match(/\(default:/g)?.length ?? 0, `${name} ${r.flag}`).toBeLessThan(2);
    }
    const table = rows(formatHelp("Usage", TABLE, { groupByLength: true, aLongFlagName: null }));
    expect(table.map((r) => r.flag)).toContain("--[no-]group-by-length");
    expect(table.find((r) => r.flag === "--a-long-flag-name")?.text).toBe("a number (default: all of them)");
  });

  it("says what --task accepts, and the defaults in words where a value would say none", () => {
    const train = rows(trainHelp());
    expect(train.find((r) => r.flag === "--task")?.text).toMatch(
      /^GLUE, QA or ranking \(prf\) task .*squad-distractor.*\|prf\]/,
    );
    expect(train.find((r) => r.flag === "--data-dir")?.text).toMatch(/\(default: the bundled SST-2\)$/);
    expect(train.find((r) => r.flag === "--threads")?.text).toMatch(/\(default: all cores\)$/);
    expect(rows(evalHelp()).find((r) => r.flag === "--threads")?.text).toMatch(/\(default: all cores\)$/);
  });
});

describe("settings schema", () => {
  it("words a bad flag and a bad file value alike", () => {
    expect(() => parseFlags(["--lr", "fast"], TABLE)).toThrow('--lr: expected a number ≥ 0, got "fast"');
    expect(checkSetting(TABLE.lr, "fast")).toBe('expected a number ≥ 0, got "fast"');
    expect(() => parseFlags(["--mode", "z"], TABLE)).toThrow('--mode: expected one of x, y, got "z"');
    expect(checkSetting(TABLE.mode, "z")).toBe('expected one of x, y, got "z"');
  });

  it("checks kinds, ranges, choices and nullability of JSON values", () => {
    expect(checkSetting(TABLE.lr, 0.5)).toBeNull();
    expect(checkSetting(TABLE.lr, null)).toBe("expected a number ≥ 0, got null");
    expect(checkSetting(TABLE.lr, -1)).toBe("expected a number ≥ 0, got -1");
    expect(checkSetting(TABLE["a-long-flag-name"], null)).toBeNull();
    expect(checkSetting(TABLE["a-long-flag-name"], "3")).toBe('expected a number ≥ 0 or null, got "3"');
    expect(checkSetting(TABLE["group-by-length"], "no")).toBe('expected true or false, got "no"');
    expect(checkSetting(TABLE["group-by-length"], false)).toBeNull();
    expect(checkSetting(TABLE.mode, 1)).toBe("expected one of x, y, got 1");
    expect(checkSetting({ kind: "number", help: "", integer: true, min: 4, max: 512 }, 3.5)).toBe(
      "expected an integer in [4, 512], got 3.5",
    );
  });
});
