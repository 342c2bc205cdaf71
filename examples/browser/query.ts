/**
 * The browser example's query keys (`?train=64&n-drop=4`): their defaults, and their parsing with a one-line
 * problem for each bad or unknown key. No DOM and no Node: main.ts uses it on the page, serve.ts on its
 * `--query` before starting a browser, and the tests import it directly.
 */

export interface PageSettings {
  trainExamples: number;
  devExamples: number;
  batchSize: number;
  microBatchSize: number;
  maxLength: number;
  padTo: number;
  nDrop: number;
  lr: number;
  seed: number;
}

export type PageDevice = "auto" | "wasm" | "webgpu";

interface NumberKey {
  setting: keyof PageSettings;
  fallback: number;
  /** "count": an integer ≥ 1; "whole": an integer ≥ 0; "positive": a number > 0. */
  kind: "count" | "whole" | "positive";
  help: string;
}

/** The numeric keys, in the order README lists them. */
export const NUMBER_KEYS: Record<string, NumberKey> = {
  train: { setting: "trainExamples", fallback: 512, kind: "count", help: "SST-2 training sentences" },
  dev: {
    setting: "devExamples",
    fallback: 200,
    kind: "count",
    help: "dev sentences scored before and after",
  },
  batch: { setting: "batchSize", fallback: 16, kind: "count", help: "batch size" },
  // A browser's wasm heap stops at 4 GiB: each batch is differentiated this many examples at a time (the same
  // gradient), which MiniLM with c = 2 needs.
  "micro-batch": {
    setting: "microBatchSize",
    fallback: 4,
    kind: "count",
    help: "examples differentiated at a time (the same gradient)",
  },
  "max-length": { setting: "maxLength", fallback: 64, kind: "count", help: "tokens per sentence at most" },
  // 0: pad each batch to a multiple of 16 tokens; T: pad every batch to T (one shape, e.g. to time steps).
  "pad-to": { setting: "padTo", fallback: 0, kind: "whole", help: "pad every batch to this many tokens" },
  "n-drop": { setting: "nDrop", fallback: 2, kind: "whole", help: "CmpDrop ablated copies c" },
  lr: { setting: "lr", fallback: 1e-4, kind: "positive", help: "peak learning rate" },
  seed: { setting: "seed", fallback: 1, kind: "whole", help: "seed of the shuffle, head and dropout" },
};

export const DEVICES: readonly PageDevice[] = ["auto", "wasm", "webgpu"];
/** Every key the page reads: the numeric ones, `device`, and `report` (post the result to serve.ts). */
export const QUERY_KEYS: readonly string[] = [...Object.keys(NUMBER_KEYS), "device", "report"];

export interface PageQuery {
  settings: PageSettings;
  device: PageDevice;
  /** `?report`: post progress and the result back to serve.ts (a headless check). */
  report: boolean;
  /** One line per bad or unknown key; empty when the query is good. */
  problems: string[];
}

const EXPECTED: Record<NumberKey["kind"], string> = {
  count: "a whole number ≥ 1",
  whole: "a whole number ≥ 0",
  positive: "a number > 0",
};

function valid(n: number, kind: NumberKey["kind"]): boolean {
  if (kind === "positive") return Number.isFinite(n) && n > 0;
  return Number.isInteger(n) && n >= (kind === "count" ? 1 : 0);
}

/** The page's settings from a query string (with or without its leading "?"), and what is wrong with it. */
export function parsePageQuery(search: string): PageQuery {
  const query = new URLSearchParams(search);
  const problems: string[] = [];
  const settings = Object.fromEntries(
    Object.values(NUMBER_KEYS).map((k) => [k.setting, k.fallback]),
  ) as unknown as PageSettings;
  let device: PageDevice = "auto";
  const seen = new Set<string>();
  for (const [key, value] of query) {
    if (seen.has(key)) {
      problems.push(`?${key}: given twice; expected it once`);
      continue;
    }
    seen.add(key);
    const spec = NUMBER_KEYS[key];
    if (spec) {
      const n = value.trim() === "" ? Number.NaN : Number(value);
      if (valid(n, spec.kind)) settings[spec.setting] = n;
      else problems.push(`?${key}=${value}: expected ${EXPECTED[spec.kind]}`);
    } else if (key === "device") {
      if ((DEVICES as readonly string[]).includes(value)) device = value as PageDevice;
      else problems.push(`?device=${value}: expected ${DEVICES.join(", ")}`);
    } else if (key !== "report") {
      problems.push(
        `?${key}${value ? `=${value}` : ""}: unknown key; expected one of ${QUERY_KEYS.join(", ")}`,
      );
    }
  }
  return { settings, device, report: query.has("report"), problems };
}
