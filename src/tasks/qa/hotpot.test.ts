import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { DataError } from "../errors.js";
import { parseHotpot, readHotpot, YES_NO_PREFIX } from "./hotpot.js";

const FIXTURES = fileURLToPath(new URL("../../../test/fixtures/qa/", import.meta.url));

describe("readHotpot", () => {
  it("builds one marked context per question with paragraph spans and supporting flags", async () => {
    const { examples, notFound } = await readHotpot(`${FIXTURES}hotpot-small.json`);
    expect(examples.map((e) => e.id)).toEqual(["h1", "h2", "h3", "h4", "h5"]);
    expect(notFound).toEqual(["h5"]);
    const h1 = examples[0]!;
    expect(
      h1.context.startsWith(YES_NO_PREFIX + "<t> Radio City (Indian radio station) </t> Radio City is"),
    ).toBe(true);
    expect(h1.paragraphs.map((p) => p.supporting)).toEqual([false, true, true]);
    for (const p of h1.paragraphs) {
      expect(h1.context.slice(p.start, p.end).startsWith(`<t> ${p.title} </t> `)).toBe(true);
      expect(p.sentences.at(-1)![1]).toBe(p.end);
    }
    expect(h1.context.slice(...h1.paragraphs[2]!.sentences[1]!)).toBe(" The magazine was started in 1989.");
    expect(h1.paragraphs[2]!.supportingSentences).toEqual([true, false]);
  });

  it("locates span answers in supporting paragraphs, yes/no in the prefix", async () => {
    const { examples } = await readHotpot(`${FIXTURES}hotpot-small.json`);
    const [h1, h2, h3, h4, h5] = examples;
    for (const e of [h1!, h2!, h3!, h4!]) {
      const a = e.answers[0]!;
      expect(e.context.slice(a.start, a.start + a.text.length)).toBe(e.answer);
    }
    // Body before title: Arthur's Magazine is found in its first sentence, not the <t> title.
    expect(h1!.answers[0]!.start).toBe(h1!.paragraphs[1]!.sentences[0]![0]);
    expect([h2!.answerKind, h2!.answers[0]]).toEqual(["yes", { text: "yes", start: 0 }]);
    expect([h3!.answerKind, h3!.answers[0]]).toEqual(["no", { text: "no", start: 4 }]);
    // "Denver, Colorado" first appears in a distractor; the gold span is the supporting paragraph's.
    const gold = h4!.paragraphs[2]!;
    expect(h4!.answers[0]!.start).toBeGreaterThan(gold.start);
    expect(h5!.answers).toEqual([]);
  });

  it.each([
    [{}, "h.json: expected the top level as a list, got an object"],
    [
      [{ _id: "x", question: "q", answer: "a", supporting_facts: [], context: {} }],
      "h.json: expected [0].context as a list, got an object",
    ],
    [
      [{ _id: "x", question: "q", answer: "a", supporting_facts: [["T"]], context: [] }],
      "h.json: expected [0].supporting_facts[0] as [title, sent_idx], got a list of 1",
    ],
    [
      [{ _id: "x", question: "q", answer: "a", supporting_facts: [], context: [["T", ["s", 3]]] }],
      "h.json: expected [0].context[0][1][1] as a string, got number 3",
    ],
    [
      [{ _id: "x", question: "q", answer: "a", supporting_facts: [["U", 0]], context: [["T", ["a"]]] }],
      'h.json: expected [0].supporting_facts to name paragraphs of [0].context, got "U"',
    ],
  ])("rejects a malformed file with one line (%#)", (json, message) => {
    expect(() => parseHotpot(json, "h.json")).toThrow(DataError);
    expect(() => parseHotpot(json, "h.json")).toThrow(message);
  });
});
