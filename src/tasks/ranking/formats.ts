/**
 * Ranking data files: the BEIR layout (corpus.jsonl, queries.jsonl, qrels/<split>.tsv) and the MS MARCO / TREC
 * forms (collection and queries TSV, TREC qrels, TREC and MS MARCO run files).
 *
 * Every reader is strict: a line that does not have the expected form is a `DataError` naming the file, the
 * 1-based line and what was expected — never a silently skipped row. Ids are strings compared exactly (no
 * trimming, no number parsing: "007" and "7" are different documents); they may not hold whitespace, since TREC
 * files separate fields by it. Files are read whole into memory (SciFact's corpus is 8 MB; the full 3 GB MS MARCO
 * collection would need a streaming reader).
 */
import { readFile } from "node:fs/promises";
import { DataError, showValue } from "../errors.js";
import { decodeUtf8 } from "../glue/tsv.js";

/** A document of the collection. */
export interface RankDoc {
  id: string;
  /** "" where the collection has no titles (MS MARCO). */
  title: string;
  text: string;
}

/** Relevance judgements: query id → document id → grade (an integer; trec_eval treats grades < 0 as unjudged). */
export type Qrels = Map<string, Map<string, number>>;

/** One retrieved document of a run. */
export interface RunEntry {
  docId: string;
  score: number;
}

/** A run: query id → its retrieved documents in file order (trec_eval re-sorts them; see `trecOrder`). */
export type Run = Map<string, RunEntry[]>;

/** One line of a text file: its 1-based number and its content without the line end. */
interface Line {
  line: number;
  text: string;
}

/** Read a UTF-8 text file into lines (BOM removed, CRLF accepted, no empty line for the final newline). */
async function readLines(file: string, expected: string): Promise<Line[]> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new DataError(
      file,
      undefined,
      expected,
      code === "ENOENT" ? "no such file" : `${code ?? "an error"}`,
    );
  }
  return splitLines(decodeUtf8(bytes, file));
}

/** Split text into numbered lines; exported for tests. */
export function splitLines(text: string): Line[] {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const parts = body.split("\n");
  if (parts[parts.length - 1] === "") parts.pop();
  return parts.map((raw, i) => ({ line: i + 1, text: raw.endsWith("\r") ? raw.slice(0, -1) : raw }));
}

const WHITESPACE = /\s/;

/** A document or query id: a non-empty string without whitespace. */
function checkId(file: string, line: number, what: string, id: string): string {
  if (id === "" || WHITESPACE.test(id))
    throw new DataError(file, line, `${what} without whitespace`, id === "" ? "an empty id" : showValue(id));
  return id;
}

