/**
 * Dotted HF-style paths over plain parameter trees (objects and arrays with np.Array leaves):
 * `{ bert: { encoder: { layer: [ { … } ] } } }` → `bert.encoder.layer.0.…`.
 */
import type { numpy as np } from "@jax-js/jax";

export type ParamTree = np.Array | ParamTree[] | { [name: string]: ParamTree };

function isLeaf(x: unknown): x is np.Array {
  return typeof x === "object" && x !== null && "shape" in x && "dtype" in x && !Array.isArray(x);
}

/** Every leaf with its dotted path, in a stable depth-first order (object keys in insertion order). */
export function namedLeaves(tree: ParamTree, prefix = ""): [string, np.Array][] {
  if (isLeaf(tree)) return [[prefix, tree]];
  const out: [string, np.Array][] = [];
  const entries = Array.isArray(tree) ? tree.map((v, i) => [String(i), v] as const) : Object.entries(tree);
  for (const [name, child] of entries) {
    out.push(...namedLeaves(child, prefix ? `${prefix}.${name}` : name));
  }
  return out;
}

/** Build a tree of the same structure whose leaves are `fn(path, leaf)`. */
export function mapWithPath<T>(
  tree: ParamTree,
  fn: (path: string, leaf: np.Array) => T,
  prefix = "",
): unknown {
  if (isLeaf(tree)) return fn(prefix, tree);
  if (Array.isArray(tree))
    return tree.map((v, i) => mapWithPath(v, fn, prefix ? `${prefix}.${i}` : String(i)));
  const out: Record<string, unknown> = {};
  for (const [name, child] of Object.entries(tree))
    out[name] = mapWithPath(child, fn, prefix ? `${prefix}.${name}` : name);
  return out;
}
