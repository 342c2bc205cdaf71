/**
 * JSON text parsed with the place of a syntax error: V8's messages give a character offset for some errors and
 * none for others (`Unexpected token 's', "{"lr": fast}" is not valid JSON`), so the first bad token is found
 * by a small scan of the grammar and given as line and column.
 */

/** A JSON syntax error: `line L, column C: unexpected <what stands there>`. */
export class JsonSyntaxError extends Error {
  override readonly name = "JsonSyntaxError";
  constructor(
    /** 1-based. */
    readonly line: number,
    /** 1-based, in UTF-16 code units. */
    readonly column: number,
    /** What stands there: `"f"`, or `end of text`. */
    readonly found: string,
  ) {
    super(`line ${line}, column ${column}: unexpected ${found}`);
  }
}

const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;

/** The offset of the first character where `text` stops being JSON, or null when it is JSON. */
export function jsonErrorOffset(text: string): number | null {
  let i = 0;
  const stop = {};
  const fail = (): never => {
    throw stop;
  };
  const space = () => {
    while (i < text.length && " \t\n\r".includes(text[i])) i++;
  };
  const expect = (c: string) => {
    if (text[i] !== c) fail();
    i++;
  };
  const string = () => {
    expect('"');
    while (i < text.length) {
      const c = text[i];
      if (c === '"') return void i++;
      if (c < " ") fail();
      if (c !== "\\") {
        i++;
        continue;
      }
      i++;
      if (i < text.length && '"\\/bfnrt'.includes(text[i])) i++;
      else if (text[i] === "u") {
        i++;
        for (let k = 0; k < 4; k++) {
          if (!/[0-9a-fA-F]/.test(text[i] ?? "")) fail();
          i++;
        }
      } else fail();
    }
    fail();
  };
  const value = (): void => {
    space();
    const c = text[i];
    if (c === "{" || c === "[") {
      const close = c === "{" ? "}" : "]";
      i++;
      space();
      if (text[i] === close) return void i++;
      for (;;) {
        if (c === "{") {
          space();
          string();
          space();
          expect(":");
        }
        value();
        space();
        if (text[i] === ",") i++;
        else return expect(close);
      }
    }
    if (c === '"') return string();
    NUMBER.lastIndex = i;
    if (NUMBER.test(text)) return void (i = NUMBER.lastIndex);
    for (const word of ["true", "false", "null"])
      if (text.startsWith(word, i)) return void (i += word.length);
    fail(); // at the start of a bad value (`fast`), not in its middle where V8 points
  };
  try {
    value();
    space();
    return i < text.length ? i : null;
  } catch (err) {
    if (err !== stop) throw err;
    return i;
  }
}

/**
 * `JSON.parse`, with a syntax error given as line and column.
 * @throws JsonSyntaxError when `text` is not JSON.
 */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    const offset = jsonErrorOffset(text);
    if (offset === null) throw err;
    const before = text.slice(0, offset);
    const line = before.split("\n").length;
    const column = offset - (before.lastIndexOf("\n") + 1) + 1;
    const found = offset >= text.length ? "end of text" : JSON.stringify(text[offset]);
    throw new JsonSyntaxError(line, column, found);
  }
}
