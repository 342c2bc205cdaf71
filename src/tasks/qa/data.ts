/**
 * QA tasks as lists of items (a question over context units, some relevant), so that CmpCrop can drop
 * irrelevant units and the same code serves SQuAD (one unit), the SQuAD distractor benchmark and HotpotQA.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { applyCrop, type ContextUnit } from "../../ablation/cmpCrop.js";
import { hashString, hostRng, mixSeed, sampleDistinct } from "../../util/hostRng.js";
import type { QaTaskName } from "../registry.js";
import {
  addDistractors,
  restrictDistractors,
  splitByArticle,
  type DistractorItem,
  type SquadLike,
} from "./distractor.js";
import { readHotpot, type HotpotExample } from "./hotpot.js";
import { answerMismatchError, readSquad } from "./squad.js";
import type { QaExample } from "./types.js";

/** The settings of a QA run beside TrainConfig (run.json `settings`; the QA flags of `cmploss train`). */
export interface QaSettings {
  nCrop: number;
  docStride: number;
  maxQueryLength: number;
  maxAnswerLength: number;
  nBestSize: number;
  /** Distractor paragraphs per question (squad-distractor). */
  distractors: number;
  /** Evaluate with only the first m irrelevant units (null: all). */
  maxParagraphs: number | null;
  /** Train on a fixed seeded subset of this many training questions (null: all). */
  trainQuestions: number | null;
  /** Score a fixed seeded subset of this many dev questions (null: all). */
  devQuestions: number | null;
}

export const QA_DEFAULTS: QaSettings = {
  nCrop: 0,
  docStride: 128,
  maxQueryLength: 64,
  maxAnswerLength: 30,
  nBestSize: 20,
  distractors: 4,
  maxParagraphs: null,
  trainQuestions: null,
  devQuestions: null,
};

/** One question over context units; answers are spans of one relevant unit. */
export type QaItem = DistractorItem;

export interface QaTaskData {
  train: QaItem[];
  dev: QaItem[];
  /** Joins kept units (HotpotQA's context joins paragraphs with one space). */
  separator: string;
  files: string[];
  /** What the run should say about its data (e.g. HotpotQA answers found in no supporting paragraph). */
  notes: string[];
}

/** Deterministic data settings of the distractor benchmark (documented in README and docs/QA.md). */
export const DISTRACTOR_SPLIT = { devFraction: 0.25, seed: 0 } as const;

/** The files a QA task reads from a `--data-dir` folder (squad-distractor also takes its file itself). */
const QA_FILES: Record<QaTaskName, string[]> = {
  squad: ["train-v1.1.json", "dev-v1.1.json"],
  "squad-distractor": ["dev-v1.1.json"],
  hotpot: ["hotpot_train_v1.1.json", "hotpot_dev_distractor_v1.json"],
};

const isFile = (path: string) => existsSync(path) && statSync(path).isFile();

/**
 * What is wrong with `--data-dir` for a QA task before anything is read, or null. `squad` and `hotpot` need a
 * folder with their train and dev files: one file given for both would train and score on the same questions,
 * so it is refused rather than used twice (`squad-distractor` builds its own split from one file by design).
 */
export function qaDataDirProblem(task: QaTaskName, dataDir: string | null): string | null {
  const files = QA_FILES[task];
  if (dataDir === null) return `--task ${task}: expected --data-dir <folder with ${files.join(" and ")}>`;
  if (task !== "squad-distractor" && isFile(dataDir)) {
    return (
      `--data-dir ${dataDir}: --task ${task} expected a folder with ${files.join(" and ")}, got a file ` +
      `(one file for both would train and score on the same questions` +
      `${task === "squad" ? "; --task squad-distractor splits one SQuAD file by article" : ""})`
    );
  }
  return null;
}

