import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { build } from "esbuild";
import { afterAll, describe, expect, it } from "vitest";

// What a user's bundler does with `cmploss/core`: esbuild for the browser platform fails on any Node built-in
// or Node-only package it can reach (the optional `webgpu` package once broke every browser bundle).
const out = mkdtempSync(join(tmpdir(), "cmploss-bundle-"));
afterAll(() => rmSync(out, { recursive: true, force: true }));

/** esbuild for the browser platform, as a user's bundler sees cmploss; `entry` a file or a stdin module. */
async function browserBundle(entry: string | { stdin: string }, outfile: string) {
  return build({
    ...(typeof entry === "string"
      ? { entryPoints: [entry] }
      : { stdin: { contents: entry.stdin, resolveDir: resolve("."), loader: "ts" as const } }),
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    outfile,
    alias: { "cmploss/core": resolve("src/core.ts") },
    logLevel: "silent",
  });
}

type CoreBundle = typeof import("../src/core.js");

describe("browser bundles", () => {
  it("bundle cmploss/core and the browser example for the browser platform", async () => {
    const core = await browserBundle("src/core.ts", join(out, "core.js"));
    expect(core.errors).toEqual([]);
    const example = await browserBundle("examples/browser/main.ts", join(out, "example.js"));
    expect(example.errors).toEqual([]);
    const text = readFileSync(join(out, "core.js"), "utf8");
    expect(text).not.toMatch(/from\s*["']node:/);
    // The bundled engine is the patched one (patches/, applied to node_modules on install): the 2 × 4 matmul
    // tile (01), the 4-lane transcendentals (02) and the row scatter (03), the batched k-vectorised tile (04),
    // the k-vectorised 2 × 4 tile without unrolling (05), per-head rows sharing loads (07), buffers planned from
    // liveness (10), freed wasm memory that serves any size (11), 4-lane max/min reductions (12).
    expect(text).toMatch(/\bTILED_SIMD_MICRO_ROWS\d* = 2;/);
    expect(text).toMatch(/function wasm_erfc_simd\d*\(/);
    expect(text).toMatch(/indexedAxes\.length === 1 && indexedAxes\[0\] === 0/); // 03's row scatter
    expect(text).toMatch(/microRows: rowsShareLoads \?/); // 04's one-row tile for batched Q·Kᵀ
    expect(text).toMatch(/\bK_SIMD_MAX_UNROLL\d* = 1;/); // 05: the k loop is not unrolled
    expect(text).toMatch(/function invariantAcrossAlignedRows\d*\(/); // 07
    expect(text).toMatch(/\breuseDeadBuffers\(/); // 10's buffer reuse in jitCompile
    expect(text).toMatch(/\bfreeRangeBytes:/); // 11: the wasm allocator reports its free ranges
    expect(text).toMatch(/function canUseKSimdMinMax12\d*\(/); // 12
  });

  it("the browser bundle loads a Hugging Face model from its files' bytes and matches transformers", async () => {
    // Run the bundled code itself (with its own jax-js copy, on wasm), fed as a page is: file contents only.
    // The entry adds jax-js's `random` so that the key is made by the same copy that consumes it.
    const built = await browserBundle(
      { stdin: 'export * from "./src/core.ts"; export { random } from "@jax-js/jax";' },
      join(out, "core-and-random.js"),
    );
    expect(built.errors).toEqual([]);
    const core = (await import(pathToFileURL(join(out, "core-and-random.js")).href)) as CoreBundle &
      Pick<typeof import("@jax-js/jax"), "random">;
    await core.initRuntime({ device: "wasm" });

    const dir = "test/fixtures/hf/bert-tiny";
    const read = (name: string) => readFileSync(join(dir, name), "utf8");
    const expected = JSON.parse(read("expected.json")) as {
      inputs: { text: string; text_pair?: string | null }[];
      input_ids: number[][];
      attention_mask: number[][];
      logits: number[][];
    };
    const tok = core.HfTokenizer.fromFiles(
      {
        tokenizerJson: read("tokenizer.json"),
        tokenizerConfig: read("tokenizer_config.json"),
        specialTokensMap: read("special_tokens_map.json"),
      },
      dir,
    );
    const T = expected.input_ids[0].length;
    const encoded = expected.inputs.map((x) =>
      tok.encode(x.text, x.text_pair ?? undefined, { maxLength: T }),
    );
    const real = (i: number) => expected.attention_mask[i].reduce((a, b) => a + b, 0);
    expect(encoded.map((e) => Array.from(e.input_ids))).toEqual(
      expected.input_ids.map((row, i) => row.slice(0, real(i))),
    );

    const weights = new Uint8Array(readFileSync(join(dir, "model.safetensors")));
    const numLabels = expected.logits[0].length;
    const loaded = core.hfClassifierFromFiles(
      { config: read("config.json"), weights },
      numLabels,
      core.random.key(0),
    );
    expect(loaded.newlyInitialized).toEqual([]);
    const host = core.collate(encoded, new Int32Array(encoded.length), { padTo: T, padId: tok.padId });
    const { labels, ...inputs } = core.toDeviceBatch(host);
    labels.dispose();
    const logits = core.applySequenceClassifier(loaded.params, inputs, loaded.config, core.NO_DROPOUT);
    expect(Array.from(await logits.data())).toBeAllclose(expected.logits.flat(), { atol: 1e-4, rtol: 0 });
  });
});

describe("examples/browser/serve.ts", () => {
  it("serves the page, the bundle, the model's files and the data, cross-origin isolated, and nothing else", async () => {
    const { spawn } = await import("node:child_process");
    const child = spawn(
      process.execPath,
      [
        "--import",
        "tsx",
        "examples/browser/serve.ts",
        "--model",
        "test/fixtures/hf/bert-tiny",
        "--port",
        "0",
      ],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    try {
      const base = await new Promise<string>((ok, fail) => {
        let seen = "";
        child.stdout.on("data", (chunk: Buffer) => {
          seen += chunk.toString();
          const m = /at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(seen);
          if (m) ok(m[1]);
        });
        child.once("exit", (code) => fail(new Error(`serve.ts exited with ${code}: ${seen}`)));
      });
      const get = (path: string) => fetch(new URL(path, base));
      const page = await get("/");
      expect(page.status).toBe(200);
      expect(page.headers.get("cross-origin-opener-policy")).toBe("same-origin");
      expect(page.headers.get("cross-origin-embedder-policy")).toBe("require-corp");
      expect(await page.text()).toContain('src="main.js"');
      expect(await (await get("/main.js")).text()).toContain("hfClassifierFromFiles");
      const config = await get("/model/config.json");
      expect(await config.json()).toEqual(
        JSON.parse(readFileSync("test/fixtures/hf/bert-tiny/config.json", "utf8")),
      );
      expect((await get("/data/dev.tsv")).status).toBe(200);
      for (const path of [
        "/model/expected.json",
        "/model/..%2F..%2Fpackage.json",
        "/data/../package.json",
        "/x",
      ]) {
        expect((await get(path)).status, path).toBe(404);
      }
    } finally {
      child.kill();
    }
  });

  it("refuses a folder without a model, an unknown flag and a bad port, each in one line", async () => {
    const { spawnSync } = await import("node:child_process");
    const serve = (...flags: string[]) =>
      spawnSync(process.execPath, ["--import", "tsx", "examples/browser/serve.ts", ...flags], {
        encoding: "utf8",
      });
    // a missing model is a failure (exit 1); a bad flag or value a usage error (exit 2)
    const cases: [string[], string, number][] = [
      [
        ["--model", out],
        `serve: ${join(out, "config.json")}: expected a Hugging Face model folder with config.json (bash scripts/fetch-minilm.sh)`,
        1,
      ],
      [["--bogus"], "serve: Unknown option '--bogus'", 2],
      [["--port", "http"], "serve: --port http: expected 0..65535", 2],
    ];
    for (const [flags, message, code] of cases) {
      const run = serve(...flags);
      expect(run.status, flags.join(" ")).toBe(code);
      expect(run.stderr.trim()).toBe(message);
    }
  });
});
