/**
 * Reader for the official SQuAD v1.1 JSON (`{version, data: [{title, paragraphs: [{context, qas: [{id,
 * question, answers: [{text, answer_start}]}]}]}]}`), as HF `datasets`' `squad` builder flattens it.
 */
import { DataError, showValue } from "../errors.js";
import { codePointToUtf16, JsonReader, readJsonFile } from "./json.js";
import type { QaAnswer, QaExample } from "./types.js";

/** A gold answer whose `answer_start` does not point at its text. */
export interface AnswerMismatch {
  id: string;
  /** JSON path of the answer, e.g. `data[3].paragraphs[0].qas[2].answers[1]`. */
  path: string;
  text: string;
  /** `answer_start` as the file gives it (code points). */
  answerStart: number;
  /** The same as a UTF-16 index into the context. */
  start: number;
  /** What the context holds at `start` (as many characters as the answer text). */
  found: string;
}

/** A SQuAD file: its examples in file order, and the answers whose offsets are wrong (kept as given). */
export interface SquadData {
  version: string | undefined;
  examples: QaExample[];
  mismatches: AnswerMismatch[];
}

/**
 * Parse SQuAD v1.1 JSON already read from `file` (the name is used in messages only).
 *
 * `answer_start` counts Python code points; it is converted to a UTF-16 index, so `start` can be used with
 * `context.slice` (the two differ after characters outside the BMP). A question with an empty answer list is
 * kept (test sets without answers).
 * @throws DataError `file: expected data[i].paragraphs[j]… as …, got …` for a value of the wrong kind, or a
 *   repeated question id.
 */
export function parseSquad(json: unknown, file: string): SquadData {
  const r = new JsonReader(file);
  const root = r.object(json, "the top level");
  const version = root.version === undefined ? undefined : String(root.version);
  const examples: QaExample[] = [];
  const mismatches: AnswerMismatch[] = [];
  const seen = new Set<string>();
  r.list(root.data, "data").forEach((articleJson, a) => {
    const article = r.object(articleJson, `data[${a}]`);
    const title = r.string(article.title, `data[${a}].title`);
    r.list(article.paragraphs, `data[${a}].paragraphs`).forEach((paragraphJson, p) => {
      const pPath = `data[${a}].paragraphs[${p}]`;
      const paragraph = r.object(paragraphJson, pPath);
      const context = r.string(paragraph.context, `${pPath}.context`);
      const toUtf16 = codePointToUtf16(context);
      r.list(paragraph.qas, `${pPath}.qas`).forEach((qaJson, q) => {
        const qPath = `${pPath}.qas[${q}]`;
        const qa = r.object(qaJson, qPath);
        const id = r.string(qa.id, `${qPath}.id`);
        if (seen.has(id))
          throw new DataError(file, undefined, `${qPath}.id to be unique`, `${showValue(id)} again`);
        seen.add(id);
        const question = r.string(qa.question, `${qPath}.question`);
        const answers = r.list(qa.answers, `${qPath}.answers`).map((answerJson, k): QaAnswer => {
          const aPath = `${qPath}.answers[${k}]`;
          const answer = r.object(answerJson, aPath);
          const text = r.string(answer.text, `${aPath}.text`);
          const answerStart = r.integer(answer.answer_start, `${aPath}.answer_start`);
          const start = toUtf16(answerStart);
          const found = context.slice(start, start + text.length);
          if (found !== text) mismatches.push({ id, path: aPath, text, answerStart, start, found });
          return { text, start };
        });
        examples.push({ id, question, context, answers, title });
      });
    });
  });
  return { version, examples, mismatches };
}

/**
 * The one-line error for a file whose answers do not all sit where their `answer_start` says (SQuAD's own
 * convention: the context at `answer_start` reads the answer text), naming the first such answer's question;
 * null when every answer matches.
 */
export function answerMismatchError(data: SquadData, file: string): DataError | null {
  const [first] = data.mismatches;
  if (first === undefined) return null;
  const context = data.examples.find((ex) => ex.id === first.id)?.context ?? "";
  const got =
    first.start >= context.length
      ? `answer_start ${first.answerStart} past the end of its ${context.length}-character context`
      : showValue(first.found);
  const more =
    data.mismatches.length > 1 ? ` (${data.mismatches.length} answers in the file do not match)` : "";
  return new DataError(
    file,
    undefined,
    `${first.path} of question ${showValue(first.id)} to read ${showValue(first.text)} at its answer_start ${first.answerStart}`,
    `${got}${more}`,
  );
}

/** Read a SQuAD v1.1 JSON file (see `parseSquad`). */
export async function readSquad(file: string): Promise<SquadData> {
  return parseSquad(await readJsonFile(file), file);
}
