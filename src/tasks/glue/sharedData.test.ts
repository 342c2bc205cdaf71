// The official GLUE files in ../shared/data/glue (beside the repository, as in CI), loaded with the registry rows.
// Row counts and sha256 sums come from each folder's PROVENANCE.md; tests skip (saying why) where a folder is
// absent. QQP, MNLI, STS-B and QNLI's train file are not in the shared data: tasks.test.ts covers their formats.
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { getGlueTask } from "../registry.js";
import type { GlueSplit } from "../registry.js";
import { loadGlueSplit } from "./reader.js";

const REPO = fileURLToPath(new URL("../../../", import.meta.url));
const GLUE = join(REPO, "..", "shared", "data", "glue");

interface Expected {
  /** The official example count. */
  count: number;
  /** Examples per class id, counted with `awk -F'\t' '{print $<label column>}' <file> | sort | uniq -c`. */
  perClass: number[];
}

// [GLUE folder, split, expectation]
const OFFICIAL: [string, GlueSplit, Expected][] = [
  ["CoLA", "train", { count: 8551, perClass: [2528, 6023] }],
  ["CoLA", "dev", { count: 1043, perClass: [322, 721] }],
  ["SST-2", "train", { count: 67349, perClass: [29780, 37569] }],
  ["SST-2", "dev", { count: 872, perClass: [428, 444] }],
  ["MRPC", "train", { count: 3668, perClass: [1194, 2474] }],
  ["MRPC", "dev", { count: 408, perClass: [129, 279] }],
  ["QNLI", "dev", { count: 5463, perClass: [2702, 2761] }],
  ["RTE", "train", { count: 2490, perClass: [1249, 1241] }],
  ["RTE", "dev", { count: 277, perClass: [146, 131] }],
  ["WNLI", "train", { count: 635, perClass: [323, 312] }],
  ["WNLI", "dev", { count: 71, perClass: [40, 31] }],
];

describe("official GLUE files in ../shared/data/glue", () => {
  it.for(OFFICIAL)("%s %s", async ([name, split, exp], { skip }) => {
    const dir = join(GLUE, name);
    skip(!existsSync(dir), `${dir} not found`);
    const task = getGlueTask(name);
    const { examples, file } = await loadGlueSplit(task, dir, split);

    // PROVENANCE.md table row: | train.tsv | 8551 | <lines> | <bytes> | <sha256> |
    const provenance = await readFile(join(dir, "PROVENANCE.md"), "utf8");
    const row = new RegExp(
      `^\\| ${task.files[split]} \\| (\\d+) \\| [^|]+ \\| \\d+ \\| ([0-9a-f]{64}) \\|$`,
      "m",
    ).exec(provenance);
    expect(row, `PROVENANCE.md row for ${file}`).not.toBeNull();
    const { count, perClass } = exp;
    expect(Number(row![1])).toBe(count);
    expect(examples.length).toBe(count);
    const sha = createHash("sha256")
      .update(await readFile(file))
      .digest("hex");
    expect(sha).toBe(row![2]);

    const seen = perClass.map((_, id) => examples.filter((e) => e.label === id).length);
    expect(seen).toEqual(perClass);
    const pair = task.textColumns.length === 2;
    expect(examples.every((e) => (e.textB !== undefined) === pair)).toBe(true);
  });

  it("keeps the official quirks: MRPC's BOM header and bare quotes, CoLA's last line, RTE row 2164", async ({
    skip,
  }) => {
    for (const name of ["MRPC", "CoLA", "RTE"])
      skip(!existsSync(join(GLUE, name)), `${join(GLUE, name)} not found`);
    const mrpcTrain = await readFile(join(GLUE, "MRPC", "train.tsv"));
    expect([...mrpcTrain.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const mrpc = await loadGlueSplit("mrpc", join(GLUE, "MRPC"), "dev");
    expect(mrpc.examples[0].textB).toBe(
      '" The foodservice pie business does not fit our long-term growth strategy .',
    );
    // The pair missing from the copied train.tsv (PROVENANCE.md: rebuilt from the source) is present.
    const train = await loadGlueSplit("mrpc", join(GLUE, "MRPC"), "train");
    expect(train.examples.filter((e) => e.textA.startsWith("Officials at Brandeis said")).length).toBe(1);

    const colaDev = await readFile(join(GLUE, "CoLA", "dev.tsv"), "utf8");
    expect(colaDev.endsWith("\n")).toBe(false);
    const cola = await loadGlueSplit("cola", join(GLUE, "CoLA"), "dev");
    expect(cola.examples[cola.examples.length - 1].textA).toBe("John talked to Bill about himself.");

    const rte = await loadGlueSplit("rte", join(GLUE, "RTE"), "train");
    expect(rte.examples[2164].textA.startsWith("\"That film wasn't too successful")).toBe(true);
    expect(rte.examples[2164].label).toBe(1);
  });
});
