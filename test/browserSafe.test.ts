import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { describe, expect, it } from "vitest";

// Walk the static imports reachable from an entry and list Node built-ins they pull in.
function nodeImports(entry: string): string[] {
  const seen = new Set<string>();
  const found: string[] = [];
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const src = readFileSync(file, "utf8");
    for (const m of src.matchAll(/^\s*(?:import|export)\s[^;]*?from\s+"([^"]+)";/gms)) {
      const spec = m[1];
      if (/^\s*(?:import|export)\s+type\s/.test(m[0])) continue;
      if (spec.startsWith("node:")) found.push(`${file}: ${spec}`);
      else if (spec.startsWith(".")) visit(resolve(dirname(file), spec.replace(/\.js$/, ".ts")));
    }
    for (const m of src.matchAll(/^import\s+"([^"]+)";/gm)) {
      if (m[1].startsWith(".")) visit(resolve(dirname(file), m[1].replace(/\.js$/, ".ts")));
    }
  };
  visit(resolve(entry));
  return found;
}

describe("browser-safe entry", () => {
  it("cmploss/core statically imports no Node built-in", () => {
    expect(nodeImports(join("src", "core.ts"))).toEqual([]);
  });
  it("the Node entry does (sanity check of the walker)", () => {
    expect(nodeImports(join("src", "index.ts")).length).toBeGreaterThan(0);
  });
});
