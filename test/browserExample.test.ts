import { spawn } from "node:child_process";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { finishCheck, removeProfile } from "../examples/browser/check.js";
import { NUMBER_KEYS, parsePageQuery, QUERY_KEYS } from "../examples/browser/query.js";

const scratch = mkdtempSync(join(tmpdir(), "cmploss-browser-test-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe("the browser page's query", () => {
  it("gives the defaults for an empty query and reads every key", () => {
    const empty = parsePageQuery("");
    expect(empty.problems).toEqual([]);
    expect(empty.device).toBe("auto");
    expect(empty.report).toBe(false);
    expect(empty.settings).toEqual({
      trainExamples: 512,
      devExamples: 200,
      batchSize: 16,
      microBatchSize: 4,
      maxLength: 64,
      padTo: 0,
      nDrop: 2,
      lr: 1e-4,
      seed: 1,
    });
    const q = parsePageQuery(
      "?train=32&dev=8&batch=8&micro-batch=2&max-length=32&pad-to=48&n-drop=4&lr=5e-5&seed=3&device=wasm&report",
    );
    expect(q.problems).toEqual([]);
    expect(q.settings).toEqual({
      trainExamples: 32,
      devExamples: 8,
      batchSize: 8,
      microBatchSize: 2,
      maxLength: 32,
      padTo: 48,
      nDrop: 4,
      lr: 5e-5,
      seed: 3,
    });
    expect([q.device, q.report]).toEqual(["wasm", true]);
  });

  it("rejects an unknown key instead of running the defaults", () => {
    const q = parsePageQuery("trian=64");
    expect(q.problems).toEqual([`?trian=64: unknown key; expected one of ${QUERY_KEYS.join(", ")}`]);
    expect(q.settings.trainExamples).toBe(512);
  });

  it("rejects bad values, one problem per key", () => {
    const q = parsePageQuery("train=0&batch=2.5&n-drop=-1&lr=0&seed=x&dev=&device=cuda&train=8");
    expect(q.problems).toEqual([
      "?train=0: expected a whole number ≥ 1",
      "?batch=2.5: expected a whole number ≥ 1",
      "?n-drop=-1: expected a whole number ≥ 0",
      "?lr=0: expected a number > 0",
      "?seed=x: expected a whole number ≥ 0",
      "?dev=: expected a whole number ≥ 1",
      "?device=cuda: expected auto, wasm, webgpu",
      "?train: given twice; expected it once",
    ]);
  });

  it("README's browser section documents every key", () => {
    const readme = readFileSync("README.md", "utf8");
    const section = readme.slice(readme.indexOf("### In the browser"), readme.indexOf("## Library"));
    for (const key of [...Object.keys(NUMBER_KEYS), "device", "report"]) {
      expect(section).toContain(`\`${key}\``);
    }
  });
});

describe("removing the check's browser profile", () => {
  const errno = (code: string) =>
    Object.assign(new Error(`${code}: directory not empty, rmdir 'x'`), { code });

  it("retries while something still writes into it", async () => {
    let calls = 0;
    await removeProfile("p", {
      delayMs: 1,
      rm: () => {
        if (++calls < 3) throw errno("ENOTEMPTY");
      },
    });
    expect(calls).toBe(3);
  });

  it("gives up after its attempts, and at once on other errors", async () => {
    let calls = 0;
    const always = () => {
      calls++;
      throw errno("ENOTEMPTY");
    };
    await expect(removeProfile("p", { attempts: 4, delayMs: 1, rm: always })).rejects.toThrow(/ENOTEMPTY/);
    expect(calls).toBe(4);
    calls = 0;
    await expect(
      removeProfile("p", {
        delayMs: 1,
        rm: () => {
          calls++;
          throw errno("EIO");
        },
      }),
    ).rejects.toThrow(/EIO/);
    expect(calls).toBe(1);
  });

  it("removes a real profile folder", async () => {
    const dir = join(scratch, "profile");
    mkdirSync(join(dir, "Default/Cache"), { recursive: true });
    writeFileSync(join(dir, "Default/Cache/data_0"), "x");
    await removeProfile(dir);
    expect(existsSync(dir)).toBe(false);
  });

  it("takes the exit code from the page's result, not from a failed cleanup", async () => {
    const warnings: string[] = [];
    const failing = () => Promise.reject(errno("ENOTEMPTY"));
    expect(await finishCheck(true, failing, (m) => warnings.push(m))).toBe(0);
    expect(await finishCheck(false, failing, (m) => warnings.push(m))).toBe(1);
    expect(warnings).toEqual([
      "ENOTEMPTY: directory not empty, rmdir 'x'",
      "ENOTEMPTY: directory not empty, rmdir 'x'",
    ]);
    expect(
      await finishCheck(
        true,
        () => undefined,
        (m) => warnings.push(m),
      ),
    ).toBe(0);
    expect(warnings).toHaveLength(2);
  });
});

