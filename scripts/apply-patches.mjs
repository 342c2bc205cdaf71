#!/usr/bin/env node
/* global process, console */
/**
 * Apply cmploss's patch set (patches/jax-<version>-NN-name.patch, in name order) to the @jax-js/jax that
 * cmploss resolves — the hoisted copy when cmploss is itself a dependency. Run by `postinstall` and by
 * `npm run patch-engine`. Idempotent: a patch whose new text is already there is skipped. All patched files
 * are written only after every hunk of every patch matched (nothing half-written). Plain Node, no `patch`
 * binary, so that it works on every platform npm runs on.
 *
 *   node scripts/apply-patches.mjs                 apply (default)
 *   node scripts/apply-patches.mjs --check         exit 1 unless every patch is applied; writes nothing
 *   node scripts/apply-patches.mjs --revert        undo the patches (back to the published package)
 *   node scripts/apply-patches.mjs --pristine-copy <dir>   copy the package to <dir>, unpatched (benchmarks)
 *   node scripts/apply-patches.mjs --target <dir>  work on the @jax-js/jax package in <dir> instead
 *   --only NN[,NN…]   with --revert or --pristine-copy: only these patches (others stay as they are)
 */
import { cpSync, existsSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const PATCH_DIR = join(ROOT, "patches");
const PATCH_NAME = /^jax-(\d+\.\d+\.\d+)-(\d\d)-[a-z0-9-]+\.patch$/;

class PatchError extends Error {}

/** The @jax-js/jax package directory as cmploss resolves it (Node's resolution from cmploss's root). */
export function resolveJax(from = ROOT) {
  let entry;
  try {
    entry = createRequire(join(from, "package.json")).resolve("@jax-js/jax");
  } catch {
    throw new PatchError(
      `apply-patches: @jax-js/jax is not installed (resolved from ${from}); run npm install`,
    );
  }
  for (let dir = dirname(entry); dir !== dirname(dir); dir = dirname(dir)) {
    const pkg = join(dir, "package.json");
    if (existsSync(pkg) && JSON.parse(readFileSync(pkg, "utf8")).name === "@jax-js/jax") return dir;
  }
  throw new PatchError(`apply-patches: no package.json of @jax-js/jax above ${entry}`);
}

/** The patch files, in name order: [{ name, version, number, files: [{ path, hunks }] }]. */
export function readPatches(dir = PATCH_DIR) {
  const names = readdirSync(dir)
    .filter((n) => n.endsWith(".patch"))
    .sort();
  return names.map((name) => {
    const m = PATCH_NAME.exec(name);
    if (!m) {
      throw new PatchError(`${join(dir, name)}: expected a name like jax-0.1.25-01-what-it-does.patch`);
    }
    return { name, version: m[1], number: m[2], files: parseUnifiedDiff(join(dir, name)) };
  });
}

/** Parse a unified diff (git or diff -u) into files and hunks of old/new line arrays. */
function parseUnifiedDiff(file) {
  const lines = readFileSync(file, "utf8").split("\n");
  const files = [];
  let current = null;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line.startsWith("+++ ")) {
      const path = line.slice(4).split("\t")[0].replace(/^b\//, "");
      current = { path, hunks: [] };
      files.push(current);
    } else if (line.startsWith("@@ ")) {
      const h = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/.exec(line);
      if (!h || !current) throw new PatchError(`${file}:${i + 1}: malformed hunk header "${line}"`);
      const hunk = { line: i + 1, oldStart: Number(h[1]), old: [], new: [] };
      let oldLeft = h[2] === undefined ? 1 : Number(h[2]);
      let newLeft = h[4] === undefined ? 1 : Number(h[4]);
      while (oldLeft > 0 || newLeft > 0) {
        const body = lines[++i];
        if (body === undefined) throw new PatchError(`${file}:${hunk.line}: hunk ends early`);
        if (body.startsWith("\\")) continue; // "\ No newline at end of file"
        const text = body.slice(1);
        if (body[0] === " " || body === "") {
          hunk.old.push(text);
          hunk.new.push(text);
          oldLeft--;
          newLeft--;
        } else if (body[0] === "-") {
          hunk.old.push(text);
          oldLeft--;
        } else if (body[0] === "+") {
          hunk.new.push(text);
          newLeft--;
        } else {
          throw new PatchError(`${file}:${i + 1}: expected a hunk line (" ", "-" or "+"), got "${body}"`);
        }
      }
      current.hunks.push(hunk);
    }
  }
  if (files.length === 0) throw new PatchError(`${file}: no file in this patch (expected a unified diff)`);
  return files;
}

/** Index of `needle` (lines) in `hay`, the occurrence nearest to `near`; -1 if absent. */
function findLines(hay, needle, near) {
  let best = -1;
  for (let i = 0; i + needle.length <= hay.length; i++) {
    let ok = true;
    for (let j = 0; j < needle.length && ok; j++) ok = hay[i + j] === needle[j];
    if (ok && (best < 0 || Math.abs(i - near) < Math.abs(best - near))) best = i;
  }
  return best;
}

/**
 * Apply (or revert) one patch to the text of the package's files (`texts`: path → lines, mutated).
 * Returns "applied" | "already" (nothing to do); throws when a hunk matches neither way.
 */
