/** Checked access to parsed JSON for the QA readers: every failure is a one-line `DataError` with a JSON path. */
import { readFile } from "node:fs/promises";
import { DataError, showValue } from "../errors.js";

/** Read and parse a JSON file; a missing or invalid file is a `DataError` naming it. */
export async function readJsonFile(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    throw new DataError(
      file,
      undefined,
      "a readable JSON file",
      (err as NodeJS.ErrnoException).code ?? "an error",
    );
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new DataError(file, undefined, "valid JSON", (err as Error).message);
  }
}

/** A short description of a JSON value for messages. */
export function describe(v: unknown): string {
  if (v === undefined) return "nothing";
  if (v === null) return "null";
  if (Array.isArray(v)) return `a list of ${v.length}`;
  if (typeof v === "string") return `the string ${showValue(v)}`;
  if (typeof v === "object") return "an object";
  return `${typeof v} ${String(v)}`;
}

/** Typed getters that throw `file: expected <path> as <kind>, got <value>`. */
export class JsonReader {
  constructor(readonly file: string) {}

  fail(path: string, expected: string, got: string): DataError {
    return new DataError(this.file, undefined, `${path} ${expected}`, got);
  }

  object(v: unknown, path: string): Record<string, unknown> {
    if (typeof v !== "object" || v === null || Array.isArray(v))
      throw this.fail(path, "as an object", describe(v));
    return v as Record<string, unknown>;
  }

  list(v: unknown, path: string): unknown[] {
    if (!Array.isArray(v)) throw this.fail(path, "as a list", describe(v));
    return v;
  }

  string(v: unknown, path: string): string {
    if (typeof v !== "string") throw this.fail(path, "as a string", describe(v));
    return v;
  }

  integer(v: unknown, path: string): number {
    if (typeof v !== "number" || !Number.isInteger(v) || v < 0)
      throw this.fail(path, "as an integer >= 0", describe(v));
    return v;
  }
}

/** Code-point index → UTF-16 index in `text` (SQuAD's `answer_start` counts Python code points). */
export function codePointToUtf16(text: string): (cp: number) => number {
  const table: number[] = [];
  let pos = 0;
  for (const ch of text) {
    table.push(pos);
    pos += ch.length;
  }
  table.push(pos);
  return (cp) => (cp < table.length ? table[cp]! : pos + (cp - table.length + 1));
}
