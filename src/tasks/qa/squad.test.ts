import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { DataError } from "../errors.js";
import { parseSquad, readSquad } from "./squad.js";

const FIXTURES = fileURLToPath(new URL("../../../test/fixtures/qa/", import.meta.url));
/** The official dev set, shared beside the repo (not committed): ../shared/data/squad-v1.1/dev-v1.1.json. */
const DEV = fileURLToPath(new URL("../../../../shared/data/squad-v1.1/dev-v1.1.json", import.meta.url));

/** A minimal valid file; tests break one field at a time. */
function file(): { data: { title: string; paragraphs: { context: string; qas: unknown[] }[] }[] } {
  return {
    data: [
      {
        title: "T",
        paragraphs: [
          {
            context: "The cat sat.",
            qas: [{ id: "q1", question: "Who sat?", answers: [{ text: "cat", answer_start: 4 }] }],
          },
        ],
      },
    ],
  };
}

describe("readSquad", () => {
  it("loads the hand-written official-format file", async () => {
    const { version, examples, mismatches } = await readSquad(`${FIXTURES}squad-small.json`);
    expect(version).toBe("1.1");
    expect(mismatches).toEqual([]);
    expect(examples.map((e) => e.id)).toEqual([
      "sb1",
      "sb2",
      "sb3",
      "long1",
      "long2",
      "long3",
      "b1",
      "b2",
      "c1",
      "c2",
      "c3",
    ]);
    for (const e of examples) {
      for (const a of e.answers) expect(e.context.slice(a.start, a.start + a.text.length)).toBe(a.text);
    }
    expect(examples[6]!.title).toBe("Beyoncé");
  });

  it("converts answer_start from code points to UTF-16 (an emoji precedes the answer)", async () => {
    const { examples } = await readSquad(`${FIXTURES}squad-small.json`);
    const b1 = examples.find((e) => e.id === "b1")!;
    expect(b1.context.indexOf("September")).toBe(b1.answers[0]!.start);
  });

  it("reports an answer_start that does not point at the answer, keeping the example", () => {
    const f = file();
    (f.data[0]!.paragraphs[0]!.qas[0] as { answers: unknown[] }).answers.push({
      text: "cat",
      answer_start: 0,
    });
    const { examples, mismatches } = parseSquad(f, "x.json");
    expect(examples).toHaveLength(1);
    expect(mismatches).toEqual([
      {
        id: "q1",
        path: "data[0].paragraphs[0].qas[0].answers[1]",
        text: "cat",
        answerStart: 0,
        start: 0,
        found: "The",
      },
    ]);
  });

  it.each([
    [
      (f: ReturnType<typeof file>) => Object.assign(f, { data: {} }),
      "x.json: expected data as a list, got an object",
    ],
    [
      (f: ReturnType<typeof file>) =>
        ((f.data[0]!.paragraphs[0]!.qas[0] as { answers: unknown }).answers = "cat"),
      'x.json: expected data[0].paragraphs[0].qas[0].answers as a list, got the string "cat"',
    ],
    [
      (f: ReturnType<typeof file>) =>
        ((
          f.data[0]!.paragraphs[0]!.qas[0] as { answers: { answer_start: unknown }[] }
        ).answers[0]!.answer_start = "4"),
      'x.json: expected data[0].paragraphs[0].qas[0].answers[0].answer_start as an integer >= 0, got the string "4"',
    ],
    [
      (f: ReturnType<typeof file>) => delete (f.data[0]!.paragraphs[0] as { context?: string }).context,
      "x.json: expected data[0].paragraphs[0].context as a string, got nothing",
    ],
    [
      (f: ReturnType<typeof file>) => f.data[0]!.paragraphs[0]!.qas.push(f.data[0]!.paragraphs[0]!.qas[0]),
      'x.json: expected data[0].paragraphs[0].qas[1].id to be unique, got "q1" again',
    ],
  ])("rejects a malformed file with one line (%#)", (breakIt, message) => {
    const f = file();
    breakIt(f);
    expect(() => parseSquad(f, "x.json")).toThrow(DataError);
    try {
      parseSquad(f, "x.json");
    } catch (err) {
      expect((err as Error).message).toBe(message);
      expect((err as Error).message).not.toContain("\n");
    }
  });

  it("rejects a file that is not JSON", async () => {
    await expect(readSquad(`${FIXTURES}squad-truncated.json`)).rejects.toThrow(
      /^.*squad-truncated\.json: expected valid JSON, got .+$/,
    );
  });

  it.skipIf(!existsSync(DEV))(
    "loads the official dev set (skipped: ../shared/data/squad-v1.1/dev-v1.1.json absent)",
    async () => {
      const { version, examples, mismatches } = await readSquad(DEV);
      expect(version).toBe("1.1");
      expect(examples).toHaveLength(10570);
      expect(new Set(examples.map((e) => e.title)).size).toBe(48);
      expect(new Set(examples.map((e) => e.context)).size).toBe(2067);
      expect(examples.reduce((n, e) => n + e.answers.length, 0)).toBe(34726);
      expect(mismatches).toEqual([]);
    },
  );
});