function squadFile(dataDir: string, name: string): string {
  if (isFile(dataDir)) return dataDir;
  const file = join(dataDir, name);
  if (!existsSync(file))
    throw new Error(`${file}: expected the official SQuAD v1.1 JSON file, it does not exist`);
  return file;
}

/** Read a SQuAD file whose every answer is where its `answer_start` says (else a one-line `DataError`). */
async function readCheckedSquad(file: string) {
  const data = await readSquad(file);
  const mismatch = answerMismatchError(data, file);
  if (mismatch) throw mismatch;
  return data;
}

/**
 * SQuAD's answer_start counts Unicode code points (Python); JavaScript strings index UTF-16 units. They differ
 * after characters outside the Basic Multilingual Plane (e.g. emoji), so convert before slicing.
 */
function toUtf16Offsets(squad: SquadLike): SquadLike {
  for (const article of squad.data) {
    for (const p of article.paragraphs) {
      if (!/[\u{10000}-\u{10FFFF}]/u.test(p.context)) continue;
      const points = Array.from(p.context);
      for (const qa of p.qas) {
        for (const a of qa.answers) a.answer_start = points.slice(0, a.answer_start).join("").length;
      }
    }
  }
  return squad;
}

/** A SQuAD example as a one-unit item. */
export function squadItem(ex: QaExample): QaItem {
  return {
    id: ex.id,
    question: ex.question,
    title: ex.title,
    units: [{ text: ex.context, relevant: true }],
    answers: ex.answers.map((a) => ({ unit: 0, start: a.start, end: a.start + a.text.length, text: a.text })),
  };
}

/** A HotpotQA example as units: the "yes no" prefix (relevant) and one unit per paragraph. */
function hotpotItem(ex: HotpotExample): QaItem {
  const spans = [{ start: 0, end: ex.paragraphs[0]?.start ?? ex.context.length, relevant: true }];
  for (const p of ex.paragraphs) spans.push({ start: p.start, end: p.end, relevant: p.supporting });
  const units: ContextUnit[] = spans.map((s) => ({
    text: ex.context.slice(s.start, s.end).trimEnd(),
    relevant: s.relevant,
  }));
  const answers = ex.answers.flatMap((a) => {
    const unit = spans.findIndex((s) => a.start >= s.start && a.start + a.text.length <= s.end);
    return unit < 0
      ? []
      : [
          {
            unit,
            start: a.start - spans[unit].start,
            end: a.start - spans[unit].start + a.text.length,
            text: a.text,
          },
        ];
  });
  return { id: ex.id, question: ex.question, title: ex.title, units, answers };
}

/**
 * Read a QA task. `squad`: `<dir>/train-v1.1.json` and `dev-v1.1.json`. `squad-distractor`: the official dev
 * file (`<dir>/dev-v1.1.json` or the file itself), split by article (DISTRACTOR_SPLIT) and given `distractors`
 * paragraphs from other articles per question. `hotpot`: `<dir>/hotpot_train_v1.1.json` and
 * `hotpot_dev_distractor_v1.json`.
 */
export async function loadQaTask(
  task: QaTaskName,
  dataDir: string,
  options: { distractors: number; trainQuestions?: number | null; devQuestions?: number | null },
): Promise<QaTaskData> {
  const data = await readQaTask(task, dataDir, options.distractors);
  const train = questionSubset(data.train, options.trainQuestions ?? null, "train");
  const dev = questionSubset(data.dev, options.devQuestions ?? null, "dev");
  return {
    ...data,
    train: train.items,
    dev: dev.items,
    notes: [...data.notes, ...[train.note, dev.note].filter((n): n is string => n !== null)],
  };
}

/**
 * A fixed seeded subset of `count` of `items` (all when `count` is null or not smaller), in their own order.
 * The draw depends only on the number of items and the split's name, never on the run's seed: every method
 * and seed of a study trains on the same questions and is scored on the same ones.
 */
