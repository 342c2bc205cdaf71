/**
 * The end of serve.ts's headless `--check`: removing Chromium's temporary profile and choosing the exit code.
 * Chromium's helper processes (crash handler, GPU and network services) may still write into the profile for a
 * moment after the browser process has exited, so removing it can fail with ENOTEMPTY; that must neither crash
 * the check nor change its exit code, which comes from the page's result alone.
 */
import { rmSync } from "node:fs";

/** Errors that mean "something still holds or writes into the folder": worth another try after a pause. */
const TRANSIENT = new Set(["ENOTEMPTY", "EBUSY", "EPERM"]);

export interface RemoveOptions {
  /** Removes the folder (default: `rmSync(dir, { recursive: true, force: true })`). */
  rm?: (dir: string) => void;
  /** Tries in all (default 20). */
  attempts?: number;
  /** Pause before each retry in ms (default 250). */
  delayMs?: number;
}

/** Remove `dir`, retrying while something still writes into it; throws the last error if it never goes. */
export async function removeProfile(dir: string, options: RemoveOptions = {}): Promise<void> {
  const { rm = (d) => rmSync(d, { recursive: true, force: true }), attempts = 20, delayMs = 250 } = options;
  for (let attempt = 1; ; attempt++) {
    try {
      rm(dir);
      return;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? "";
      if (!TRANSIENT.has(code) || attempt >= attempts) throw err;
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }
}

/**
 * The check's exit code, after `cleanup`: 0 when the page trained (`ok`), else 1. A failing cleanup is passed to
 * `warn` as its error's first line (for one warning line), never a stack trace or another exit code.
 */
export async function finishCheck(
  ok: boolean,
  cleanup: () => Promise<void> | void,
  warn: (message: string) => void,
): Promise<number> {
  try {
    await cleanup();
  } catch (err) {
    warn(String(err instanceof Error ? err.message : err).split("\n")[0]);
  }
  return ok ? 0 : 1;
}
