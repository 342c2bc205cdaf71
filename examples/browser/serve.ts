/**
 * Serve the browser example: bundle main.ts (esbuild, `cmploss/core` from this checkout), then serve the page,
 * a Hugging Face model folder under model/ and the bundled SST-2 under data/, cross-origin isolated so that
 * jax-js's wasm backend may use worker threads (SharedArrayBuffer).
 *
 *   npx tsx examples/browser/serve.ts [--model DIR] [--port 8080]     # then open the printed address
 *   npx tsx examples/browser/serve.ts --check [--query train=64] [--chart loss.svg]
 *     # a headless Chromium run that prints the page's progress and result (exit 0 if it trained) and saves
 *     # its loss chart
 *
 * Exit codes: 0 trained, 1 the page failed or could not run (no browser, timeout, port taken), 2 a bad flag or
 * `--query` key (checked against the page's own parser, query.ts, before anything starts).
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type ServerResponse } from "node:http";
import { homedir, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { build } from "esbuild";
import { finishCheck, removeProfile } from "./check.js";
import { parsePageQuery } from "./query.js";

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

/** A bad flag or query: one line and exit 2, before anything starts. */
function usage(message: string): never {
  console.error(`serve: ${message}`);
  process.exit(2);
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
    usage((err as Error).message);
  }
}
const args = readArgs();
const port = Number(args.port);
const timeoutS = Number(args.timeout);
if (!Number.isInteger(port) || port < 0 || port > 65535) usage(`--port ${args.port}: expected 0..65535`);
if (!(timeoutS > 0)) usage(`--timeout ${args.timeout}: expected a positive number of seconds`);
const query = args.query!.replace(/^\?/, "");
const queryProblems = parsePageQuery(query).problems;
if (queryProblems.length > 0) usage(`--query ${queryProblems.join("; ")}`);
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
  if (req.method === "POST" && path === "/progress") {
    // The page's status lines while it trains (with ?report), so that a check is not silent for minutes.
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      send(res, 204, "text/plain", "");
      console.log(`page: ${Buffer.concat(chunks).toString("utf8").split("\n")[0]}`);
    });
    return;
  }
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
const url = `http://127.0.0.1:${typeof address === "object" && address ? address.port : port}/${query ? `?${query}` : ""}`;
console.log(`serving ${modelDir} at ${url}`);

if (args.check) {
  const candidates = args.browser ? [args.browser] : ["chromium", "chromium-browser", "google-chrome"];
  const browser = candidates.find((b) => spawnSync(b, ["--version"], { stdio: "ignore" }).status === 0);
  if (!browser) fail(`--check: expected a Chromium on PATH (${candidates.join(", ")}) or --browser PATH`);
  const profile = mkdtempSync(join(tmpdir(), "cmploss-browser-"));
  const reportUrl = parsePageQuery(query).report ? url : `${url}${query ? "&" : "?"}report`;
  // Its own process group, so that stopping it stops its helper processes too (they write into the profile).
  const child = spawn(
    browser,
    [
      "--headless=new",
      "--no-sandbox",
      "--no-first-run",
      "--disable-crash-reporter",
      `--user-data-dir=${profile}`,
      ...args["browser-arg"]!,
      reportUrl,
    ],
    { stdio: "ignore", detached: true },
  );
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stopBrowser = () => {
    try {
      process.kill(-child.pid!, "SIGTERM");
    } catch {
      // already gone
    }
  };
  process.once("exit", stopBrowser);
  console.log(`--check: headless ${browser} is loading the page; its progress follows`);
  let ending = false;
  /** Stop the browser, remove its profile (a failure there is one warning line) and exit with `ok`'s code. */
  const end = async (ok: boolean): Promise<never> => {
    ending = true;
    clearTimeout(timer);
    server.close();
    stopBrowser();
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
    const code = await finishCheck(
      ok,
      () => removeProfile(profile),
      (message) =>
        console.error(`serve: could not remove Chromium's profile ${profile}, left behind: ${message}`),
    );
    process.exit(code);
  };
  const timer = setTimeout(() => {
    console.error(`serve: --check: no report from the page within ${args.timeout} s`);
    void end(false);
  }, timeoutS * 1000);
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      console.error(`serve: --check stopped by ${signal}`);
      void end(false);
    });
  }
  child.once("exit", (code, signal) => {
    if (ending) return;
    console.error(`serve: --check: ${browser} exited (${signal ?? `code ${code}`}) before the page reported`);
    void end(false);
  });
  finish = (report) => {
    if (ending) return;
    const { history, chart, ...summary } = report;
    console.log(JSON.stringify(summary, null, 2));
    if (args.chart && typeof chart === "string") writeFileSync(args.chart, chart);
    if (Array.isArray(history))
      console.log(`per-variant losses of the last step: ${JSON.stringify(history.at(-1))}`);
    void end(report.ok === true);
  };
}
