/**
 * The PRF reformulator (SPEC §9): its loss table and objective equal the pieces composed by hand on the host
 * (each variant's prefix encoded alone by the dense retriever's sentence encoder, scaled cosines, the lowest
 * relevant document's cross-entropy, avg + λ · pairwise hinge); with no feedback and the base weights it is
 * the base dense retriever (same vectors, same run).
 */
import { numpy as np, random, tree } from "@jax-js/jax";
import { describe, expect, it } from "vitest";
import { planFeedback } from "../src/ablation/prfFeedback.js";
import { encoderOf } from "../src/models/classifier.js";
import { loadHfClassifier } from "../src/models/hf/load.js";
import { initPrfHead, type PrfReformulatorParams } from "../src/models/prfReformulator.js";
import { createSentenceEncoder } from "../src/models/sentenceEncoder.js";
import { HfTokenizer } from "../src/tasks/hfTokenizer.js";
import { loadRankingData } from "../src/tasks/ranking/data.js";
import { docText, embedTexts, searchDense } from "../src/tasks/ranking/dense.js";
import type { PrfQuery } from "../src/tasks/ranking/prfData.js";
import { encodePrfInput, prefixLength } from "../src/tasks/ranking/prfInput.js";
import { createPrfRetriever, prefixTokens, rankQueries } from "../src/train/prfEvaluate.js";
import { prfLossTable, prfObjective } from "../src/train/prfObjective.js";

const MODEL = "test/fixtures/hf/bert-tiny";
const DATA = "test/fixtures/ranking/beir";
const SCALE = 20;

async function setup() {
  const tokenizer = await HfTokenizer.fromFolder(MODEL);
  const loaded = loadHfClassifier(MODEL, 1, random.key(0));
  const { classifier, ...rest } = loaded.params;
  tree.dispose(classifier as never);
  const { pooler, ...encoder } = encoderOf({ ...rest, classifier }, "bert");
  if (pooler) tree.dispose(pooler as never);
  const data = await loadRankingData(DATA, "train", { fraction: 0.34, seed: 7 });
  const sentence = createSentenceEncoder(encoder, loaded.config);
  const docs = await embedTexts(data.corpus.map(docText), tokenizer, sentence, {
    maxLength: 64,
    batchSize: 4,
  });
  return { tokenizer, encoder, model: loaded.config, data, sentence, docs };
}

/** log Σ exp(kept) − s_target, on the host, with the lowest-scored relevant document as target. */
function hostCe(scores: number[], relevant: Set<number>): number {
  let target = -1;
  for (const d of relevant) if (target < 0 || scores[d] < scores[target]) target = d;
  const kept = scores.filter((_, d) => !relevant.has(d) || d === target);
  const m = Math.max(...kept);
  return m + Math.log(kept.reduce((a, s) => a + Math.exp(s - m), 0)) - scores[target];
}

