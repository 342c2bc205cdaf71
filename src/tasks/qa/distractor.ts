/**
 * The "SQuAD distractor" benchmark: each SQuAD question gets its gold paragraph plus k paragraphs from other
 * articles, so CmpCrop (SPEC §7) has irrelevant context to remove, as in HotpotQA's distractor setting.
 *
 * Pure host code over parsed SQuAD v1.1 JSON. Every random choice is a function of the seed, a title or question
 * id, and the paragraph pool, so an item does not depend on which other questions the file holds or their order.
 */
import { planCrops, type ContextUnit } from "../../ablation/cmpCrop.js";
import { hashString, hostRng, mixSeed, shuffled } from "../../util/hostRng.js";

/** The parts of SQuAD v1.1 JSON this module reads (`version` and other fields are ignored). */
export interface SquadLike {
  data: {
    title: string;
    paragraphs: {
      context: string;
      qas: { id: string; question: string; answers: { text: string; answer_start: number }[] }[];
    }[];
  }[];
}

/** A gold answer inside one unit: `[start, end)` characters of `units[unit].text`, and the answer text. */
export interface DistractorAnswer {
  unit: number;
  start: number;
  end: number;
  text: string;
}

/** One question with its gold paragraph and distractor paragraphs, ready for `planCrops`/`applyCrop`. */
export interface DistractorItem {
  id: string;
  question: string;
  /** Title of the question's own article. */
  title: string;
  /** Gold paragraph (`relevant: true`) and distractors, in a seeded order. */
  units: ContextUnit[];
  /** All SQuAD answers of the question (duplicates kept, as the official metric sees them), in the gold unit. */
  answers: DistractorAnswer[];
}

/** One article-level split of a SQuAD file. */
export interface SquadSplit {
  train: SquadLike;
  dev: SquadLike;
}

/**
 * Split a SQuAD file into train and dev by article, so no article's paragraphs appear on both sides.
 *
 * The distinct titles are sorted (code-unit order), shuffled with `hostRng(seed)`, and the first
 * round(devFraction × #titles) go to dev. Only the titles decide, never the input order, so any ordering of the
 * same articles gives the same split. Each side keeps the input's article order; articles sharing a title stay
 * together.
 * @param squad parsed SQuAD JSON; not modified (articles are shared, not copied).
 * @param options.devFraction in [0, 1].
 * @param options.seed uint32.
 * Source: our own construction (only SQuAD dev v1.1 is available here, so the benchmark splits it).
 */
export function splitByArticle(squad: SquadLike, options: { devFraction: number; seed: number }): SquadSplit {
  const { devFraction, seed } = options;
  if (!(devFraction >= 0 && devFraction <= 1)) {
    throw new RangeError(`splitByArticle: expected devFraction in [0, 1], got ${devFraction}`);
  }
  const titles = [...new Set(squad.data.map((a) => a.title))].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const order = shuffled(titles, hostRng(seed));
  const dev = new Set(order.slice(0, Math.round(devFraction * titles.length)));
  return {
    train: { data: squad.data.filter((a) => !dev.has(a.title)) },
    dev: { data: squad.data.filter((a) => dev.has(a.title)) },
  };
}

/**
 * Build distractor items: for every question, its gold paragraph plus `k` distinct paragraphs drawn uniformly
 * from articles with a different title, shuffled into a seeded order.
 *
 * Question `id`'s randomness is `hostRng(mixSeed(seed, hashString(id)))`: first the k distractors, then the
 * unit order. Distractors come only from `squad` itself, so building train and dev from `splitByArticle`'s
 * halves keeps dev paragraphs out of training.
 * @param squad parsed SQuAD JSON.
 * @param options.k distractors per question, integer ≥ 0; at most the number of paragraphs outside the
 *   question's article.
 * @param options.seed uint32.
 * @returns one item per question, in file order.
 * Throws if an answer's `answer_start`/`text` does not match its context (SQuAD v1.1 dev always matches).
 */
