/**
 * Reader for the official HotpotQA distractor JSON (a list of `{_id, question, answer, supporting_facts:
 * [[title, sent_idx]…], context: [[title, [sentence…]]…], type, level}`), turned into one extractive QA context.
 *
 * Context layout (what `QaExample.context` holds):
 *
 *     yes no <t> Title 1 </t> Sentence 1. Sentence 2. <t> Title 2 </t> Sentence 1. …
 *
 * - Paragraphs keep the file's order. Each is `<t> {title} </t> ` followed by its sentences concatenated as
 *   given (HotpotQA sentences carry their own leading spaces); paragraphs are joined by one space.
 * - The markers `<t>`/`</t>` are plain text, not added tokens: every BERT-family tokenizer keeps them (BERT
 *   WordPiece as `<`, `t`, `>`; byte-level BPE as its own pieces), so no embedding rows are added. The reference
 *   (Longformer) used added special tokens for title/sentence markers; ours cost 3–4 tokens per paragraph.
 * - Yes/no questions (`answer` "yes" or "no", the `comparison` type mostly): the context starts with the
 *   literal `yes no `, so both are extractable spans (`yes` at 0, `no` at 4) and the span head needs no extra
 *   classifier, like the reference's span markers. The prefix is on every example, so it carries no signal.
 * - Span answers are located by exact string match inside the supporting paragraphs, in paragraph order: the
 *   sentences first, then the title; the first hit is the gold span. An answer found nowhere keeps the example
 *   with `answers: []` (its features are labelled [CLS]) and is listed in `notFound`; `answer` keeps the gold
 *   text for EM/F1.
 */
import { DataError, showValue } from "../errors.js";
import { JsonReader, readJsonFile } from "./json.js";
import type { QaAnswer, QaExample } from "./types.js";

/** The text every HotpotQA context starts with, so that yes/no answers are spans. */
export const YES_NO_PREFIX = "yes no ";
/** Paragraph title markers (plain text). */
export const TITLE_OPEN = "<t>";
export const TITLE_CLOSE = "</t>";

/** One paragraph of a HotpotQA context, with UTF-16 spans into `QaExample.context`. */
export interface HotpotParagraph {
  title: string;
  /** From the `<t>` marker to the end of the last sentence. */
  start: number;
  end: number;
  /** `[start, end)` of each sentence. */
  sentences: [number, number][];
  /** Whether a supporting fact names this paragraph (a gold paragraph, never cropped: SPEC §7). */
  supporting: boolean;
  /** Per sentence: whether it is a supporting fact. */
  supportingSentences: boolean[];
}

/** A HotpotQA question as an extractive QA example (see the file header for the context layout). */
export interface HotpotExample extends QaExample {
  /** The gold answer as given ("yes", "no" or a span's text). */
  answer: string;
  answerKind: "span" | "yes" | "no";
  paragraphs: HotpotParagraph[];
  type: string;
  level: string;
}

/** A HotpotQA file: examples in file order and the ids of span answers that could not be located. */
export interface HotpotData {
  examples: HotpotExample[];
  notFound: string[];
}

/**
 * Parse HotpotQA distractor JSON already read from `file` (the name is used in messages only).
 * @throws DataError `file: expected [i].context[j] as …, got …` for a value of the wrong kind or shape.
 */
export function parseHotpot(json: unknown, file: string): HotpotData {
  const r = new JsonReader(file);
  const examples: HotpotExample[] = [];
  const notFound: string[] = [];
  r.list(json, "the top level").forEach((itemJson, i) => {
    const path = `[${i}]`;
    const item = r.object(itemJson, path);
    const id = r.string(item._id, `${path}._id`);
    const question = r.string(item.question, `${path}.question`);
    const answer = r.string(item.answer, `${path}.answer`);
    const facts = new Map<string, Set<number>>();
    r.list(item.supporting_facts, `${path}.supporting_facts`).forEach((factJson, k) => {
      const fPath = `${path}.supporting_facts[${k}]`;
      const fact = r.list(factJson, fPath);
      if (fact.length !== 2) throw r.fail(fPath, "as [title, sent_idx]", `a list of ${fact.length}`);
      const title = r.string(fact[0], `${fPath}[0]`);
      const sent = r.integer(fact[1], `${fPath}[1]`);
      facts.set(title, (facts.get(title) ?? new Set()).add(sent));
    });
    let context = YES_NO_PREFIX;
    const paragraphs: HotpotParagraph[] = [];
    r.list(item.context, `${path}.context`).forEach((paraJson, p) => {
      const pPath = `${path}.context[${p}]`;
      const para = r.list(paraJson, pPath);
      if (para.length !== 2) throw r.fail(pPath, "as [title, [sentence, …]]", `a list of ${para.length}`);
      const title = r.string(para[0], `${pPath}[0]`);
      const sentenceTexts = r.list(para[1], `${pPath}[1]`).map((s, k) => r.string(s, `${pPath}[1][${k}]`));
      if (p > 0) context += " ";
      const start = context.length;
      context += `${TITLE_OPEN} ${title} ${TITLE_CLOSE} `;
      const sentences = sentenceTexts.map((s): [number, number] => {
        const begin = context.length;
        context += s;
        return [begin, context.length];
      });
      const factSet = facts.get(title);
      paragraphs.push({
        title,
        start,
        end: context.length,
        sentences,
        supporting: factSet !== undefined,
        supportingSentences: sentenceTexts.map((_, k) => factSet?.has(k) ?? false),
      });
    });
    if (facts.size > 0 && !paragraphs.some((p) => p.supporting)) {
      throw new DataError(
        file,
        undefined,
        `${path}.supporting_facts to name paragraphs of ${path}.context`,
        showValue([...facts.keys()].join(", ")),
      );
    }
    const answerKind = answer === "yes" ? "yes" : answer === "no" ? "no" : "span";
    const located = locateAnswer(context, paragraphs, answer, answerKind);
    if (located === undefined) notFound.push(id);
    examples.push({
      id,
      question,
      context,
      answers: located === undefined ? [] : [located],
      title: paragraphs
        .filter((p) => p.supporting)
        .map((p) => p.title)
        .join(" | "),
      answer,
      answerKind,
      paragraphs,
      type: typeof item.type === "string" ? item.type : "",
      level: typeof item.level === "string" ? item.level : "",
    });
  });
  return { examples, notFound };
}

function locateAnswer(
  context: string,
  paragraphs: readonly HotpotParagraph[],
  answer: string,
  kind: "span" | "yes" | "no",
): QaAnswer | undefined {
  if (kind === "yes") return { text: "yes", start: 0 };
  if (kind === "no") return { text: "no", start: YES_NO_PREFIX.indexOf("no") };
  if (answer === "") return undefined;
  const supporting = paragraphs.filter((p) => p.supporting);
  for (const p of supporting) {
    const bodyStart = p.sentences[0]?.[0] ?? p.end;
    const at = context.slice(bodyStart, p.end).indexOf(answer);
    if (at >= 0) return { text: answer, start: bodyStart + at };
  }
  for (const p of supporting) {
    const titleStart = p.start + TITLE_OPEN.length + 1;
    if (p.title.includes(answer)) return { text: answer, start: titleStart + p.title.indexOf(answer) };
  }
  return undefined;
}

/** Read a HotpotQA distractor JSON file (see `parseHotpot`). */
export async function readHotpot(file: string): Promise<HotpotData> {
  return parseHotpot(await readJsonFile(file), file);
}
