/**
 * What bench/engineAB.ts and bench/mixedLengths.ts share: engine copies without some patches (made by
 * scripts/apply-patches.mjs) and benchmark children, each in a fresh process (jax-js sizes its worker pool and
 * its wasm heap when it loads), that print their result as the last JSON line of their output.
 */
import { spawnSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/**
 * A copy of the installed @jax-js/jax in `dir` without the listed patches (`"all"`: the published engine
 * itself); loaded in a child through bench/engineHook.mjs with CMPLOSS_JAX_DIR=dir.
 */
export function engineCopy(dir: string, without: readonly string[] | "all"): string {
  if (without !== "all" && without.length === 0) throw new Error("engineCopy: name the patches to leave out");
  const only = without === "all" ? [] : ["--only", without.join(",")];
  const r = spawnSync(
    process.execPath,
    [path.join(ROOT, "scripts/apply-patches.mjs"), "--pristine-copy", dir, ...only, "--quiet"],
    { encoding: "utf8" },
  );
  if (r.status !== 0) throw new Error(`apply-patches.mjs --pristine-copy ${dir}: ${r.stderr.trim()}`);
  return dir;
}

/** bench/stepTiming.ts with `args` on the installed engine, or on the engine copy in `jaxDir`. */
export function stepTimingCommand(args: object, jaxDir?: string): { cmd: string; args: string[] } {
  const hook = jaxDir ? ["--import", path.join(ROOT, "bench/engineHook.mjs")] : [];
  return {
    cmd: process.execPath,
    args: [...hook, "--import", "tsx", path.join(ROOT, "bench/stepTiming.ts"), JSON.stringify(args)],
  };
}

/**
 * Run one benchmark child from the repository root with `env` added (CMPLOSS_JAX_DIR when `jaxDir`): its last
 * JSON line, or why it failed — the thrown error's line (an uncaught error's stderr starts with the source line
 * that threw and ends with Node's version line), else a line about memory, else the last line of its stderr,
 * else how it ended.
 */
export function runChild<T>(
  command: { cmd: string; args: string[] },
  options: { env?: Record<string, string>; jaxDir?: string; timeoutMs: number },
): { value: T } | { error: string } {
  const r = spawnSync(command.cmd, command.args, {
    cwd: ROOT,
    encoding: "utf8",
    env: {
      ...process.env,
      ...options.env,
      ...(options.jaxDir ? { CMPLOSS_JAX_DIR: options.jaxDir } : {}),
    },
    timeout: options.timeoutMs,
    maxBuffer: 16 << 20,
  });
  const line = (r.stdout ?? "")
    .split("\n")
    .reverse()
    .find((l) => l.startsWith("{"));
  if (r.status === 0 && line) return { value: JSON.parse(line) as T };
  const lines = (r.stderr ?? "").trim().split("\n").filter(Boolean);
  const why =
    lines.find((l) => /^\w*Error\b/.test(l)) ??
    lines.find((l) => /out of memory|exceeds/.test(l)) ??
    lines.at(-1);
  return { error: why ?? (r.signal ? `killed by ${r.signal}` : `exit ${r.status}`) };
}
