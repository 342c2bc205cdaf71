/** `DataError`: a problem in an input data file, reported as one self-explanatory line. */

/** Longest quoted value a message shows; longer values are cut with "…" so the message stays one short line. */
const MAX_SHOWN = 80;

/**
 * An input file (GLUE TSV, vocab.txt) that does not have the expected layout.
 *
 * The message is exactly `<file>:<line>: expected <what>, got <what>`, or `<file>: expected <what>, got <what>`
 * for whole-file problems, so the CLI can print `error.message` alone and exit 1.
 */
export class DataError extends Error {
  override readonly name = "DataError";
  /** The file as the caller named it. */
  readonly file: string;
  /** 1-based physical line (the header counts as line 1), or undefined for a whole-file problem. */
  readonly line: number | undefined;
  readonly expected: string;
  readonly got: string;

  /**
   * @param expected what the file should contain there, e.g. `header "sentence\tlabel"`.
   * @param got what it contains; use `showValue` for file content so tabs and newlines stay escaped.
   */
  constructor(file: string, line: number | undefined, expected: string, got: string) {
    super(`${line === undefined ? file : `${file}:${line}`}: expected ${expected}, got ${got}`);
    this.file = file;
    this.line = line;
    this.expected = expected;
    this.got = got;
  }
}

/** Quote file content for a message: JSON-escaped (one line, tabs visible as `\t`) and cut to ~80 characters. */
export function showValue(value: string): string {
  const cut = value.length > MAX_SHOWN ? `${value.slice(0, MAX_SHOWN)}…` : value;
  return JSON.stringify(cut);
}
