import { existsSync, readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { applyCrop, planCrops } from "../../ablation/cmpCrop.js";
import {
  addDistractors,
  distractorsLabel,
  restrictDistractors,
  splitByArticle,
  type DistractorItem,
  type SquadLike,
} from "./distractor.js";

/** Six small articles, two paragraphs each, one or two questions per paragraph. */
function fixture(): SquadLike {
  const data: SquadLike["data"] = [];
  for (let a = 0; a < 6; a++) {
    const paragraphs = [0, 1].map((p) => {
      const context = `Article ${a} paragraph ${p}: the answer is A${a}P${p} and more text.`;
      const start = context.indexOf(`A${a}P${p}`);
      const qas = Array.from({ length: 1 + ((a + p) % 2) }, (_, q) => ({
        id: `q${a}-${p}-${q}`,
        question: `What is in article ${a} paragraph ${p}?`,
        answers: [
          { text: `A${a}P${p}`, answer_start: start },
          { text: `A${a}P${p} and`, answer_start: start },
        ],
      }));
      return { context, qas };
    });
    data.push({ title: `Title_${a}`, paragraphs });
  }
  return { data };
}

/** Every structural promise of an item: one gold unit, k distractors from other articles, aligned answers. */
function checkItems(squad: SquadLike, items: DistractorItem[], k: number): void {
  const owner = new Map<string, string>();
  const questions = new Map<string, { context: string; answers: { text: string; answer_start: number }[] }>();
  for (const a of squad.data) {
    for (const p of a.paragraphs) {
      owner.set(p.context, a.title);
      for (const qa of p.qas) questions.set(qa.id, { context: p.context, answers: qa.answers });
    }
  }
  expect(items).toHaveLength(questions.size);
  for (const item of items) {
    const src = questions.get(item.id)!;
    expect(item.units).toHaveLength(k + 1);
    const gold = item.units.filter((u) => u.relevant);
    expect(gold).toHaveLength(1);
    expect(gold[0].text).toBe(src.context);
    const distractors = item.units.filter((u) => !u.relevant);
    expect(new Set(distractors.map((u) => u.text)).size).toBe(k);
    for (const u of distractors) expect(owner.get(u.text)).not.toBe(item.title);
    expect(item.answers).toHaveLength(src.answers.length);
    item.answers.forEach((a, j) => {
      expect(item.units[a.unit].relevant).toBe(true);
      expect(item.units[a.unit].text.slice(a.start, a.end)).toBe(a.text);
      expect(a.text).toBe(src.answers[j].text);
    });
  }
}

describe("splitByArticle", () => {
  it("splits by title, deterministically and independent of article order", () => {
    const squad = fixture();
    const split = splitByArticle(squad, { devFraction: 1 / 3, seed: 7 });
    expect(split.dev.data).toHaveLength(2);
    expect(split.train.data).toHaveLength(4);
    const devTitles = split.dev.data.map((a) => a.title);
    expect(split.train.data.some((a) => devTitles.includes(a.title))).toBe(false);
    expect(splitByArticle(squad, { devFraction: 1 / 3, seed: 7 })).toEqual(split);
    const reversed = { data: [...squad.data].reverse() };
    const again = splitByArticle(reversed, { devFraction: 1 / 3, seed: 7 });
    expect(again.dev.data.map((a) => a.title).sort()).toEqual([...devTitles].sort());
    const seeds = new Set(
      Array.from({ length: 10 }, (_, s) =>
        splitByArticle(squad, { devFraction: 1 / 3, seed: s })
          .dev.data.map((a) => a.title)
          .join(),
      ),
    );
    expect(seeds.size).toBeGreaterThan(1);
  });

  it("handles the edge fractions and rejects others", () => {
    expect(splitByArticle(fixture(), { devFraction: 0, seed: 1 }).dev.data).toHaveLength(0);
    expect(splitByArticle(fixture(), { devFraction: 1, seed: 1 }).train.data).toHaveLength(0);
    expect(() => splitByArticle(fixture(), { devFraction: 1.5, seed: 1 })).toThrow(RangeError);
  });
});

describe("addDistractors", () => {
  it("adds k paragraphs from other articles around the gold paragraph", () => {
    const squad = fixture();
    for (const k of [0, 1, 3, 10]) checkItems(squad, addDistractors(squad, { k, seed: 3 }), k);
  });

  it("is deterministic per seed and per question id", () => {
    const squad = fixture();
    const items = addDistractors(squad, { k: 4, seed: 11 });
    expect(addDistractors(squad, { k: 4, seed: 11 })).toEqual(items);
    expect(addDistractors(squad, { k: 4, seed: 12 })).not.toEqual(items);
    // Removing other questions (the paragraph pool unchanged) leaves an item alone.
    const fewer = {
      data: squad.data.map((art) => ({
        ...art,
        paragraphs: art.paragraphs.map((p) => ({ ...p, qas: p.qas.slice(0, 1) })),
      })),
    };
    const sub = addDistractors(fewer, { k: 4, seed: 11 });
    expect(sub.length).toBeLessThan(items.length);
    for (const it of sub) expect(it).toEqual(items.find((x) => x.id === it.id));
  });

  it("puts the gold paragraph at varying positions", () => {
    const positions = new Set(addDistractors(fixture(), { k: 5, seed: 2 }).map((it) => it.answers[0].unit));
    expect(positions.size).toBeGreaterThan(2);
  });

  it("rejects k above the paragraphs outside an article and misaligned answers", () => {
    expect(() => addDistractors(fixture(), { k: 11, seed: 0 })).toThrow(/k ≤ 10/);
    const bad = fixture();
    bad.data[0].paragraphs[0].qas[0].answers[0].answer_start += 1;
    expect(() => addDistractors(bad, { k: 1, seed: 0 })).toThrow(/q0-0-0/);
  });

  it("feeds CmpCrop: every crop keeps the answer text", () => {
    for (const item of addDistractors(fixture(), { k: 6, seed: 5 })) {
      const plan = planCrops(item.units, { mode: "train", levels: 3, seed: 1 });
      for (const kept of plan.kept) {
        const crop = applyCrop(item.units, kept, item.answers);
        crop.answers.forEach((a, j) => expect(crop.text.slice(a.start, a.end)).toBe(item.answers[j].text));
      }
    }
  });
});

describe("distractorsLabel", () => {
  it("says one distractor, several, and no limit", () => {
    expect([0, 1, 2, null].map(distractorsLabel)).toEqual([
      "0 distractors",
      "1 distractor",
      "2 distractors",
      "all distractors",
    ]);
  });
});

describe("restrictDistractors", () => {
  it("keeps the first m distractors in order and renumbers answers", () => {
    const squad = fixture();
    const items = addDistractors(squad, { k: 6, seed: 9 });
    for (const m of [6, 4, 2, 0]) {
      const restricted = restrictDistractors(items, m);
      checkItems(squad, restricted, m);
      restricted.forEach((r, i) => {
        const firstM = items[i].units.filter((u) => !u.relevant).slice(0, m);
        expect(r.units.filter((u) => !u.relevant)).toEqual(firstM);
      });
    }
    expect(restrictDistractors(items, 9)).toEqual(items);
    expect(() => restrictDistractors(items, -1)).toThrow(RangeError);
  });
});

const DEV = resolve(
  dirname(fileURLToPath(import.meta.url)),
  "../../../../shared/data/squad-v1.1/dev-v1.1.json",
);

describe.skipIf(!existsSync(DEV))(
  "SQuAD v1.1 dev file (skipped when ../shared/data/squad-v1.1/dev-v1.1.json is absent)",
  () => {
    const squad = JSON.parse(readFileSync(DEV, "utf8")) as SquadLike;

    it("has 48 articles and 10,570 questions", () => {
      expect(squad.data).toHaveLength(48);
      expect(squad.data.reduce((n, a) => n + a.paragraphs.reduce((m, p) => m + p.qas.length, 0), 0)).toBe(
        10570,
      );
    });

    it("splits deterministically by article", () => {
      const split = splitByArticle(squad, { devFraction: 0.25, seed: 42 });
      expect(split.dev.data).toHaveLength(12);
      expect(split.train.data).toHaveLength(36);
      const again = splitByArticle(squad, { devFraction: 0.25, seed: 42 });
      expect(again.dev.data.map((a) => a.title)).toEqual(split.dev.data.map((a) => a.title));
    });

    it("builds items whose gold paragraph is among the units and answers point at the answer text", () => {
      const { dev } = splitByArticle(squad, { devFraction: 0.25, seed: 42 });
      const items = addDistractors(dev, { k: 6, seed: 1 });
      checkItems(dev, items, 6);
      checkItems(dev, restrictDistractors(items, 2), 2);
    });
  },
);
