/**
 * cmploss in a web page: fine-tune a pretrained Hugging Face encoder on a slice of SST-2 with CmpDrop — the full
 * model and c nested-dropout copies ranked by the comparative loss — entirely in the browser, on WebGPU when
 * the browser has a GPU adapter, else on jax-js's wasm backend. `serve.ts` bundles this file and serves it with
 * the model's files under `model/` and the bundled SST-2 under `data/`.
 *
 * Query parameters override the settings (query.ts lists them), e.g. `?train=512&n-drop=4&batch=32`;
 * `?device=webgpu` insists on WebGPU even on a software adapter, which `auto` passes over for wasm. An unknown or
 * bad key stops the page with an error instead of running the defaults.
 */
// cmploss first: it prepares the platform before jax-js loads (see the README's Library section).
import {
  accuracy,
  adamwInit,
  ADAMW_DEFAULTS,
  applySequenceClassifier,
  backendLine,
  chartSvg,
  collate,
  COLORS,
  HfTokenizer,
  hfClassifierFromFiles,
  initRuntime,
  linearWarmupDecay,
  makeTrainStep,
  NO_DROPOUT,
  smooth,
  toDeviceBatch,
  type BertConfig,
  type SequenceClassifierParams,
  type TrainBatch,
} from "cmploss/core";
import { numpy as np, random } from "@jax-js/jax";
import { parsePageQuery } from "./query.js";

/** The settings from the page's query (keys and defaults in query.ts); a bad or unknown key is reported by `run`. */
const { settings, device, report: reporting, problems } = parsePageQuery(location.search);

const $ = (id: string) => document.getElementById(id)!;
const show = (id: string, text: string) => ($(id).textContent = text);

/**
 * With `?report`, lines posted to serve.ts one after another (it prints them: a headless check is not silent
 * while the page trains); `report` waits for them before posting the result.
 */
let posted: Promise<unknown> = Promise.resolve();
function post(path: "progress" | "report", body: string): Promise<unknown> {
  if (!reporting) return posted;
  posted = posted.then(() => fetch(path, { method: "POST", body }).catch(() => undefined));
  return posted;
}

/** The status line, on the page and (with `?report`) in serve.ts's terminal. */
function status(text: string): void {
  show("status", text);
  void post("progress", text);
}

interface Example {
  sentence: string;
  label: number;
}

async function fetchOk(path: string): Promise<Response> {
  const res = await fetch(path);
  if (!res.ok)
    throw new Error(`${path}: expected the file, got HTTP ${res.status} (serve the page with serve.ts)`);
  return res;
}

async function fetchOptional(path: string): Promise<string | undefined> {
  const res = await fetch(path);
  return res.ok ? res.text() : undefined;
}

/** GLUE SST-2 TSV: a `sentence\tlabel` header, then one example per line. */
function parseSst2(text: string, file: string): Example[] {
  const lines = text.split("\n").filter((l) => l.length > 0);
  return lines.slice(1).map((line, i) => {
    const [sentence, label] = line.split("\t");
    if (label !== "0" && label !== "1") {
      throw new Error(`${file}:${i + 2}: expected a label "0" or "1", got ${JSON.stringify(label)}`);
    }
    return { sentence, label: Number(label) };
  });
}

