/**
 * Serve the browser example: bundle main.ts (esbuild, `cmploss/core` from this checkout), then serve the page,
 * a Hugging Face model folder under model/ and the bundled SST-2 under data/, cross-origin isolated so that
 * jax-js's wasm backend may use worker threads (SharedArrayBuffer).
 *
 *   npx tsx examples/browser/serve.ts [--model DIR] [--port 8080]     # then open the printed address
 *   npx tsx examples/browser/serve.ts --check [--query train=64] [--chart loss.svg]
 *     # a headless Chromium run that prints the page's result (exit 0 if it trained) and saves its loss chart
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type ServerResponse } from "node:http";
import { homedir, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { build } from "esbuild";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "../..");
const MODEL_FILES = [
  "config.json",
  "model.safetensors",
  "tokenizer.json",
  "tokenizer_config.json",
  "special_tokens_map.json",
];
const DATA_FILES: Record<string, string> = {
  "train.tsv": join(root, "data/glue/SST-2/train.tsv"),
  "dev.tsv": join(root, "data/glue/SST-2/dev.tsv"),
};

function fail(message: string): never {
  console.error(`serve: ${message}`);
  process.exit(1);
}

/** The flags, or a one-line error for an unknown one. */
function readArgs() {
  try {
    return parseArgs({
      options: {
        model: { type: "string", default: join(homedir(), ".cache/cmploss/models/all-MiniLM-L6-v2") },
        port: { type: "string", default: "8080" },
        check: { type: "boolean", default: false },
        query: { type: "string", default: "" },
        browser: { type: "string" },
        timeout: { type: "string", default: "1800" },
        chart: { type: "string" },
        "browser-arg": { type: "string", multiple: true, default: [] },
      },
    }).values;
  } catch (err) {
    fail((err as Error).message);
  }
}
const args = readArgs();
const port = Number(args.port);
const timeoutS = Number(args.timeout);
if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`--port ${args.port}: expected 0..65535`);
if (!(timeoutS > 0)) fail(`--timeout ${args.timeout}: expected a positive number of seconds`);
const modelDir = resolve(args.model!);
for (const file of ["config.json", "model.safetensors", "tokenizer.json"]) {
  if (!existsSync(join(modelDir, file))) {
    fail(
      `${join(modelDir, file)}: expected a Hugging Face model folder with ${file} (bash scripts/fetch-minilm.sh)`,
    );
  }
}

const bundle = await build({
  entryPoints: [join(here, "main.ts")],
  bundle: true,
  format: "esm",
  platform: "browser",
  target: "es2022",
  write: false,
  alias: { "cmploss/core": join(root, "src/core.ts") },
  logLevel: "error",
});
const mainJs = bundle.outputFiles[0].contents;

let finish: ((report: { ok: boolean } & Record<string, unknown>) => void) | null = null;

function send(res: ServerResponse, status: number, type: string, body: Uint8Array | string): void {
  res.writeHead(status, {
    "Content-Type": type,
    // Cross-origin isolation: without it browsers hide SharedArrayBuffer and jax-js runs on one thread.
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Embedder-Policy": "require-corp",
    "Cache-Control": "no-store",
  });
  res.end(body);
}

const server = createServer((req, res) => {
  const path = new URL(req.url ?? "/", "http://localhost").pathname;
  if (req.method === "POST" && path === "/report") {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      send(res, 204, "text/plain", "");
      finish?.(JSON.parse(Buffer.concat(chunks).toString("utf8")) as { ok: boolean });
    });
    return;
  }
  if (path === "/") return send(res, 200, "text/html; charset=utf-8", readFileSync(join(here, "index.html")));
  if (path === "/main.js") return send(res, 200, "text/javascript", mainJs);
  const [, folder, name] = path.split("/");
  if (folder === "model" && MODEL_FILES.includes(name) && existsSync(join(modelDir, name))) {
    const type = name.endsWith(".json") ? "application/json" : "application/octet-stream";
    return send(res, 200, type, readFileSync(join(modelDir, name)));
  }
  if (folder === "data" && DATA_FILES[name]) {
    return send(res, 200, "text/tab-separated-values", readFileSync(DATA_FILES[name]));
  }
  send(res, 404, "text/plain", "not found");
});

await new Promise<void>((ok, reject) => {
  server.once("error", (err) => reject(err));
  server.listen(port, "127.0.0.1", ok);
}).catch((err: Error) => fail(`--port ${port}: ${err.message}`));
const address = server.address();
const url = `http://127.0.0.1:${typeof address === "object" && address ? address.port : port}/${args.query ? `?${args.query}` : ""}`;
console.log(`serving ${modelDir} at ${url}`);

if (args.check) {
  const candidates = args.browser ? [args.browser] : ["chromium", "chromium-browser", "google-chrome"];
  const browser = candidates.find((b) => spawnSync(b, ["--version"], { stdio: "ignore" }).status === 0);
  if (!browser) fail(`--check: expected a Chromium on PATH (${candidates.join(", ")}) or --browser PATH`);
  const profile = mkdtempSync(join(tmpdir(), "cmploss-browser-"));
  const reportUrl = `${url}${args.query ? "&" : "?"}report`;
  const child = spawn(
    browser,
    [
      "--headless=new",
      "--no-sandbox",
      "--no-first-run",
      `--user-data-dir=${profile}`,
      ...args["browser-arg"]!,
      reportUrl,
    ],
    { stdio: "ignore" },
  );
  const timer = setTimeout(() => {
    child.kill();
    fail(`--check: no report from the page within ${args.timeout} s`);
  }, timeoutS * 1000);
  finish = (report) => {
    clearTimeout(timer);
    server.close();
    const { history, chart, ...summary } = report;
    console.log(JSON.stringify(summary, null, 2));
    if (args.chart && typeof chart === "string") writeFileSync(args.chart, chart);
    if (Array.isArray(history))
      console.log(`per-variant losses of the last step: ${JSON.stringify(history.at(-1))}`);
    // Chromium writes to its profile until it has exited.
    child.once("exit", () => {
      rmSync(profile, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
      process.exit(report.ok ? 0 : 1);
    });
    child.kill();
  };
}
