import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { numpy as np, random, tree } from "@jax-js/jax";
import { decodeSafetensors, encodeSafetensors } from "../../io/safetensors.js";
import { namedLeaves, type ParamTree } from "../../util/treePaths.js";
import { presetConfig, type BertConfig } from "../bert/config.js";
import { applySequenceClassifier, initSequenceClassifier } from "../classifier.js";
import { halfToFloat, loadHfClassifier } from "./load.js";
import { hfClassifierFromFiles } from "./parse.js";
import { saveHfClassifier } from "./save.js";

const root = mkdtempSync(join(tmpdir(), "cmploss-hf-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function batch() {
  return {
    input_ids: np.array(new Int32Array([2, 7, 9, 3, 1, 2, 5, 3, 1, 1]), { dtype: np.int32 }).reshape([2, 5]),
    attention_mask: np
      .array(new Int32Array([1, 1, 1, 1, 0, 1, 1, 1, 0, 0]), { dtype: np.int32 })
      .reshape([2, 5]),
    token_type_ids: np.zeros([2, 5], { dtype: np.int32 }),
  };
}

const families: [string, BertConfig][] = [
  ["bert", presetConfig("bert-L2-H128-A2", 40, { max_position_embeddings: 16 })],
  [
    "roberta",
    {
      ...presetConfig("bert-L2-H128-A2", 40, { max_position_embeddings: 18 }),
      model_type: "roberta",
      pad_token_id: 1,
      type_vocab_size: 1,
    },
  ],
  [
    "electra",
    {
      ...presetConfig("bert-L2-H128-A2", 40, { max_position_embeddings: 16 }),
      model_type: "electra",
      embedding_size: 64,
    },
  ],
];

describe("Hugging Face folders", () => {
  for (const [family, cfg] of families) {
    it(`round-trips a ${family} classifier through save and load`, async () => {
      const params = initSequenceClassifier(random.key(3), cfg, 3);
      const dir = join(root, family);
      await saveHfClassifier(dir, params, cfg, {
        labels: ["a", "b", "c"],
        tokenizer: { files: { "vocab.txt": "x\n" } },
      });
      const json = JSON.parse(readFileSync(join(dir, "config.json"), "utf8"));
      expect(json.model_type).toBe(family);
      expect(json.id2label).toEqual({ 0: "a", 1: "b", 2: "c" });
      expect(json.architectures[0]).toMatch(/ForSequenceClassification$/);
      const names = namedLeaves(params as unknown as ParamTree).map(([n]) => n);
      expect(names.some((n) => n.includes("pooler"))).toBe(family === "bert");
      expect(names.includes("electra.embeddings_project.weight")).toBe(family === "electra");
      expect(names.includes("classifier.out_proj.weight")).toBe(family !== "bert");
      const loaded = loadHfClassifier(dir, 3, random.key(9));
      expect(loaded.newlyInitialized).toEqual([]);
      expect(loaded.unused).toEqual([]);
      const a = await applySequenceClassifier(params, batch(), cfg, { powers: [0], key: null }).data();
      const b = await applySequenceClassifier(loaded.params, batch(), loaded.config, {
        powers: [0],
        key: null,
      }).data();
      expect(Array.from(b)).toEqual(Array.from(a));
      // a different label count re-initialises only the head
      const other = loadHfClassifier(dir, 2, random.key(9));
      expect(other.newlyInitialized.every((n) => n.startsWith("classifier."))).toBe(true);
      tree.dispose([params, loaded.params, other.params] as never);
    });
  }

  it("names the missing or mis-shaped tensor, the unknown architecture, and the .bin-only folder", async () => {
    const cfg = families[0][1];
    const params = initSequenceClassifier(random.key(1), cfg, 2);
    const dir = join(root, "broken");
    await saveHfClassifier(dir, params, cfg, { labels: ["0", "1"], tokenizer: { files: {} } });
    const leaves = namedLeaves(params as unknown as ParamTree);
    const tensors = new Map();
    for (const [name, leaf] of leaves) {
      if (name === "bert.encoder.layer.1.output.dense.weight") continue;
      const data = (await leaf.ref.data()) as Float32Array;
      const shape = name === "bert.embeddings.LayerNorm.weight" ? [64, 2] : leaf.shape;
      tensors.set(name, { dtype: "F32", shape, bytes: new Uint8Array(data.buffer.slice(0)) });
    }
    writeFileSync(join(dir, "model.safetensors"), encodeSafetensors(tensors));
    expect(() => loadHfClassifier(dir, 2, random.key(0))).toThrow(
      /missing tensor bert\.encoder\.layer\.1\.output\.dense\.weight; mis-shaped tensor bert\.embeddings\.LayerNorm\.weight \[64,2\] vs expected \[128\]/,
    );
    writeFileSync(join(dir, "config.json"), JSON.stringify({ model_type: "gpt2" }));
    expect(() => loadHfClassifier(dir, 2, random.key(0))).toThrow(/unknown architecture model_type "gpt2"/);
    const bin = join(root, "bin-only");
    await saveHfClassifier(bin, params, cfg, { labels: ["0", "1"], tokenizer: { files: {} } });
    rmSync(join(bin, "model.safetensors"));
    writeFileSync(join(bin, "pytorch_model.bin"), "");
    expect(() => loadHfClassifier(bin, 2, random.key(0))).toThrow(
      /only pytorch_model\.bin found.*save_pretrained/,
    );
    tree.dispose(params);
  });

  it("decodes float16 exactly", () => {
    const bits = new Uint16Array([0x3c00, 0xc000, 0x7bff, 0x0001, 0x0000, 0x7c00, 0x3555]);
    expect(Array.from(halfToFloat(bits))).toEqual([1, -2, 65504, 2 ** -24, 0, Infinity, 0.333251953125]);
  });
});

describe("hfClassifierFromFiles (a checkpoint from its files' contents, as a browser has them)", () => {
  const leaves = async (params: unknown) =>
    Promise.all(
      namedLeaves(params as ParamTree).map(async ([name, a]) => [name, Array.from(await a.data())] as const),
    );

  for (const name of ["bert-tiny", "bert-tiny-fp16", "roberta-tiny", "electra-tiny"]) {
    it(`gives loadHfClassifier's model for ${name}`, async () => {
      const dir = join("test/fixtures/hf", name);
      const config = readFileSync(join(dir, "config.json"), "utf8");
      const weights = new Uint8Array(readFileSync(join(dir, "model.safetensors")));
      const fromFiles = hfClassifierFromFiles({ config, weights }, 2, random.key(0));
      const fromFolder = loadHfClassifier(dir, 2, random.key(0));
      expect(fromFiles.config).toEqual(fromFolder.config);
      expect(fromFiles.unused).toEqual(fromFolder.unused);
      expect(await leaves(fromFiles.params)).toEqual(await leaves(fromFolder.params));
    });
  }

  it("reads a checkpoint split into shards, and a parsed config", async () => {
    const dir = "test/fixtures/hf/bert-tiny";
    const whole = decodeSafetensors(new Uint8Array(readFileSync(join(dir, "model.safetensors"))));
    const entries = [...whole.tensors];
    const half = Math.ceil(entries.length / 2);
    const shards = [new Map(entries.slice(0, half)), new Map(entries.slice(half))].map((m) =>
      encodeSafetensors(m),
    );
    const config = JSON.parse(readFileSync(join(dir, "config.json"), "utf8")) as object;
    const sharded = hfClassifierFromFiles({ config, weights: shards }, 2, random.key(0));
    const fromFolder = loadHfClassifier(dir, 2, random.key(0));
    expect(await leaves(sharded.params)).toEqual(await leaves(fromFolder.params));
  });

  it("says which file is wrong in one line", () => {
    const weights = new Uint8Array(readFileSync("test/fixtures/hf/bert-tiny/model.safetensors"));
    expect(() => hfClassifierFromFiles({ config: "{oops", weights }, 2, random.key(0))).toThrow(
      /^config\.json: expected valid JSON, got /,
    );
    expect(() => hfClassifierFromFiles({ config: [1], weights }, 2, random.key(0))).toThrow(
      "config.json: expected a Hugging Face config.json object, got [1]",
    );
    const config = readFileSync("test/fixtures/hf/bert-tiny/config.json", "utf8");
    expect(() => hfClassifierFromFiles({ config, weights: weights.slice(0, 4) }, 2, random.key(0))).toThrow(
      /^model\.safetensors: /,
    );
    expect(() =>
      hfClassifierFromFiles({ config, weights: encodeSafetensors(new Map()) }, 2, random.key(0)),
    ).toThrow(/^model\.safetensors: missing tensor bert\.embeddings\.word_embeddings\.weight/);
  });
});
