/**
 * Boundary checks shared by the public loss functions. Each `expect*` check borrows its value and, only when
 * it throws, disposes the arrays in `owned` first, so a public loss function consumes its arrays whether it
 * returns or throws.
 */
import type { numpy as np } from "@jax-js/jax";

const FLOAT_DTYPES: readonly string[] = ["float32", "float16", "float64"];

/**
 * Whether `x` is a jax-js array or a tracer standing in for one under `grad`, `jit` or `vmap` (jax-js does
 * not export its `Tracer` class, so `instanceof np.Array` would reject traced arguments).
 */
export function isArray(x: unknown): x is np.Array {
  if (typeof x !== "object" || x === null) return false;
  const a = x as { shape?: unknown; dtype?: unknown; dispose?: unknown };
  return Array.isArray(a.shape) && typeof a.dtype === "string" && typeof a.dispose === "function";
}

/** A short description of a value for error messages: the shape and dtype of an array, else its kind. */
export function describe(x: unknown): string {
  if (isArray(x)) return `[${x.shape.join(", ")}] ${x.dtype}`;
  if (x === null) return "null";
  if (Array.isArray(x)) return "a JS array";
  return typeof x;
}

/** Dispose every entry of `owned` that is an array, then throw `error`. Consumes `owned`. */
export function reject(error: Error, owned: readonly unknown[]): never {
  for (const x of owned) if (isArray(x)) x.dispose();
  throw error;
}

/** Throw a TypeError unless `x` is a jax-js array; `rule` names the expected shape, e.g. `[B, n]`. */
export function expectArray(
  fn: string,
  name: string,
  x: unknown,
  rule: string,
  owned: readonly unknown[],
): void {
  if (!isArray(x)) {
    reject(
      new TypeError(`${fn}: expected ${name} to be a jax-js array of shape ${rule}, got ${describe(x)}`),
      owned,
    );
  }
}

/** Throw a TypeError unless `x` has a floating-point dtype. */
export function expectFloat(fn: string, name: string, x: np.Array, owned: readonly unknown[]): void {
  if (!FLOAT_DTYPES.includes(x.dtype)) {
    reject(new TypeError(`${fn}: expected ${name} of a float dtype, got ${x.dtype}`), owned);
  }
}

/**
 * Check a loss or effect table: a float array of shape [B, n] with B ≥ 1 and n ≥ 1 (both letters as named by
 * `rule`, e.g. "[B, n]" or "[B, m]").
 */
export function expectTable(
  fn: string,
  name: string,
  x: unknown,
  rule: string,
  owned: readonly unknown[],
): void {
  expectArray(fn, name, x, rule, owned);
  const a = x as np.Array;
  if (a.ndim !== 2) {
    reject(new Error(`${fn}: expected ${name} of shape ${rule}, got [${a.shape.join(", ")}]`), owned);
  }
  if (a.shape[0] < 1 || a.shape[1] < 1) {
    reject(
      new Error(`${fn}: expected ${name} of shape ${rule} with both sizes ≥ 1, got [${a.shape.join(", ")}]`),
      owned,
    );
  }
  expectFloat(fn, name, a, owned);
}

/** Throw a TypeError unless `value` is a string, and a RangeError unless it is one of `allowed`. */
export function expectChoice<T extends string>(
  fn: string,
  name: string,
  value: unknown,
  allowed: readonly T[],
  owned: readonly unknown[],
): T {
  const list = allowed.map((a) => `"${a}"`).join(" | ");
  if (typeof value !== "string") {
    reject(new TypeError(`${fn}: expected ${name} to be ${list}, got ${typeof value}`), owned);
  }
  if (!(allowed as readonly string[]).includes(value)) {
    reject(new RangeError(`${fn}: expected ${name} to be ${list}, got "${value}"`), owned);
  }
  return value as T;
}

/** Throw a TypeError unless `value` is a boolean. */
export function expectBoolean(fn: string, name: string, value: unknown, owned: readonly unknown[]): boolean {
  if (typeof value !== "boolean") {
    reject(new TypeError(`${fn}: expected ${name} to be a boolean, got ${typeof value}`), owned);
  }
  return value;
}

/**
 * Throw a TypeError unless `value` is a number, and a RangeError unless it is finite and above `min` (or at
 * least `min` when `inclusive`).
 */
export function expectNumber(
  fn: string,
  name: string,
  value: unknown,
  min: number,
  inclusive: boolean,
  owned: readonly unknown[],
): number {
  if (typeof value !== "number") {
    reject(new TypeError(`${fn}: expected ${name} to be a number, got ${typeof value}`), owned);
  }
  const ok = Number.isFinite(value) && (inclusive ? value >= min : value > min);
  if (!ok) {
    reject(
      new RangeError(`${fn}: expected ${name} ${inclusive ? "≥" : ">"} ${min} and finite, got ${value}`),
      owned,
    );
  }
  return value;
}