describe("PRF objective = the pieces composed by hand", () => {
  it("loss table [B, 1 + c] and avg + λ · hinge, c = 2", async () => {
    const { tokenizer, encoder, model, data, sentence, docs } = await setup();
    const H = model.hidden_size;
    const N = data.corpus.length;
    const passages = data.corpus.map(docText);
    const qids = [...data.queries.keys()].slice(0, 3);
    // each query reads the other documents as "feedback", so that prefixes differ
    const rows = qids.map((qid, b) => {
      const plan = planFeedback(4, { nCompare: 2, seed: 11 + b, shuffle: true });
      const enc = encodePrfInput(
        tokenizer,
        data.queries.get(qid)!,
        plan.order.map((i) => passages[i]),
        {
          maxLength: 64,
          maxPassageTokens: 12,
        },
      );
      const relevant = new Set(
        [...data.qrels.get(qid)!]
          .filter(([, g]) => g >= 1)
          .map(([d]) => data.corpus.findIndex((x) => x.id === d)),
      );
      return { enc, lengths: plan.counts.map((k) => prefixLength(enc, k)), relevant };
    });
    const B = rows.length;
    const V = 3;
    const T = Math.max(...rows.flatMap((r) => r.lengths));
    const host = prefixTokens(
      rows.flatMap((r) => r.lengths.map(() => r.enc)),
      rows.flatMap((r) => r.lengths),
      B * V,
      T,
      tokenizer.padId,
    );
    const relevant = new Float32Array(B * N);
    rows.forEach((r, b) => r.relevant.forEach((d) => (relevant[b * N + d] = 1)));
    const batch = () => ({
      input_ids: np.array(host.input_ids, { dtype: np.int32 }).reshape([B, V, T]),
      attention_mask: np.array(host.attention_mask, { dtype: np.int32 }).reshape([B, V, T]),
      token_type_ids: np.array(host.token_type_ids, { dtype: np.int32 }).reshape([B, V, T]),
      relevant: np.array(relevant).reshape([B, N]),
    });
    const docArray = np.array(docs).reshape([N, H]);
    const lambda = 0.7;
    const cfg = {
      modelConfig: model,
      pooling: "mean" as const,
      scale: SCALE,
      loss: { kind: "regulariser" as const, primary: "avg" as const, weight: lambda },
      docs: docArray,
    };
    const params: PrfReformulatorParams = { bert: encoder };
    const table = (await prfLossTable(params, batch(), cfg).data()) as Float32Array;
    const [loss, means] = prfObjective(params, batch(), random.key(1), cfg);

    // by hand: every variant's prefix alone (exact length, no padding) through the dense retriever's encoder
    const expected: number[][] = [];
    for (const r of rows) {
      const line: number[] = [];
      for (const n of r.lengths) {
        const one = prefixTokens([r.enc], [n], 1, n, tokenizer.padId);
        const q = await sentence.encode(one);
        const scores = Array.from({ length: N }, (_, d) => {
          let s = 0;
          for (let j = 0; j < H; j++) s += q[j] * docs[d * H + j];
          return SCALE * s;
        });
        line.push(hostCe(scores, r.relevant));
      }
      expected.push(line);
    }
    expected.flat().forEach((x, i) => expect(table[i]).toBeCloseTo(x, 4));
    const pairs = (V * (V - 1)) / 2;
    const perQuery = expected.map((l) => {
      const avg = l.reduce((a, x) => a + x, 0) / V;
      let hinge = 0;
      for (let i = 0; i < V; i++) for (let j = i + 1; j < V; j++) hinge += Math.max(0, l[i] - l[j]);
      return avg + lambda * (hinge / pairs);
    });
    const want = perQuery.reduce((a, x) => a + x, 0) / B;
    expect(Number((await loss.data())[0])).toBeCloseTo(want, 4);
    const gotMeans = Array.from((await means.data()) as Float32Array);
    gotMeans.forEach((m, v) => expect(m).toBeCloseTo(expected.reduce((a, l) => a + l[v], 0) / B, 4));
    // the hinge is live: some more-feedback variant has the larger loss here
    expect(perQuery.some((x, b) => x !== expected[b].reduce((a, y) => a + y, 0) / V)).toBe(true);
    sentence.dispose();
    docArray.dispose();
    tree.dispose(encoder as never);
  });
});

describe("with no feedback at step 0 the reformulator is the base dense retriever", () => {
  it("same query vectors and the same run as cmploss retrieve --model's encoder", async () => {
    const { tokenizer, encoder, model, data, sentence, docs } = await setup();
    const queries: PrfQuery[] = [...data.queries].map(([qid, text]) => ({
      qid,
      text,
      feedback: data.corpus.map(docText).slice(0, 3),
      relevant: [],
    }));
    const retriever = createPrfRetriever({
      modelConfig: model,
      pooling: "mean",
      tokenizer,
      input: { maxLength: 64 },
      batchSize: 3,
      padMultiple: 8,
    });
    const params: PrfReformulatorParams = { bert: encoder };
    const seen: [number, number][] = [];
    const got = await retriever.queryVectors(params, queries, 0, (done, total) => seen.push([done, total]));
    const n = queries.length;
    expect(seen).toEqual(Array.from({ length: Math.ceil(n / 3) + 1 }, (_, i) => [Math.min(3 * i, n), n]));
    const want = await embedTexts(
      queries.map((q) => q.text),
      tokenizer,
      sentence,
      { maxLength: 64, batchSize: 2 },
    );
    let worst = 0;
    want.forEach((x, i) => (worst = Math.max(worst, Math.abs(x - got[i]))));
    expect(worst).toBeLessThan(1e-5);
    const ids = data.corpus.map((d) => d.id);
    const dense = searchDense(want, docs, model.hidden_size, ids, 5);
    const prf = rankQueries(queries, got, docs, ids, 5);
    queries.forEach((q, i) =>
      expect(prf.get(q.qid)!.map((e) => e.docId)).toEqual(dense[i].map((e) => e.docId)),
    );
    // reading feedback changes the vectors (the input is not ignored)
    const withFeedback = await retriever.queryVectors(params, queries, 2);
    expect(Math.max(...withFeedback.map((x, i) => Math.abs(x - got[i])))).toBeGreaterThan(1e-3);
    // LoL's cls-head gives unit vectors too
    const head = createPrfRetriever({
      modelConfig: model,
      pooling: "cls-head",
      tokenizer,
      input: { maxLength: 64 },
      batchSize: 3,
      padMultiple: 8,
    });
    const headParams: PrfReformulatorParams = { bert: encoder, head: initPrfHead(random.key(3), model) };
    const hv = await head.queryVectors(headParams, queries, 1);
    for (let q = 0; q < queries.length; q++) {
      const row = hv.subarray(q * model.hidden_size, (q + 1) * model.hidden_size);
      expect(Math.sqrt(row.reduce((a, x) => a + x * x, 0))).toBeCloseTo(1, 5);
    }
    head.dispose();
    tree.dispose(headParams.head as never);
    retriever.dispose();
    sentence.dispose();
    tree.dispose(encoder as never);
  });
});