export function questionSubset(
  items: QaItem[],
  count: number | null,
  split: "train" | "dev",
): { items: QaItem[]; note: string | null } {
  const flag = split === "train" ? "--train-questions" : "--dev-questions";
  if (count === null) return { items, note: null };
  if (count >= items.length) {
    return {
      items,
      note: `${flag} ${count}: the ${split} split has only ${items.length} questions; all used`,
    };
  }
  const rng = hostRng(mixSeed(QA_SUBSET_SEED, hashString(`qa-${split}-subset`)));
  const keep = new Set(sampleDistinct(items.length, count, rng));
  return {
    items: items.filter((_, i) => keep.has(i)),
    note: `${split}: a fixed seeded subset of ${count} of ${items.length} questions (${flag})`,
  };
}

/** Seed of `questionSubset`'s draws (documented in docs/QA.md). */
export const QA_SUBSET_SEED = 0;

async function readQaTask(task: QaTaskName, dataDir: string, distractors: number): Promise<QaTaskData> {
  const problem = qaDataDirProblem(task, dataDir);
  if (problem) throw new Error(problem);
  if (task === "squad") {
    const files = QA_FILES.squad.map((name) => squadFile(dataDir, name));
    const [train, dev] = await Promise.all(files.map(readCheckedSquad));
    return {
      train: train.examples.map(squadItem),
      dev: dev.examples.map(squadItem),
      separator: "\n\n",
      files,
      notes: [],
    };
  }
  if (task === "squad-distractor") {
    const file = squadFile(dataDir, QA_FILES["squad-distractor"][0]);
    await readCheckedSquad(file); // validates the format with one-line errors before the builder trusts it
    const squad = toUtf16Offsets(JSON.parse(readFileSync(file, "utf8")) as SquadLike);
    // Distractors come from every other article of the file (they are only noise); the questions and their
    // gold paragraphs are split by article, so no dev question or gold paragraph is trained on.
    const devTitles = new Set(splitByArticle(squad, DISTRACTOR_SPLIT).dev.data.map((a) => a.title));
    const items = addDistractors(squad, { k: distractors, seed: DISTRACTOR_SPLIT.seed });
    return {
      train: items.filter((it) => !devTitles.has(it.title)),
      dev: items.filter((it) => devTitles.has(it.title)),
      separator: "\n\n",
      files: [file],
      notes: [],
    };
  }
  const files = QA_FILES.hotpot.map((name) => join(dataDir, name));
  const [train, dev] = await Promise.all(files.map((f) => readHotpot(f)));
  // HotpotQA gives answers as text, located here by exact match; one found in no supporting paragraph trains
  // as "no answer" ([CLS]) and scores against its text on dev — said, never silent.
  const notes = [train, dev].flatMap((d, i) =>
    d.notFound.length === 0
      ? []
      : [
          `${files[i]}: ${d.notFound.length} of ${d.examples.length} answers found in no supporting paragraph ` +
            `(e.g. question ${JSON.stringify(d.notFound[0])}); ${i === 0 ? "trained as no answer" : "scored as misses"}`,
        ],
  );
  return {
    train: train.examples.map(hotpotItem),
    dev: dev.examples.map(hotpotItem),
    separator: " ",
    files,
    notes,
  };
}

/** Keep only the first `m` irrelevant units of every item (the context-size study: 6/4/2/0). */
export function limitContext(items: QaItem[], m: number | null): QaItem[] {
  return m === null ? items : restrictDistractors(items, m);
}

/** The item as a QA example over the kept units (all units when `kept` is omitted). */
export function itemExample(item: QaItem, separator: string, kept?: readonly number[]): QaExample {
  const keep = kept ?? item.units.map((_, i) => i);
  const cropped = applyCrop(item.units, keep, item.answers, separator);
  return {
    id: item.id,
    question: item.question,
    title: item.title,
    context: cropped.text,
    answers: cropped.answers.map((a, i) => ({ text: item.answers[i].text, start: a.start })),
  };
}
