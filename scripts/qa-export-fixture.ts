/**
 * Dev only (needs the Python harness venv): regenerate test/fixtures/hf/qa-export.json. Exports the committed QA
 * run test/fixtures/hf/qa-run/ with cmploss's QA export into a temporary `hf-model/`, then has transformers load
 * it (AutoModelForQuestionAnswering) and record its start/end logits (dev/python/hf/qa_export_logits.py).
 *
 *   npx tsx scripts/qa-export-fixture.ts        PYTHON=dev/python/.venv/bin/python (default)
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { preparePlatform } from "../src/runtime/platform.js";

preparePlatform(1);
const { initRuntime } = await import("../src/runtime/init.js");
await initRuntime();
const { exportHfQaModel } = await import("../src/train/export.js");

const python = process.env.PYTHON ?? "dev/python/.venv/bin/python";
const tmp = mkdtempSync(join(tmpdir(), "cmploss-qa-export-"));
try {
  const folder = await exportHfQaModel("test/fixtures/hf/qa-run", join(tmp, "hf-model"));
  const r = spawnSync(
    python,
    ["dev/python/hf/qa_export_logits.py", folder, "test/fixtures/hf/qa-export.json"],
    {
      stdio: "inherit",
    },
  );
  process.exitCode = r.status ?? 1;
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
