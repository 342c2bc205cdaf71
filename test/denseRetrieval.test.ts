/**
 * Dense retrieval: mean-pooled, normalised vectors equal transformers' (dev/python/ranking/make_dense_fixture.py)
 * whatever the batching; search order and the safetensors cache; `cmploss retrieve --model` end to end.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { random, tree } from "@jax-js/jax";
import { describe, expect, it } from "vitest";
import { encoderOf } from "../src/models/classifier.js";
import { loadHfClassifier } from "../src/models/hf/load.js";
import { createSentenceEncoder } from "../src/models/sentenceEncoder.js";
import { HfTokenizer } from "../src/tasks/hfTokenizer.js";
import {
  embedTexts,
  readEmbeddingCache,
  searchDense,
  writeEmbeddingCache,
  type EmbeddingKey,
} from "../src/tasks/ranking/dense.js";
import { readRun } from "../src/tasks/ranking/formats.js";
import { cli } from "./cliProcess.js";

const MODEL = "test/fixtures/hf/bert-tiny";
const fixture = JSON.parse(readFileSync("test/fixtures/ranking/dense-bert-tiny.json", "utf8")) as {
  maxLength: number;
  texts: string[];
  vectors: number[][];
};
const tmp = mkdtempSync(join(tmpdir(), "cmploss-dense-"));

describe("mean-pooled sentence vectors equal transformers' + sentence-transformers pooling", () => {
  for (const batchSize of [1, 4, 64]) {
    it(`batch size ${batchSize} (padding must not change a vector)`, async () => {
      const tokenizer = await HfTokenizer.fromFolder(MODEL);
      const loaded = loadHfClassifier(MODEL, 1, random.key(0));
      const params = encoderOf(loaded.params, "bert");
      const encoder = createSentenceEncoder(params, loaded.config);
      try {
        const got = await embedTexts(fixture.texts, tokenizer, encoder, {
          maxLength: fixture.maxLength,
          batchSize,
        });
        expect(got.length).toBe(fixture.texts.length * encoder.dim);
        let worst = 0;
        fixture.vectors.forEach((v, i) =>
          v.forEach((x, j) => (worst = Math.max(worst, Math.abs(got[i * encoder.dim + j] - x)))),
        );
        expect(worst).toBeLessThan(1e-5);
      } finally {
        encoder.dispose();
        tree.dispose(loaded.params as never);
      }
    });
  }
});

describe("searchDense and the vector cache", () => {
  it("ranks by inner product, ties by document id descending, cut at k", () => {
    const docs = Float32Array.from([1, 0, 0.6, 0.8, 1, 0, 0, 1]);
    const hits = searchDense(Float32Array.from([1, 0, 0, 1]), docs, 2, ["a", "b", "c", "d"], 3);
    expect(hits[0].map((h) => h.docId)).toEqual(["c", "a", "b"]);
    expect(hits[1].map((h) => h.docId)).toEqual(["d", "b", "c"]);
    expect(hits[1][1].score).toBeCloseTo(0.8, 6);
  });

  it("reads back what it wrote, and nothing for another model, length or corpus", () => {
    const corpus = [
      { id: "a", title: "", text: "x" },
      { id: "b", title: "t", text: "y" },
    ];
    const key: EmbeddingKey = { model: "m", modelFingerprint: "f", maxLength: 8, pooling: "mean+l2" };
    const file = join(tmp, "cache.safetensors");
    const vectors = Float32Array.from([1, 2, 3, 4, 5, 6]);
    writeEmbeddingCache(file, vectors, 3, key, corpus);
    expect(readEmbeddingCache(file, key, corpus)).toEqual(vectors);
    expect(readEmbeddingCache(file, { ...key, maxLength: 9 }, corpus)).toBeNull();
    expect(readEmbeddingCache(file, { ...key, modelFingerprint: "g" }, corpus)).toBeNull();
    expect(readEmbeddingCache(file, key, [corpus[0], { ...corpus[1], text: "z" }])).toBeNull();
    expect(readEmbeddingCache(join(tmp, "absent.safetensors"), key, corpus)).toBeNull();
  });
});

describe("cmploss retrieve --model", () => {
  it("embeds the corpus once, caches it as safetensors, and reuses it", async () => {
    const output = join(tmp, "dense.trec");
    const args = [
      "retrieve",
      "--task",
      "prf",
      "--data-dir",
      "test/fixtures/ranking/beir",
      "--split",
      "train",
    ];
    const flags = ["--model", MODEL, "--max-length", "24", "--output", output, "--json", "--device", "wasm"];
    const first = cli(...args, ...flags);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toMatch(/embedding 5 documents: 5\/5 \(100%\)/);
    expect(first.stderr).toMatch(/corpus vectors cached in .*dense-[0-9a-f]{16}\.safetensors/);
    const caches = readdirSync(tmp).filter((f) => /^dense-[0-9a-f]{16}\.safetensors$/.test(f));
    expect(caches).toHaveLength(1);
    const run = await readRun(output);
    expect([...run.values()].every((hits) => hits.length === 5)).toBe(true);
    const second = cli(...args, ...flags);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).toMatch(/corpus vectors from .*dense-[0-9a-f]{16}\.safetensors/);
    expect(second.stderr).not.toMatch(/embedding 5 documents/);
    expect(JSON.parse(second.stdout).measures).toEqual(JSON.parse(first.stdout).measures);
    expect(existsSync(output)).toBe(true);
  });

  it("refuses a --max-length beyond the model's positions", () => {
    const r = cli(
      "retrieve",
      "--data-dir",
      "test/fixtures/ranking/beir",
      "--model",
      MODEL,
      "--output",
      join(tmp, "y.trec"),
      "--device",
      "wasm",
    );
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split("\n").at(-1)).toBe(
      "cmploss: --max-length 256: expected at most the model's 64 positions",
    );
    expect(existsSync(join(tmp, "y.trec"))).toBe(false);
  });

  it("refuses a preset as the encoder", () => {
    const r = cli(
      "retrieve",
      "--data-dir",
      "test/fixtures/ranking/beir",
      "--model",
      "bert-L2-H128-A2",
      "--output",
      join(tmp, "x.trec"),
    );
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe(
      "cmploss: --model bert-L2-H128-A2: expected a pretrained encoder (a folder or Hub id), not a preset",
    );
  });
});
