/** Read a Hugging Face `config.json` of the BERT family from a folder (Node; `hfConfigFromJson` parses it). */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { BertConfig } from "../bert/config.js";
import { MODEL_FILE } from "./files.js";
import { hfConfigFromJson, type HfConfigJson } from "./parse.js";

export type { HfConfigJson } from "./parse.js";

/** Parse and validate `<dir>/config.json`. @throws one-line Errors naming the file and field. */
export function readHfConfig(dir: string): { config: BertConfig; raw: HfConfigJson } {
  const file = join(dir, MODEL_FILE.config);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (err) {
    const why =
      (err as NodeJS.ErrnoException).code === "ENOENT" ? "it does not exist" : "it is not valid JSON";
    throw new Error(`${file}: expected a Hugging Face config.json, but ${why}`);
  }
  return hfConfigFromJson(raw, file);
}
