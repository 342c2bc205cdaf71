/**
 * QA tasks as lists of items (a question over context units, some relevant), so that CmpCrop can drop
 * irrelevant units and the same code serves SQuAD (one unit), the SQuAD distractor benchmark and HotpotQA.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { applyCrop, type ContextUnit } from "../ablation/cmpCrop.js";
import {
  addDistractors,
  restrictDistractors,
  splitByArticle,
  type DistractorItem,
  type SquadLike,
} from "../tasks/qa/distractor.js";
import { readHotpot, type HotpotExample } from "../tasks/qa/hotpot.js";
import { readSquad } from "../tasks/qa/squad.js";
import type { QaExample } from "../tasks/qa/types.js";

export type QaTaskName = "squad" | "squad-distractor" | "hotpot";
export const QA_TASKS: readonly QaTaskName[] = ["squad", "squad-distractor", "hotpot"];

export function isQaTask(task: string): task is QaTaskName {
  return (QA_TASKS as readonly string[]).includes(task);
}

/** One question over context units; answers are spans of one relevant unit. */
export type QaItem = DistractorItem;

export interface QaTaskData {
  train: QaItem[];
  dev: QaItem[];
  /** Joins kept units (HotpotQA's context joins paragraphs with one space). */
  separator: string;
  files: string[];
}

/** Deterministic data settings of the distractor benchmark (documented in README and docs/QA.md). */
export const DISTRACTOR_SPLIT = { devFraction: 0.25, seed: 0 } as const;

function squadFile(dataDir: string, name: string): string {
  if (existsSync(dataDir) && statSync(dataDir).isFile()) return dataDir;
  const file = join(dataDir, name);
  if (!existsSync(file))
    throw new Error(`${file}: expected the official SQuAD v1.1 JSON file, it does not exist`);
  return file;
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
  options: { distractors: number },
): Promise<QaTaskData> {
  if (task === "squad") {
    const files = [squadFile(dataDir, "train-v1.1.json"), squadFile(dataDir, "dev-v1.1.json")];
    const [train, dev] = await Promise.all(files.map((f) => readSquad(f)));
    return {
      train: train.examples.map(squadItem),
      dev: dev.examples.map(squadItem),
      separator: "\n\n",
      files,
    };
  }
  if (task === "squad-distractor") {
    const file = squadFile(dataDir, "dev-v1.1.json");
    await readSquad(file); // validates the format with one-line errors before the builder trusts it
    const squad = toUtf16Offsets(JSON.parse(readFileSync(file, "utf8")) as SquadLike);
    // Distractors come from every other article of the file (they are only noise); the questions and their
    // gold paragraphs are split by article, so no dev question or gold paragraph is trained on.
    const devTitles = new Set(splitByArticle(squad, DISTRACTOR_SPLIT).dev.data.map((a) => a.title));
    const items = addDistractors(squad, { k: options.distractors, seed: DISTRACTOR_SPLIT.seed });
    return {
      train: items.filter((it) => !devTitles.has(it.title)),
      dev: items.filter((it) => devTitles.has(it.title)),
      separator: "\n\n",
      files: [file],
    };
  }
  const files = [join(dataDir, "hotpot_train_v1.1.json"), join(dataDir, "hotpot_dev_distractor_v1.json")];
  const [train, dev] = await Promise.all(files.map((f) => readHotpot(f)));
  return { train: train.examples.map(hotpotItem), dev: dev.examples.map(hotpotItem), separator: " ", files };
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
