/* global process */
/**
 * `node --import ./bench/engineHook.mjs …` with `CMPLOSS_JAX_DIR=<dir>`: resolve `@jax-js/jax` to the package
 * in <dir> instead of node_modules (the benchmarks' A/B: an unpatched copy made by
 * `node scripts/apply-patches.mjs --pristine-copy <dir>`, in the same run as the patched engine).
 */
import { register } from "node:module";
import { pathToFileURL } from "node:url";

const dir = process.env.CMPLOSS_JAX_DIR;
if (dir) {
  const index = pathToFileURL(`${dir.replace(/\/$/, "")}/dist/index.js`).href;
  const hook = `export async function resolve(specifier, context, next) {
    if (specifier === "@jax-js/jax") return { url: ${JSON.stringify(index)}, shortCircuit: true, format: "module" };
    return next(specifier, context);
  }`;
  register(`data:text/javascript,${encodeURIComponent(hook)}`);
}
