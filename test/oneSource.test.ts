/**
 * One source for each file name a run folder or a Hugging Face folder holds: `src/train/runFiles.ts` and
 * `src/models/hf/files.ts`. Anywhere else in `src/`, a name written out as a string literal (or a path part of
 * one) is a second source that drifts the day the name changes; import the constant instead. Prose in messages
 * and comments ("a vocab.txt file") may name them.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { MODEL_FILE, TOKENIZER_FILE } from "../src/models/hf/files.js";
import {
  DERIVED_FILES,
  GRID_RUN_FILES,
  PRF_RUN_FILES,
  RUN_FILES,
  RUN_TOKENIZER_DIR,
} from "../src/train/runFiles.js";

const SOURCES = ["src/train/runFiles.ts", "src/models/hf/files.ts"];
const NAMES = [
  ...new Set(
    [RUN_FILES, PRF_RUN_FILES, DERIVED_FILES, GRID_RUN_FILES, MODEL_FILE, TOKENIZER_FILE].flatMap((o) =>
      Object.values(o),
    ),
  ),
  RUN_TOKENIZER_DIR,
];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(path);
    return e.name.endsWith(".ts") && !e.name.endsWith(".test.ts") ? [path] : [];
  });
}

/** The code without comments, line numbers kept (a `//` right after a quote or colon is a URL, kept). */
function withoutComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, (c) => c.replace(/[^\n]/g, "")).replace(/(?<![:"'`])\/\/.*/g, "");
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * `"name"`, `'name'`, `` `name` ``, or `…/name` inside a string: a file name written out, not mentioned. An
 * index `T["tokenizer"]` is a property key, not a file name.
 */
function strayLiteral(name: string): RegExp {
  const n = escape(name);
  return new RegExp(`(?<!\\[)(["'\`])${n}\\1|/${n}(?=["'\`/])`);
}

/** Every `file:line` of `files` that writes out one of `names`. */
function strays(files: string[], names: string[]): string[] {
  return files.flatMap((file) =>
    withoutComments(readFileSync(file, "utf8"))
      .split("\n")
      .flatMap((line, i) =>
        names.filter((n) => strayLiteral(n).test(line)).map((n) => `${file}:${i + 1}: ${n}`),
      ),
  );
}

describe("run-file and tokenizer-file names have one source", () => {
  it("knows the names (sanity check of the lists)", () => {
    expect(NAMES).toEqual(expect.arrayContaining(["run.json", "checkpoint-last.safetensors", "config.json"]));
    expect(NAMES).toEqual(expect.arrayContaining(["tokenizer.json", "vocab.txt", "utility.json"]));
  });

  it("the detector sees a literal, a path part, and not prose or comments", () => {
    const probe = [
      'join(dir, "run.json")',
      "const p = 'vocab.txt';",
      "const f = `${dir}/tokenizer.json`;",
      "throw new Error(`expected a config.json object`); // see run.json",
      "/** writes `metrics.json` */",
      'type T = Options["tokenizer"];',
    ].join("\n");
    const found = withoutComments(probe)
      .split("\n")
      .flatMap((line, i) => NAMES.filter((n) => strayLiteral(n).test(line)).map((n) => `${i + 1}:${n}`));
    expect(found).toEqual(["1:run.json", "2:vocab.txt", "3:tokenizer.json"]);
  });

  it("src/ writes no file name outside runFiles.ts and hf/files.ts", () => {
    const files = sourceFiles("src").filter((f) => !SOURCES.includes(f.replaceAll("\\", "/")));
    expect(files.length).toBeGreaterThan(50);
    expect(strays(files, NAMES)).toEqual([]);
  });
});
