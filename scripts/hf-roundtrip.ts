/**
 * Dev check (needs the Python harness venv): fine-tune a Hugging Face folder with cmploss for a few steps,
 * export it, and verify that transformers' AutoModelForSequenceClassification loads the export and gives the
 * logits cmploss gives (≤ 1e-4).
 *
 *   npx tsx scripts/hf-roundtrip.ts [model folder …]   (default: the bert/roberta/electra tiny fixtures)
 *   PYTHON=dev/python/.venv/bin/python (default)
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { preparePlatform } from "../src/runtime/platform.js";

preparePlatform(1);
const { initRuntime } = await import("../src/runtime/init.js");
await initRuntime();
const { numpy: np, random, tree } = await import("@jax-js/jax");
const { TRAIN_DEFAULTS } = await import("../src/train/config.js");
const { train } = await import("../src/train/loop.js");
const { loadHfClassifier } = await import("../src/models/hf/load.js");
const { applySequenceClassifier } = await import("../src/models/classifier.js");
const { HfTokenizer } = await import("../src/tasks/hfTokenizer.js");
const { collate } = await import("../src/tasks/batch.js");

const python = process.env.PYTHON ?? "dev/python/.venv/bin/python";
const models = process.argv.slice(2);
if (models.length === 0)
  models.push(...["bert-tiny", "roberta-tiny", "electra-tiny"].map((m) => `test/fixtures/hf/${m}`));
const inputs = [
  { text: "a gripping, beautifully acted film .", text_pair: null },
  { text: "the plot drags and the jokes fall flat", text_pair: null },
  { text: "Is it good?", text_pair: "Critics say it is the best film of the year." },
];
let failed = 0;
for (const model of models) {
  const out = mkdtempSync(join(tmpdir(), "cmploss-roundtrip-"));
  await train(
    {
      ...TRAIN_DEFAULTS,
      model,
      dataDir: "test/fixtures/sst2-tiny",
      outputDir: out,
      maxSteps: 4,
      batchSize: 8,
      evalSteps: 2,
      lr: 1e-3,
      maxSeqLength: 32,
    },
    { quiet: true },
  );
  const exported = join(out, "hf-model");
  const loaded = loadHfClassifier(exported, 2, random.key(0));
  const tok = await HfTokenizer.fromFolder(exported);
  const enc = inputs.map((x) => tok.encode(x.text, x.text_pair ?? undefined, { maxLength: 32 }));
  const host = collate(enc, new Int32Array(inputs.length), { padId: tok.padId });
  const shape = [host.batchSize, host.seqLen];
  const batch = {
    input_ids: np.array(host.input_ids, { dtype: np.int32 }).reshape(shape),
    attention_mask: np.array(host.attention_mask, { dtype: np.int32 }).reshape(shape),
    token_type_ids: np.array(host.token_type_ids, { dtype: np.int32 }).reshape(shape),
  };
  const logits = Array.from(
    await applySequenceClassifier(loaded.params, batch, loaded.config, { powers: [0], key: null }).data(),
  );
  tree.dispose(loaded.params);
  const rows = inputs.map((_, i) => logits.slice(2 * i, 2 * i + 2));
  const spec = join(out, "roundtrip.json");
  writeFileSync(
    spec,
    JSON.stringify({ inputs, tokenizer_call: { max_length: 32 }, logits: rows, atol: 1e-4 }),
  );
  const r = spawnSync(
    python,
    ["dev/python/hf/check_roundtrip.py", exported, spec, "--out", join(out, "result.json")],
    {
      encoding: "utf8",
    },
  );
  const result =
    r.status === 0 || r.status === 1 ? JSON.parse(readFileSync(join(out, "result.json"), "utf8")) : null;
  console.log(
    `${model}: exit ${r.status}, max |Δlogit| = ${result?.max_abs_diff ?? "n/a"} ${r.status === 0 ? "OK" : r.stderr.slice(-400)}`,
  );
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