/** serve.ts as a child process: its exit code (null: still serving after 60 s), stdout and stderr. */
function serve(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ["--import", "tsx", "examples/browser/serve.ts", ...args]);
  let [stdout, stderr] = ["", ""];
  child.stdout.on("data", (c: Buffer) => (stdout += c.toString("utf8")));
  child.stderr.on("data", (c: Buffer) => (stderr += c.toString("utf8")));
  const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
  return new Promise((resolve) =>
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    }),
  );
}

/**
 * A stand-in for Chromium: answers --version, then loads the page's address as the page does with ?report —
 * posting progress lines and a report — while a helper process of its own keeps writing into the profile
 * (as Chromium's crash handler and services do after the browser process has gone).
 */
function fakeBrowser(ok: boolean): string {
  const path = join(scratch, `browser-${ok}.mjs`);
  writeFileSync(
    path,
    `#!${process.execPath}
import { spawn } from "node:child_process";
import { mkdirSync } from "node:fs";
const args = process.argv.slice(2);
if (args[0] === "--version") process.exit(0);
const profile = args.find((a) => a.startsWith("--user-data-dir=")).slice("--user-data-dir=".length);
const url = new URL(args.at(-1));
mkdirSync(profile + "/Default", { recursive: true });
const helper = "const fs = require('node:fs'); const dir = process.argv[1] + '/Default';" +
  "for (let i = 0, end = Date.now() + 8000; Date.now() < end; i++) try {" +
  " fs.mkdirSync(dir, { recursive: true }); fs.writeFileSync(dir + '/f' + (i % 50), 'x'); } catch {}";
spawn(process.execPath, ["-e", helper, profile], { stdio: "ignore" });
const post = (path, body) => fetch(new URL(path, url), { method: "POST", body });
await post("progress", "query " + url.search);
await post("progress", "step 1/2 · loss 0.6931");
await post("report", JSON.stringify({ ok: ${ok}, steps: 2, history: [[0.69, 0.7]] }));
setInterval(() => {}, 1000);
`,
  );
  chmodSync(path, 0o755);
  return path;
}

describe("serve.ts", () => {
  it("rejects an unknown --query key with one line and exit 2", async () => {
    const r = await serve(["--query", "trian=64", "--model", "test/fixtures/hf/bert-tiny"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      `serve: --query ?trian=64: unknown key; expected one of ${QUERY_KEYS.join(", ")}\n`,
    );
    expect(r.stdout).toBe("");
  });

  it("--check prints the page's progress, removes the profile and exits with the page's result", async () => {
    const before = new Set(readdirSync(tmpdir()).filter((f) => f.startsWith("cmploss-browser-")));
    const model = ["--model", "test/fixtures/hf/bert-tiny", "--port", "0", "--query", "train=32"];
    const good = await serve(["--check", "--browser", fakeBrowser(true), ...model]);
    expect(good.stderr).toBe("");
    expect(good.stdout).toMatch(/^page: query \?train=32&report$/m);
    expect(good.stdout).toMatch(/^page: step 1\/2 · loss 0\.6931$/m);
    expect(good.stdout).toMatch(/"steps": 2/);
    expect(good.code).toBe(0);
    const bad = await serve(["--check", "--browser", fakeBrowser(false), ...model]);
    expect(bad.stderr).toBe("");
    expect(bad.code).toBe(1);
    const left = readdirSync(tmpdir()).filter((f) => f.startsWith("cmploss-browser-") && !before.has(f));
    expect(left.filter((f) => !f.startsWith("cmploss-browser-test-"))).toEqual([]);
  });
});
