import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { HfTokenizer } from "../hfTokenizer.js";
import { decodeQaPredictions } from "./decode.js";
import { buildQaFeatures, type QaFeature } from "./features.js";
import { readHotpot } from "./hotpot.js";
import { readSquad } from "./squad.js";
import type { QaExample } from "./types.js";

const FIXTURES = fileURLToPath(new URL("../../../test/fixtures/", import.meta.url));
const DEV = fileURLToPath(new URL("../../../../shared/data/squad-v1.1/dev-v1.1.json", import.meta.url));
const OPTIONS = { maxSeqLength: 48, docStride: 16, maxQueryLength: 12 };
/** Dev questions whose first answer bert-tiny's labels decode back exactly (of 10,570; measured). */
const DEV_EXACT = 10562;
const DECODE = { nBestSize: 20, maxAnswerLength: 30 };

/** Logits that put all mass on the labels: decoding them must give back the labelled span. */
function labelLogits(
  features: readonly QaFeature[],
  which: "start_positions" | "end_positions",
): Float32Array[] {
  return features.map((f) => {
    const row = new Float32Array(f.input_ids.length);
    row[f[which]] = 10;
    return row;
  });
}

function roundTrip(examples: readonly QaExample[], features: readonly QaFeature[], decode = DECODE) {
  return decodeQaPredictions(
    features,
    examples.map((e) => e.context),
    labelLogits(features, "start_positions"),
    labelLogits(features, "end_positions"),
    decode,
  );
}

describe.each(["bert-tiny", "roberta-tiny"])("buildQaFeatures + decodeQaPredictions (%s)", (name) => {
  it("lays out windows with the template, overlapping by docStride and covering the context", async () => {
    const tok = await HfTokenizer.fromFolder(join(FIXTURES, "hf", name));
    const { examples } = await readSquad(join(FIXTURES, "qa/squad-small.json"));
    const features = buildQaFeatures(examples, tok, OPTIONS);
    const cls = tok.template.pair[0]!;
    for (const f of features) {
      expect(f.input_ids.length).toBeLessThanOrEqual(OPTIONS.maxSeqLength);
      expect(f.input_ids[0]).toBe(cls.kind === "special" ? cls.ids[0] : -1);
      const q = tok.encodeTextWithOffsets(examples[f.exampleIndex]!.question.trimStart()).ids.slice(0, 12);
      expect([...f.input_ids.slice(1, 1 + q.length)]).toEqual(q);
    }
    const long = features.filter((f) => f.exampleId === "long1");
    expect(long.length).toBeGreaterThan(5);
    const ctx = tok.encodeTextWithOffsets(examples[3]!.context);
    let covered = 0;
    long.forEach((f, k) => {
      const first = ctx.offsets.findIndex(
        (o) => o === f.offsets[0] || (o[0] === f.offsets[0]![0] && o[1] === f.offsets[0]![1]),
      );
      if (k > 0) expect(covered - first).toBe(OPTIONS.docStride);
      expect([...f.input_ids.slice(f.contextStart, f.contextStart + f.offsets.length)]).toEqual(
        ctx.ids.slice(first, first + f.offsets.length),
      );
      covered = first + f.offsets.length;
    });
    expect(covered).toBe(ctx.ids.length);
    if (name === "bert-tiny") expect(long[0]!.token_type_ids[long[0]!.contextStart]).toBe(1);
  });

  it("labels point at the answer tokens: decoding the labels recovers every gold answer exactly", async () => {
    const tok = await HfTokenizer.fromFolder(join(FIXTURES, "hf", name));
    const squad = (await readSquad(join(FIXTURES, "qa/squad-small.json"))).examples;
    const hotpot = (await readHotpot(join(FIXTURES, "qa/hotpot-small.json"))).examples.filter(
      (e) => e.answers.length,
    );
    for (const examples of [squad, hotpot]) {
      const features = buildQaFeatures(examples, tok, OPTIONS);
      const predictions = roundTrip(examples, features);
      for (const e of examples) {
        const mine = features.filter((f) => f.exampleId === e.id);
        expect(
          mine.some((f) => f.start_positions > 0),
          e.id,
        ).toBe(true);
        for (const f of mine.filter((f) => f.start_positions > 0)) {
          expect(f.start_positions).toBeGreaterThanOrEqual(f.contextStart);
          expect(f.end_positions).toBeGreaterThanOrEqual(f.start_positions);
        }
        expect(predictions.get(e.id)!.text, e.id).toBe(e.answers[0]!.text);
      }
    }
  });
});

describe("decodeQaPredictions", () => {
  it("skips spans outside the context, reversed or too long, and ranks across windows", async () => {
    const tok = await HfTokenizer.fromFolder(join(FIXTURES, "hf/bert-tiny"));
    const { examples } = await readSquad(join(FIXTURES, "qa/squad-small.json"));
    const one = examples.slice(0, 1);
    const [f] = buildQaFeatures(one, tok, { maxSeqLength: 128, docStride: 16, maxQueryLength: 32 });
    const T = f!.input_ids.length;
    const starts = new Float32Array(T);
    const ends = new Float32Array(T);
    starts[1] = 100; // a question token: not context
    ends[1] = 100;
    starts[f!.contextStart + 5] = 50; // end before start
    ends[f!.contextStart + 4] = 50;
    starts[f!.contextStart + 2] = 10;
    ends[f!.contextStart + 3] = 10;
    const got = decodeQaPredictions([f!], [one[0]!.context], [starts], [ends], {
      nBestSize: 5,
      maxAnswerLength: 30,
    });
    const best = got.get("sb1")!;
    expect(best.nBest[0]!.score).toBe(60); // start +2 (10) with end +4 (50); +5/+4 is reversed
    const [s, e] = [f!.offsets[2]!, f!.offsets[3]!];
    expect(best.nBest.map((c) => c.text)).toContain(one[0]!.context.slice(s[0], e[1]));
    expect(best.nBest.every((c) => c.score < 100)).toBe(true);
    const short = decodeQaPredictions([f!], [one[0]!.context], [starts], [ends], {
      nBestSize: 5,
      maxAnswerLength: 1,
    });
    expect(short.get("sb1")!.nBest.every((c) => !c.text.includes(" "))).toBe(true);
  });
});

describe.skipIf(!existsSync(DEV))("SQuAD dev round trip (skipped: ../shared/data/squad-v1.1 absent)", () => {
  it("labels of the official dev set decode back to the gold text for token-aligned answers", async () => {
    const tok = await HfTokenizer.fromFolder(join(FIXTURES, "hf/bert-tiny"));
    const examples = (await readSquad(DEV)).examples;
    const features = buildQaFeatures(examples, tok, {
      maxSeqLength: 384,
      docStride: 128,
      maxQueryLength: 64,
    });
    // bert-tiny's test vocabulary splits words into many pieces, so lift the answer-length cap.
    const predictions = roundTrip(examples, features, { nBestSize: 20, maxAnswerLength: 384 });
    let exact = 0;
    for (const e of examples) if (predictions.get(e.id)!.text === e.answers[0]!.text) exact++;
    // Misses are answers that start or end inside a word piece (e.g. "two" of "stwo").
    expect(exact / examples.length).toBeGreaterThan(0.999);
    expect(exact).toBe(DEV_EXACT);
  });
});