/** A seeded shuffle (mulberry32), so every page load trains on the same examples in the same order. */
function shuffled<T>(items: readonly T[], seed: number): T[] {
  let s = seed >>> 0;
  const next = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/**
 * Encode and pad a batch to a multiple of 16 tokens (or to `?pad-to`), so a few shapes cover every batch (one
 * jit trace each).
 */
function deviceBatch(tok: HfTokenizer, rows: readonly Example[]): TrainBatch {
  const encoded = rows.map((r) => tok.encode(r.sentence, undefined, { maxLength: settings.maxLength }));
  const longest = Math.max(...encoded.map((e) => e.input_ids.length));
  const host = collate(encoded, Int32Array.from(rows.map((r) => r.label)), {
    padTo: Math.max(settings.padTo, Math.ceil(longest / 16) * 16),
    padId: tok.padId,
  });
  return toDeviceBatch(host);
}

/** Dev accuracy of the full model (no dropout). Borrows `params`. */
async function devAccuracy(
  params: SequenceClassifierParams,
  config: BertConfig,
  tok: HfTokenizer,
  dev: readonly Example[],
): Promise<number> {
  const predictions: number[] = [];
  for (let i = 0; i < dev.length; i += 32) {
    const { labels, ...inputs } = deviceBatch(tok, dev.slice(i, i + 32));
    labels.dispose();
    const logits = applySequenceClassifier(params, inputs, config, NO_DROPOUT);
    predictions.push(...Array.from((await np.argmax(logits, -1).data()) as Int32Array));
  }
  return accuracy(
    predictions,
    dev.map((e) => e.label),
  );
}

/** Per-variant training losses as an SVG line chart (a moving average over 8 steps), with cmploss's axes. */
function lossChart(history: number[][]): string {
  const series = history[0].map((_, v) => ({
    name: v === 0 ? "full model" : `ablated ${v}`,
    color: COLORS[v % COLORS.length],
    points: smooth(
      history.map((row, i): [number, number] => [i + 1, row[v]]),
      8,
    ),
  }));
  return chartSvg("Training task loss per variant (moving average over 8 steps)", series, "step", 640, 280);
}

async function run(): Promise<Record<string, unknown>> {
  if (problems.length > 0) throw new Error(problems.join("; "));
  const runtime = await initRuntime({ device });
  show("backend", backendLine(runtime));
  void post("progress", backendLine(runtime));

  status("fetching the model and the data…");
  const [configText, weights, tokenizerJson, tokenizerConfig, specialTokensMap, trainText, devText] =
    await Promise.all([
      fetchOk("model/config.json").then((r) => r.text()),
      fetchOk("model/model.safetensors").then(async (r) => new Uint8Array(await r.arrayBuffer())),
      fetchOk("model/tokenizer.json").then((r) => r.text()),
      fetchOptional("model/tokenizer_config.json"),
      fetchOptional("model/special_tokens_map.json"),
      fetchOk("data/train.tsv").then((r) => r.text()),
      fetchOk("data/dev.tsv").then((r) => r.text()),
    ]);
  const tok = HfTokenizer.fromFiles({ tokenizerJson, tokenizerConfig, specialTokensMap }, "model");
  const loaded = hfClassifierFromFiles({ config: configText, weights }, 2, random.key(settings.seed));
  const config = loaded.config;
  const train = shuffled(parseSst2(trainText, "data/train.tsv"), settings.seed).slice(
    0,
    settings.trainExamples,
  );
  const dev = parseSst2(devText, "data/dev.tsv").slice(0, settings.devExamples);

  status(`scoring ${dev.length} dev sentences before fine-tuning…`);
  const before = await devAccuracy(loaded.params, config, tok, dev);
  show("before", `dev accuracy before: ${(100 * before).toFixed(1)} %`);
  void post("progress", $("before").textContent!);

  const steps = Math.ceil(train.length / settings.batchSize);
  const stepper = makeTrainStep({
    modelConfig: config,
    lossKind: "ce",
    powers: Array.from({ length: settings.nDrop + 1 }, (_, k) => k), // full model, then CmpDrop 1..c
    mode: "batched",
    loss: { kind: "cmp" }, // the reference's defaults: pairwise hinge over all pairs with the "ultra" dummy
    adamw: ADAMW_DEFAULTS,
    maxGradNorm: 1,
    jit: true,
    microBatchSize: settings.microBatchSize,
  });
  let state = {
    params: loaded.params,
    opt: adamwInit(loaded.params),
    key: random.key(settings.seed + 1),
    step: 0,
  };
  const history: number[][] = [];
  const stepSeconds: number[] = [];
  const started = performance.now();
  for (let s = 0; s < steps; s++) {
    const batch = deviceBatch(tok, train.slice(s * settings.batchSize, (s + 1) * settings.batchSize));
    const lr = linearWarmupDecay(s, settings.lr, Math.round(0.1 * steps), steps);
    const t0 = performance.now();
    const result = await stepper.step(state, batch, lr);
    stepSeconds.push((performance.now() - t0) / 1000);
    state = result.state;
    history.push(result.variantLosses);
    const elapsed = (performance.now() - started) / 1000;
    const eta = (elapsed / (s + 1)) * (steps - s - 1);
    status(
      `step ${s + 1}/${steps} · loss ${result.loss.toFixed(4)} · variants [${result.variantLosses
        .map((l) => l.toFixed(3))
        .join(" ")}] · ${elapsed.toFixed(0)} s, ETA ${eta.toFixed(0)} s`,
    );
    $("chart").innerHTML = lossChart(history);
  }
  const seconds = (performance.now() - started) / 1000;
  stepper.dispose();

  const after = await devAccuracy(state.params, config, tok, dev);
  show(
    "after",
    `dev accuracy after ${steps} CmpDrop steps (c = ${settings.nDrop}): ${(100 * after).toFixed(1)} %`,
  );
  void post("progress", $("after").textContent!);
  status(`done: ${((steps * settings.batchSize) / seconds).toFixed(1)} train examples/s`);
  return {
    backend: backendLine(runtime),
    settings,
    steps,
    seconds,
    devBefore: before,
    devAfter: after,
    history,
    stepSeconds,
    chart: $("chart").innerHTML,
  };
}

/** With `?report`, the result (or the error) is posted back to serve.ts, which prints it: a headless check. */
function report(body: Record<string, unknown>): Promise<unknown> {
  return post("report", JSON.stringify(body));
}

run().then(
  (result) => report({ ok: true, ...result }),
  (err: unknown) => {
    show("status", `error: ${(err as Error).message}`);
    return report({ ok: false, error: String((err as Error).stack ?? err) });
  },
);