function applyPatch(patch, texts, pkgDir, revert) {
  let changed = 0;
  let already = 0;
  for (const f of patch.files) {
    if (!texts.has(f.path)) {
      const full = join(pkgDir, f.path);
      if (!existsSync(full)) throw new PatchError(`${patch.name}: ${full} does not exist`);
      texts.set(f.path, readFileSync(full, "utf8").split("\n"));
    }
    const lines = texts.get(f.path);
    for (const h of f.hunks) {
      const [from, to] = revert ? [h.new, h.old] : [h.old, h.new];
      if (findLines(lines, to, h.oldStart - 1) >= 0 && findLines(lines, from, h.oldStart - 1) < 0) {
        already++;
        continue;
      }
      const at = findLines(lines, from, h.oldStart - 1);
      if (at < 0) {
        throw new PatchError(
          `patches/${patch.name}:${h.line}: ${f.path} does not contain this hunk's ${revert ? "patched" : "original"} text — ` +
            `expected the @jax-js/jax ${patch.version} published on npm (reinstall it: rm -rf node_modules/@jax-js/jax && npm install)`,
        );
      }
      lines.splice(at, from.length, ...to);
      changed++;
    }
  }
  if (changed > 0 && already > 0) {
    throw new PatchError(
      `patches/${patch.name}: partly applied (${already} hunks already, ${changed} not); reinstall @jax-js/jax`,
    );
  }
  return changed > 0 ? "applied" : "already";
}

/** Run the patch set on the package in `pkgDir`; returns one report line per patch. */
export function patchEngine({ pkgDir = resolveJax(), revert = false, check = false, only = null } = {}) {
  const pkg = JSON.parse(readFileSync(join(pkgDir, "package.json"), "utf8"));
  const patches = readPatches().filter((p) => only === null || only.includes(p.number));
  const versions = [...new Set(patches.map((p) => p.version))];
  if (versions.length > 1)
    throw new PatchError(`apply-patches: patches for several versions (${versions.join(", ")})`);
  if (versions.length === 1 && pkg.version !== versions[0]) {
    throw new PatchError(
      `apply-patches: the patches are for @jax-js/jax ${versions[0]}, but ${pkgDir} is ${pkg.version}; ` +
        `install @jax-js/jax@${versions[0]} (the version package.json pins)`,
    );
  }
  const texts = new Map();
  const report = [];
  const order = revert ? [...patches].reverse() : patches;
  for (const p of order) report.push([p.name, applyPatch(p, texts, pkgDir, revert)]);
  const todo = report.filter(([, state]) => state === "applied");
  if (check) {
    if (todo.length > 0) {
      throw new PatchError(
        `apply-patches: ${todo.map(([n]) => n).join(", ")} not applied to ${pkgDir}; run npm run patch-engine`,
      );
    }
    return report.map(([n]) => `${n}: applied`);
  }
  if (todo.length > 0) {
    // Write every file to a temporary name first, then rename: a failure leaves the package as it was.
    const written = [];
    for (const [path, lines] of texts) {
      const full = join(pkgDir, path);
      writeFileSync(`${full}.cmploss-tmp`, lines.join("\n"));
      written.push(full);
    }
    for (const full of written) renameSync(`${full}.cmploss-tmp`, full);
  }
  const verb = revert ? "reverted" : "applied";
  return report.map(([n, state]) => `${n}: ${state === "applied" ? verb : `already ${verb}`}`);
}

function main(argv) {
  const args = [...argv];
  const take = (flag) => {
    const i = args.indexOf(flag);
    if (i < 0) return undefined;
    const v = args[i + 1];
    if (v === undefined || v.startsWith("--")) throw new PatchError(`apply-patches: ${flag} expects a value`);
    args.splice(i, 2);
    return v;
  };
  const flag = (f) => {
    const i = args.indexOf(f);
    if (i >= 0) args.splice(i, 1);
    return i >= 0;
  };
  const target = take("--target");
  const copyTo = take("--pristine-copy");
  const onlyRaw = take("--only");
  const revert = flag("--revert");
  const check = flag("--check");
  const quiet = flag("--quiet");
  if (args.length > 0)
    throw new PatchError(
      `apply-patches: unknown argument "${args[0]}" (see the header of ${fileURLToPath(import.meta.url)})`,
    );
  const only = onlyRaw === undefined ? null : onlyRaw.split(",").map((s) => s.trim().padStart(2, "0"));
  let pkgDir = target === undefined ? resolveJax() : resolve(target);
  if (copyTo !== undefined) {
    const dest = resolve(copyTo);
    rmSync(dest, { recursive: true, force: true });
    cpSync(pkgDir, dest, { recursive: true });
    pkgDir = dest;
  }
  const lines = patchEngine({ pkgDir, revert: revert || copyTo !== undefined, check, only });
  if (!quiet) for (const l of lines) console.log(`@jax-js/jax (${pkgDir}): ${l}`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    main(process.argv.slice(2));
  } catch (err) {
    if (!(err instanceof PatchError)) throw err;
    console.error(err.message);
    process.exit(1);
  }
}
