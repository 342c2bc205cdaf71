import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { AtomicFileWriter } from "./atomic.js";

const root = mkdtempSync(join(tmpdir(), "cmploss-atomic-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("AtomicFileWriter", () => {
  it("shows the file only once committed, whole", () => {
    const path = join(root, "out.jsonl");
    const w = new AtomicFileWriter(path);
    w.write("a\n");
    w.write(new TextEncoder().encode("b\n"));
    expect(existsSync(path)).toBe(false);
    w.commit();
    expect(readFileSync(path, "utf8")).toBe("a\nb\n");
    expect(readdirSync(root)).toEqual(["out.jsonl"]);
    expect(() => w.write("c\n")).toThrow(/write after commit or abort/);
  });

  it("leaves an earlier file as it was, and no temp file, when aborted", () => {
    const path = join(root, "kept.jsonl");
    writeFileSync(path, "earlier\n");
    const w = new AtomicFileWriter(path);
    w.write("half");
    w.abort();
    expect(readFileSync(path, "utf8")).toBe("earlier\n");
    expect(readdirSync(root).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });
});
