/** The flags every command that runs a model shares: which jax-js backend, and how many wasm threads. */
import { DEVICE_REQUESTS } from "../runtime/index.js";
import type { FlagSpec } from "./args.js";

/** `--device`. */
export const DEVICE_FLAG: FlagSpec = {
  kind: "string",
  help: "jax-js backend; auto: WebGPU on a hardware GPU, else wasm",
  values: DEVICE_REQUESTS,
};

/** `--threads` (train adds `nullable`: its settings file holds null for all cores). */
export const THREADS_FLAG: FlagSpec & { kind: "number" } = {
  kind: "number",
  help: "wasm worker threads",
  integer: true,
  min: 1,
  defaultText: "all cores",
};