export function addDistractors(squad: SquadLike, options: { k: number; seed: number }): DistractorItem[] {
  const { k, seed } = options;
  if (!Number.isInteger(k) || k < 0)
    throw new RangeError(`addDistractors: expected k to be an integer ≥ 0, got ${k}`);
  mixSeed(seed); // validates the seed once, before any work
  const pool: { context: string; title: string }[] = [];
  const perTitle = new Map<string, number>();
  for (const a of squad.data) {
    for (const p of a.paragraphs) pool.push({ context: p.context, title: a.title });
    perTitle.set(a.title, (perTitle.get(a.title) ?? 0) + a.paragraphs.length);
  }
  const items: DistractorItem[] = [];
  for (const article of squad.data) {
    const outside = pool.length - (perTitle.get(article.title) ?? 0);
    if (k > outside && article.paragraphs.some((p) => p.qas.length > 0)) {
      throw new RangeError(
        `addDistractors: expected k ≤ ${outside} (paragraphs outside article "${article.title}"), got ${k}`,
      );
    }
    for (const paragraph of article.paragraphs) {
      for (const qa of paragraph.qas) {
        const rng = hostRng(mixSeed(seed, hashString(qa.id)));
        const picked = drawOutside(pool, article.title, k, outside, rng);
        const units = shuffled<ContextUnit>(
          [
            { text: paragraph.context, relevant: true },
            ...picked.map((i) => ({ text: pool[i].context, relevant: false })),
          ],
          rng,
        );
        const gold = units.findIndex((u) => u.relevant);
        const answers = qa.answers.map((ans) => {
          const end = ans.answer_start + ans.text.length;
          if (paragraph.context.slice(ans.answer_start, end) !== ans.text) {
            throw new Error(
              `addDistractors: expected question ${qa.id}'s answer ${JSON.stringify(ans.text)} at character ${ans.answer_start} of its context, got ${JSON.stringify(paragraph.context.slice(ans.answer_start, end))}`,
            );
          }
          return { unit: gold, start: ans.answer_start, end, text: ans.text };
        });
        items.push({ id: qa.id, question: qa.question, title: article.title, units, answers });
      }
    }
  }
  return items;
}

/**
 * `k` distinct pool indices whose title differs from `title`, uniformly. Rejection sampling is cheap when the
 * outside pool is large (SQuAD: thousands of paragraphs, k ≈ 10); a small pool is enumerated instead.
 */
function drawOutside(
  pool: readonly { title: string }[],
  title: string,
  k: number,
  outside: number,
  rng: () => number,
): number[] {
  if (k === 0) return [];
  if (2 * k > outside) {
    const candidates = pool.flatMap((p, i) => (p.title === title ? [] : [i]));
    return shuffled(candidates, rng).slice(0, k);
  }
  const chosen = new Set<number>();
  while (chosen.size < k) {
    const i = Math.floor(rng() * pool.length);
    if (pool[i].title !== title) chosen.add(i);
  }
  return [...chosen];
}

/**
 * How many distractors a context keeps, in words ("1 distractor", "2 distractors"; null, no limit: "all
 * distractors"), for the context-size table and the evaluation's progress line.
 */
export function distractorsLabel(m: number | null): string {
  return m === 1 ? "1 distractor" : `${m ?? "all"} distractors`;
}

/**
 * Keep the first `m` distractors of every item (in unit order), for the context-size study (e.g. 6, 4, 2, 0).
 *
 * The same units as `planCrops(units, {mode: "eval", levels: 1, keep: [m]})`, so the study and CmpCrop's
 * evaluation crops agree. Items with fewer than `m` distractors keep all of them. Answer units are renumbered.
 * @param items from {@link addDistractors}; not modified.
 * @param m integer ≥ 0.
 */
export function restrictDistractors(items: readonly DistractorItem[], m: number): DistractorItem[] {
  if (!Number.isInteger(m) || m < 0) {
    throw new RangeError(`restrictDistractors: expected m to be an integer ≥ 0, got ${m}`);
  }
  return items.map((item) => {
    const [kept] = planCrops(item.units, { mode: "eval", levels: 1, keep: [m] }).kept;
    const renumber = new Map(kept.map((i, j) => [i, j]));
    const answers = item.answers.map((a) => {
      const unit = renumber.get(a.unit);
      if (unit === undefined) {
        throw new Error(
          `restrictDistractors: expected item ${item.id}'s answer unit ${a.unit} to be relevant`,
        );
      }
      return { ...a, unit };
    });
    return { ...item, units: kept.map((i) => item.units[i]), answers };
  });
}