/** A JSON object per line, with the given string fields (`optional` ones default to ""). */
function parseJsonLine(
  file: string,
  { line, text }: Line,
  fields: readonly string[],
  optional: readonly string[] = [],
): Record<string, string> {
  const expected = `a JSON object with string fields ${[...fields, ...optional].map((f) => `"${f}"`).join(", ")}`;
  if (text.trim() === "") throw new DataError(file, line, expected, "an empty line");
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new DataError(file, line, expected, `invalid JSON (${(err as Error).message})`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw new DataError(file, line, expected, showValue(text));
  const obj = value as Record<string, unknown>;
  const out: Record<string, string> = {};
  for (const f of [...fields, ...optional]) {
    const v = obj[f];
    if (v === undefined && optional.includes(f)) {
      out[f] = "";
      continue;
    }
    if (typeof v !== "string")
      throw new DataError(
        file,
        line,
        `"${f}" as a string`,
        v === undefined ? "no such field" : showValue(JSON.stringify(v)),
      );
    out[f] = v;
  }
  return out;
}

/** A new id must not repeat an earlier one. */
function checkUnique(file: string, line: number, seen: Map<string, number>, id: string, what: string): void {
  const first = seen.get(id);
  if (first !== undefined)
    throw new DataError(file, line, `a new ${what}`, `${showValue(id)} again (first on line ${first})`);
  seen.set(id, line);
}

/** BEIR `corpus.jsonl`: one `{"_id", "title", "text"}` per line (`title` may be missing: ""). */
export async function readBeirCorpus(file: string): Promise<RankDoc[]> {
  const lines = await readLines(file, "a BEIR corpus.jsonl");
  const seen = new Map<string, number>();
  return lines.map((l) => {
    const o = parseJsonLine(file, l, ["_id", "text"], ["title"]);
    checkId(file, l.line, '"_id" as a document id', o._id);
    checkUnique(file, l.line, seen, o._id, "document id");
    return { id: o._id, title: o.title, text: o.text };
  });
}

/** BEIR `queries.jsonl`: one `{"_id", "text"}` per line → query id → text. */
export async function readBeirQueries(file: string): Promise<Map<string, string>> {
  const lines = await readLines(file, "a BEIR queries.jsonl");
  const seen = new Map<string, number>();
  const out = new Map<string, string>();
  for (const l of lines) {
    const o = parseJsonLine(file, l, ["_id", "text"]);
    checkId(file, l.line, '"_id" as a query id', o._id);
    checkUnique(file, l.line, seen, o._id, "query id");
    out.set(o._id, o.text);
  }
  return out;
}

/** A grade: an integer, optionally signed. */
function parseGrade(file: string, line: number, raw: string): number {
  if (!/^[-+]?\d+$/.test(raw)) throw new DataError(file, line, "an integer relevance grade", showValue(raw));
  return Number(raw);
}

function addJudgement(
  file: string,
  line: number,
  qrels: Qrels,
  qid: string,
  docId: string,
  grade: number,
): void {
  let docs = qrels.get(qid);
  if (!docs) qrels.set(qid, (docs = new Map()));
  if (docs.has(docId))
    throw new DataError(file, line, `one grade per query and document`, `a second one for ${qid} ${docId}`);
  docs.set(docId, grade);
}

const BEIR_QRELS_HEADER = "query-id\tcorpus-id\tscore";

/** BEIR `qrels/<split>.tsv`: the header `query-id corpus-id score`, then tab-separated triples. */
export async function readBeirQrels(file: string): Promise<Qrels> {
  const lines = await readLines(file, "a BEIR qrels TSV file");
  if (lines.length === 0)
    throw new DataError(file, undefined, `the header ${showValue(BEIR_QRELS_HEADER)}`, "an empty file");
  if (lines[0].text !== BEIR_QRELS_HEADER)
    throw new DataError(file, 1, `the header ${showValue(BEIR_QRELS_HEADER)}`, showValue(lines[0].text));
  const qrels: Qrels = new Map();
  for (const { line, text } of lines.slice(1)) {
    const f = text.split("\t");
    if (f.length !== 3)
      throw new DataError(
        file,
        line,
        "3 tab-separated fields (query-id, corpus-id, score)",
        text === "" ? "an empty line" : `${f.length}: ${showValue(text)}`,
      );
    checkId(file, line, "a query id", f[0]);
    checkId(file, line, "a document id", f[1]);
    addJudgement(file, line, qrels, f[0], f[1], parseGrade(file, line, f[2]));
  }
  return qrels;
}

/** TREC qrels: `qid iter docid rel` per line, separated by spaces or tabs (trec_eval ignores `iter`). */
export async function readTrecQrels(file: string): Promise<Qrels> {
  const lines = await readLines(file, "a TREC qrels file");
  const qrels: Qrels = new Map();
  for (const { line, text } of lines) {
    const f = text.trim().split(/\s+/);
    if (f.length !== 4 || f[0] === "")
      throw new DataError(
        file,
        line,
        "4 fields: qid iter docid rel",
        text.trim() === "" ? "an empty line" : showValue(text),
      );
    addJudgement(file, line, qrels, f[0], f[2], parseGrade(file, line, f[3]));
  }
  return qrels;
}

/** A TSV of `id<TAB>text` lines (MS MARCO `collection.tsv`, `queries.<split>.tsv`). */
async function readIdTextTsv(
  file: string,
  what: string,
): Promise<[id: string, text: string, line: number][]> {
  const lines = await readLines(file, `a ${what} TSV file (id<TAB>text)`);
  const seen = new Map<string, number>();
  return lines.map(({ line, text }) => {
    const f = text.split("\t");
    if (f.length !== 2)
      throw new DataError(
        file,
        line,
        "2 tab-separated fields (id, text)",
        text === "" ? "an empty line" : `${f.length}: ${showValue(text)}`,
      );
    checkId(file, line, `a ${what} id`, f[0]);
    checkUnique(file, line, seen, f[0], `${what} id`);
    return [f[0], f[1], line];
  });
}

/** MS MARCO `collection.tsv`: `pid<TAB>passage` (no titles). */
export async function readTsvCollection(file: string): Promise<RankDoc[]> {
  return (await readIdTextTsv(file, "document")).map(([id, text]) => ({ id, title: "", text }));
}

/** MS MARCO `queries.<split>.tsv`: `qid<TAB>query`. */
export async function readTsvQueries(file: string): Promise<Map<string, string>> {
  return new Map((await readIdTextTsv(file, "query")).map(([id, text]) => [id, text]));
}

/** A finite decimal number as trec_eval reads a score. */
function parseScore(file: string, line: number, raw: string): number {
  const n = Number(raw);
  if (raw === "" || !Number.isFinite(n))
    throw new DataError(file, line, "a finite number as the score", showValue(raw));
  return n;
}

function parseRank(file: string, line: number, raw: string): number {
  if (!/^\d+$/.test(raw) || Number(raw) < 1) throw new DataError(file, line, "a rank ≥ 1", showValue(raw));
  return Number(raw);
}

/**
 * A run file in either form, told apart by the field count of its first line, which every line must then have:
 * TREC (`qid Q0 docid rank score tag`, separated by spaces or tabs; the rank column is ignored, as trec_eval
 * ignores it: it re-sorts by score) or the 3-column MS MARCO run (`qid<TAB>docid<TAB>rank`, which has no
 * score: it gets score = −rank so that the file's ranks are the order). A document twice for one query is an
 * error (trec_eval refuses such a run too).
 */
export async function readRun(file: string): Promise<Run> {
  const lines = await readLines(
    file,
    "a run file (TREC: qid Q0 docid rank score tag, or MS MARCO: qid docid rank)",
  );
  const run: Run = new Map();
  const seen = new Map<string, number>();
  let columns: 6 | 3 | undefined;
  for (const { line, text } of lines) {
    const f = text.trim().split(/\s+/);
    if (columns === undefined && (f.length === 6 || f.length === 3)) columns = f.length;
    if (f.length !== columns || f[0] === "") {
      const expected =
        columns === 3
          ? "3 fields: qid docid rank (an MS MARCO run, as on line 1)"
          : columns === 6
            ? "6 fields: qid Q0 docid rank score tag (a TREC run, as on line 1)"
            : "6 fields (TREC: qid Q0 docid rank score tag) or 3 (MS MARCO: qid docid rank)";
      throw new DataError(
        file,
        line,
        expected,
        text.trim() === "" ? "an empty line" : `${f.length}: ${showValue(text)}`,
      );
    }
    const [qid, docId] = columns === 6 ? [f[0], f[2]] : [f[0], f[1]];
    // trec_eval ignores a TREC run's rank column (get_trec_results.c), so any token passes there.
    const score = columns === 6 ? parseScore(file, line, f[4]) : -parseRank(file, line, f[2]);
    const key = `${qid}\u0000${docId}`;
    const first = seen.get(key);
    if (first !== undefined)
      throw new DataError(
        file,
        line,
        `each document once per query`,
        `${docId} again for query ${qid} (first on line ${first})`,
      );
    seen.set(key, line);
    let entries = run.get(qid);
    if (!entries) run.set(qid, (entries = []));
    entries.push({ docId, score });
  }
  return run;
}

/** A run as TREC run-file text: `qid Q0 docid rank score tag`, the entries in order, ranks from 1. */
export function formatTrecRun(run: Run, tag: string): string {
  const out: string[] = [];
  for (const [qid, entries] of run) {
    entries.forEach((e, i) => out.push(`${qid} Q0 ${e.docId} ${i + 1} ${formatScore(e.score)} ${tag}`));
  }
  return out.length ? out.join("\n") + "\n" : "";
}

/** A score written so that reading it back gives the same double (shortest round-trip form). */
function formatScore(score: number): string {
  return String(score);
}
