/** Atomic file writes: write a sibling temp file, fsync, rename. Readers never see a half-written file. */
import {
  closeSync,
  existsSync,
  fsyncSync,
  openSync,
  readdirSync,
  renameSync,
  rmSync,
  writeSync,
} from "node:fs";
import { basename, dirname, join } from "node:path";

/** The temporary sibling `writeFileAtomic` writes first: `.<name>.<pid>.tmp`. */
function tempPath(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
}

const TEMP_NAME = /^\..+\.(\d+)\.tmp$/;

export function writeFileAtomic(path: string, data: Uint8Array | string): void {
  const tmp = tempPath(path);
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  try {
    const fd = openSync(tmp, "w");
    try {
      let done = 0;
      while (done < bytes.byteLength) done += writeSync(fd, bytes, done, bytes.byteLength - done);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

/**
 * A file written in pieces that appears only when complete: the pieces go to a sibling temp file, which
 * `commit` fsyncs and renames over `path`; `abort` (or a failed write) removes it, leaving `path` as it was.
 */
export class AtomicFileWriter {
  readonly #tmp: string;
  #fd: number | null;

  constructor(readonly path: string) {
    this.#tmp = tempPath(path);
    this.#fd = openSync(this.#tmp, "w");
  }

  write(data: Uint8Array | string): void {
    if (this.#fd === null) throw new Error(`${this.path}: write after commit or abort`);
    const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
    try {
      let done = 0;
      while (done < bytes.byteLength) done += writeSync(this.#fd, bytes, done, bytes.byteLength - done);
    } catch (err) {
      this.abort();
      throw err;
    }
  }

  commit(): void {
    if (this.#fd === null) throw new Error(`${this.path}: commit after commit or abort`);
    const fd = this.#fd;
    this.#fd = null;
    try {
      try {
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(this.#tmp, this.path);
    } catch (err) {
      rmSync(this.#tmp, { force: true });
      throw err;
    }
  }

  /** Drop what was written (no-op after commit). */
  abort(): void {
    if (this.#fd === null) return;
    closeSync(this.#fd);
    this.#fd = null;
    rmSync(this.#tmp, { force: true });
  }
}

/** Whether process `pid` exists (one of another user counts: it may still be writing). */
function processAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Delete the temporary files in `dir` that a killed writer left behind (`.<name>.<pid>.tmp` whose process is
 * gone); those of a live process are left alone. Returns the names deleted.
 */
export function removeOrphanedTemps(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const removed: string[] = [];
  for (const name of readdirSync(dir)) {
    const m = TEMP_NAME.exec(name);
    if (!m || processAlive(Number(m[1]))) continue;
    rmSync(join(dir, name), { force: true });
    removed.push(name);
  }
  return removed;
}
