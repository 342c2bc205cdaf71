/** The cmploss CLI as a child process: run to the end (`cli`), or started so that a test can signal it. */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";

/** The tiny QA ablation flags the end-to-end tests share: CmpCrop and CmpDrop at c = 1, two distractors. */
export const TINY_QA_ABLATION = [
  ...["--n-drop", "1", "--n-crop", "1", "--doc-stride", "16", "--max-query-length", "16"],
  ...["--distractors", "2"],
];

/** The environment every CLI child runs with: one thread, no stack traces. */
const CLI_ENV = { CMPLOSS_THREADS: "1", CMPLOSS_DEBUG: "" };

/** Run `cmploss …args` to its end (2 minutes at most): its exit code and output. */
export function cli(...args: string[]) {
  const r = spawnSync(process.execPath, ["--import", "tsx", "src/cli/main.ts", ...args], {
    encoding: "utf8",
    env: { ...process.env, ...CLI_ENV },
    timeout: 120_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

export interface RunningCli {
  /** Resolves to the exit code (null: killed by a signal it did not handle). */
  exited: Promise<number | null>;
  /** Its standard error so far. */
  stderr: () => string;
  kill: (signal: NodeJS.Signals) => void;
}

export function startCli(args: string[], env: Record<string, string> = {}): RunningCli {
  const child = spawn(process.execPath, ["--import", "tsx", "src/cli/main.ts", ...args], {
    env: { ...process.env, ...CLI_ENV, ...env },
  });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
  return {
    exited: new Promise((resolve) => child.on("close", resolve)),
    stderr: () => stderr,
    kill: (signal) => child.kill(signal),
  };
}

/** Records in a JSONL file (0 while it does not exist). */
export function jsonlLines(path: string): number {
  return existsSync(path) ? readFileSync(path, "utf8").trim().split("\n").filter(Boolean).length : 0;
}

/** Wait until a JSONL file has at least `n` records. */
export async function untilJsonlLines(path: string, n: number): Promise<void> {
  while (jsonlLines(path) < n) await new Promise((resolve) => setTimeout(resolve, 50));
}
