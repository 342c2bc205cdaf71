/**
 * Resolve `--model org/name` to a local folder: the cmploss cache if it holds the model, otherwise a download
 * from the Hugging Face Hub into that cache (only when the network allows; one clear error otherwise).
 */
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { MODEL_FILE, TOKENIZER_FILES } from "./files.js";

const HUB_FILES = [
  { name: MODEL_FILE.config, required: true },
  { name: MODEL_FILE.weights, required: true },
  ...TOKENIZER_FILES.map((name) => ({ name, required: false })),
];

/** `org/name` (the Hub's repository id form). */
export function isHubId(spec: string): boolean {
  return /^[A-Za-z0-9][\w.-]*\/[\w.-]+$/.test(spec);
}

/** Where downloaded models live: $CMPLOSS_CACHE or ~/.cache/cmploss, then hub/<org>--<name>. */
export function hubCacheDir(id: string): string {
  const root = process.env.CMPLOSS_CACHE ?? join(homedir(), ".cache", "cmploss");
  return join(root, "hub", id.replace("/", "--"));
}

/** Local folder for a Hub id, downloading it on first use. */
export async function fetchHubModel(id: string, options: { timeoutMs?: number } = {}): Promise<string> {
  const dir = hubCacheDir(id);
  if (existsSync(join(dir, MODEL_FILE.config))) return dir;
  const tmp = `${dir}.${process.pid}.partial`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  try {
    for (const file of HUB_FILES) {
      const url = `https://huggingface.co/${id}/resolve/main/${file.name}`;
      let res: Response;
      try {
        res = await fetch(url, { signal: AbortSignal.timeout(options.timeoutMs ?? 30_000) });
      } catch (err) {
        const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).name;
        throw new Error(
          `--model ${id}: cannot reach the Hugging Face Hub (${cause}); without network, download the model ` +
            `folder elsewhere and pass its path to --model`,
        );
      }
      if (res.status === 404 && !file.required) continue;
      if (!res.ok) {
        throw new Error(
          `--model ${id}: the Hub answered ${res.status} for ${file.name}; expected a public BERT-family model with model.safetensors`,
        );
      }
      writeFileSync(join(tmp, file.name), new Uint8Array(await res.arrayBuffer()));
    }
    mkdirSync(join(dir, ".."), { recursive: true });
    renameSync(tmp, dir);
    return dir;
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
}
