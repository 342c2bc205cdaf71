/** Reads GLUE-format TSV files as plain tab-separated text with quoting off, the way the GLUE files were written. */
import { readFile } from "node:fs/promises";
import { DataError, showValue } from "../errors.js";

/** What a TSV file must look like. */
export interface TsvLayout {
  /** The exact header fields, or null for a file without a header line (CoLA). */
  header: readonly string[] | null;
  /** Tab-separated fields on every line; equals `header.length` when there is a header. */
  numColumns: number;
}

/** One data line: its 1-based physical line number (the header is line 1) and its fields, unmodified. */
export interface TsvRow {
  line: number;
  fields: string[];
}

export interface TsvTable {
  file: string;
  /** The header fields (BOM removed), or null for a headerless layout. */
  header: string[] | null;
  rows: TsvRow[];
}

/**
 * One-line description of a layout for messages, e.g. `header "sentence\tlabel"`. The header is shown whole (it
 * is the caller's own short list, and MNLI's layouts differ only in their last fields).
 */
export function describeLayout(layout: TsvLayout): string {
  return layout.header === null
    ? `${layout.numColumns} tab-separated fields per line and no header`
    : `header ${JSON.stringify(layout.header.join("\t"))}`;
}

/**
 * A wrong header line for a message. File content is cut to ~80 characters, which can hide where a long header
 * differs (MNLI train vs dev), so the field count or the first differing field is named when the cut hides it.
 */
function describeHeader(got: string, header: readonly string[]): string {
  const fields = got.split("\t");
  if (fields.length !== header.length) return `a ${fields.length}-field header ${showValue(got)}`;
  const shown = showValue(got);
  const i = fields.findIndex((f, k) => f !== header[k]);
  if (!shown.endsWith('…"')) return shown;
  return `${shown} (field ${i + 1} is ${showValue(fields[i])}, not ${JSON.stringify(header[i])})`;
}

/**
 * Split GLUE TSV text into rows, checking the header and the field count of every line.
 *
 * Quoting is off: only `\t` separates fields and `"` is an ordinary character (SST-2 and MRPC have fields that
 * start with a bare `"`; a CSV reader would swallow the tabs after it). A leading UTF-8 BOM (MRPC) is removed,
 * CRLF line ends are accepted, and a missing final newline (CoLA dev) is fine. Nothing is skipped: an empty or
 * short line is a DataError, never a silently dropped row. A header-only file gives zero rows.
 * @param file the name used in DataError messages.
 * @throws DataError for an empty file, a wrong or missing header, or a line with the wrong number of fields.
 */
export function parseTsv(text: string, file: string, layout: TsvLayout): TsvTable {
  const { header, numColumns } = layout;
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  if (body.length === 0) {
    const expected =
      header === null ? `at least one line of ${describeLayout(layout)}` : describeLayout(layout);
    throw new DataError(file, undefined, expected, "an empty file");
  }
  const lines = body.split("\n");
  // A final newline ends the last line; it does not start an empty one.
  if (lines[lines.length - 1] === "") lines.pop();

  let first = 0;
  let headerFields: string[] | null = null;
  if (header !== null) {
    const got = stripCR(lines[0]);
    if (got !== header.join("\t")) {
      throw new DataError(file, 1, describeLayout(layout), describeHeader(got, header));
    }
    headerFields = got.split("\t");
    first = 1;
  }

  const names = header === null ? "" : ` (${header.join(", ")})`;
  const rows: TsvRow[] = [];
  for (let i = first; i < lines.length; i++) {
    const raw = stripCR(lines[i]);
    const fields = raw.split("\t");
    if (fields.length !== numColumns) {
      const count = `${fields.length} field${fields.length === 1 ? "" : "s"}`;
      const got = raw === "" ? "an empty line" : `${count}: ${showValue(raw)}`;
      throw new DataError(file, i + 1, `${numColumns} tab-separated fields${names}`, got);
    }
    rows.push({ line: i + 1, fields });
  }
  return { file, header: headerFields, rows };
}

/**
 * Read and parse a GLUE TSV file (see `parseTsv`).
 * @param expected what the file should be, for the missing-file message; default: its layout.
 * @throws DataError for a missing or unreadable file, invalid UTF-8 (naming the first bad line), or any
 *   `parseTsv` problem.
 */
export async function readTsv(file: string, layout: TsvLayout, expected?: string): Promise<TsvTable> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const got = code === "ENOENT" ? "no such file" : `${code ?? "an error"} while reading it`;
    throw new DataError(file, undefined, expected ?? `a TSV file with ${describeLayout(layout)}`, got);
  }
  return parseTsv(decodeUtf8(bytes, file), file, layout);
}

function stripCR(line: string): string {
  return line.endsWith("\r") ? line.slice(0, -1) : line;
}

/** Strict UTF-8 decoding: a replacement character would silently change a sentence, so bad bytes are an error. */
export function decodeUtf8(bytes: Uint8Array, file: string): string {
  try {
    // ignoreBOM keeps a BOM in the text; parseTsv removes it, so strings and files behave the same.
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    // Error path only: find the first line that fails, so the message can point at it.
    const lineDecoder = new TextDecoder("utf-8", { fatal: true });
    let start = 0;
    for (let line = 1; start <= bytes.length; line++) {
      let end = bytes.indexOf(0x0a, start);
      if (end < 0) end = bytes.length;
      try {
        lineDecoder.decode(bytes.subarray(start, end));
      } catch {
        throw new DataError(file, line, "UTF-8 text", "bytes that are not valid UTF-8");
      }
      start = end + 1;
    }
    throw new DataError(file, undefined, "UTF-8 text", "bytes that are not valid UTF-8");
  }
}
