import { describe, expect, it } from "vitest";
import { jsonErrorOffset, JsonSyntaxError, parseJson } from "./jsonText.js";

function syntaxError(text: string): JsonSyntaxError {
  try {
    parseJson(text);
  } catch (err) {
    if (err instanceof JsonSyntaxError) return err;
    throw err;
  }
  throw new Error(`parsed: ${text}`);
}

describe("parseJson", () => {
  it("parses what JSON.parse parses", () => {
    const text = '{"a": [1, -2.5e3, "s\\n\\u00e9", true, false, null, {}], "b": []}';
    expect(parseJson(text)).toEqual(JSON.parse(text));
    expect(jsonErrorOffset(text)).toBeNull();
  });

  it("gives the line and column of the first bad token, also where V8 gives no position", () => {
    // V8: `Unexpected token 's', "{"lr": fast}" is not valid JSON`, no position.
    expect(syntaxError('{\n  "lr": 1e-3,\n  "method": cmp\n}')).toMatchObject({
      line: 3,
      column: 13,
      found: '"c"',
    });
    expect(syntaxError('{"lr": fast}')).toMatchObject({ line: 1, column: 8, found: '"f"' });
    expect(syntaxError('{"a": 1,}').column).toBe(9);
    expect(syntaxError("{'a': 1}").column).toBe(2);
    expect(syntaxError('{"a": 1}x').column).toBe(9);
    expect(syntaxError('{"a": "\\u12G4"}').column).toBe(12);
    expect(syntaxError('{"a": 1').message).toBe("line 1, column 8: unexpected end of text");
    expect(syntaxError("").found).toBe("end of text");
  });
});
