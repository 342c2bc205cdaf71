/**
 * Seeded host-side randomness (data order, distractor choice, CmpCrop plans): uint32 seeds, mulberry32
 * streams, no global state and no jax keys, because it runs on plain JS data before `toDeviceBatch`.
 *
 * The streams are part of the checkpoint format (a resumed run recomputes its data order and crops from the
 * seed), so `hostRng.test.ts` pins a few draws: changing any constant here breaks bit-exact resume.
 */

/** A uniform generator on [0, 1). */
export type HostRng = () => number;

/** murmur3's 32-bit finaliser: spreads every input bit over the output, so nearby seeds give unrelated streams. */
function fmix32(x: number): number {
  let h = x >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * Throw a `RangeError` unless `v` is an integer in [0, 2^32).
 * @param fn the public function that checks, named in the message.
 * @param name the argument's name.
 */
export function checkUint32(fn: string, name: string, v: number): void {
  if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) {
    throw new RangeError(`${fn}: expected ${name} to be an integer in [0, 2^32), got ${v}`);
  }
}

/**
 * Combine a seed with salts (epoch, example index, …) into one uint32 seed.
 *
 * Order matters: `mixSeed(s, a, b)` and `mixSeed(s, b, a)` differ, so (epoch, index) pairs do not collide.
 * @param seed integer in [0, 2^32).
 * @param salts integers in [0, 2^32).
 * @returns uint32 seed for {@link hostRng}.
 */
export function mixSeed(seed: number, ...salts: number[]): number {
  checkUint32("mixSeed", "seed", seed);
  let h = fmix32(seed ^ 0x9e3779b9);
  for (const s of salts) {
    checkUint32("mixSeed", "salt", s);
    h = fmix32((h ^ fmix32((s + 0x7f4a7c15) >>> 0)) + 0x632be59b);
  }
  return h;
}

/**
 * Combine a seed with one salt the way `epochOrder` always has (hash the salt, xor, hash again). Kept apart
 * from {@link mixSeed} because the data order of existing runs depends on it.
 * @param seed integer in [0, 2^32).
 * @param salt integer in [0, 2^32).
 * @returns uint32 seed for {@link hostRng}.
 */
export function mixSeedLegacy(seed: number, salt: number): number {
  return (seed ^ fmix32((salt + 0x9e3779b9) >>> 0)) >>> 0;
}

/** 32-bit FNV-1a hash of a string's UTF-16 code units: a stable uint32 salt for a string key (a question id). */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/**
 * A seeded uniform generator: mulberry32 (period 2^32) started from the hashed seed.
 *
 * The generator is the only state; pass it explicitly. Same seed, same stream.
 * @param seed integer in [0, 2^32).
 * @returns a function returning uniforms in [0, 1).
 */
export function hostRng(seed: number): HostRng {
  checkUint32("hostRng", "seed", seed);
  let a = fmix32(seed) | 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Shuffle in place (Fisher–Yates, from the last position down; position i swaps with ⌊u·(i+1)⌋).
 * @param items modified.
 * @param rng advanced by `items.length − 1` draws.
 * @returns `items`.
 */
export function shuffleInPlace<A extends { length: number; [i: number]: unknown }>(
  items: A,
  rng: HostRng,
): A {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    const tmp = items[i];
    items[i] = items[j];
    items[j] = tmp;
  }
  return items;
}

/**
 * A shuffled copy ({@link shuffleInPlace} on a copy).
 * @param items not modified.
 * @param rng advanced by `items.length − 1` draws.
 */
export function shuffled<T>(items: readonly T[], rng: HostRng): T[] {
  return shuffleInPlace(items.slice(), rng);
}

/** `k` distinct integers from {0 … n−1}, uniformly (partial Fisher–Yates), in draw order. */
export function sampleDistinct(n: number, k: number, rng: HostRng): number[] {
  const pool = Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < k; i++) {
    const j = i + Math.floor(rng() * (n - i));
    const tmp = pool[i];
    pool[i] = pool[j];
    pool[j] = tmp;
  }
  return pool.slice(0, k);
}
