/**
 * Node 20 lacks the ES2025 iterator helpers and Set methods that jax-js may call (Node ≥ 22 has them).
 * Installed only where missing, so on Node ≥ 22 and in browsers this is a no-op.
 */

type AnyIter = Iterator<unknown> & Iterable<unknown>;

function iteratorPrototype(): Record<string, unknown> {
  return Object.getPrototypeOf(Object.getPrototypeOf([][Symbol.iterator]())) as Record<string, unknown>;
}

function* mapIter(it: AnyIter, fn: (v: unknown, i: number) => unknown) {
  let i = 0;
  for (const v of { [Symbol.iterator]: () => it }) yield fn(v, i++);
}
function* filterIter(it: AnyIter, fn: (v: unknown, i: number) => unknown) {
  let i = 0;
  for (const v of { [Symbol.iterator]: () => it }) if (fn(v, i++)) yield v;
}
function* flatMapIter(it: AnyIter, fn: (v: unknown, i: number) => Iterable<unknown>) {
  let i = 0;
  for (const v of { [Symbol.iterator]: () => it }) yield* fn(v, i++);
}
function* takeIter(it: AnyIter, n: number) {
  if (n <= 0) return;
  let i = 0;
  for (const v of { [Symbol.iterator]: () => it }) {
    yield v;
    if (++i >= n) return;
  }
}
function* dropIter(it: AnyIter, n: number) {
  let i = 0;
  for (const v of { [Symbol.iterator]: () => it }) if (i++ >= n) yield v;
}

/** Install the missing helpers. Idempotent. */
export function installPolyfills(): void {
  const proto = iteratorPrototype();
  const helpers: Record<string, (this: AnyIter, ...args: never[]) => unknown> = {
    map(fn: (v: unknown, i: number) => unknown) {
      return mapIter(this, fn);
    },
    filter(fn: (v: unknown, i: number) => unknown) {
      return filterIter(this, fn);
    },
    flatMap(fn: (v: unknown, i: number) => Iterable<unknown>) {
      return flatMapIter(this, fn);
    },
    take(n: number) {
      return takeIter(this, n);
    },
    drop(n: number) {
      return dropIter(this, n);
    },
    toArray() {
      return Array.from({ [Symbol.iterator]: () => this });
    },
    forEach(fn: (v: unknown, i: number) => void) {
      let i = 0;
      for (const v of { [Symbol.iterator]: () => this }) fn(v, i++);
    },
    some(fn: (v: unknown, i: number) => unknown) {
      let i = 0;
      for (const v of { [Symbol.iterator]: () => this }) if (fn(v, i++)) return true;
      return false;
    },
    every(fn: (v: unknown, i: number) => unknown) {
      let i = 0;
      for (const v of { [Symbol.iterator]: () => this }) if (!fn(v, i++)) return false;
      return true;
    },
    find(fn: (v: unknown, i: number) => unknown) {
      let i = 0;
      for (const v of { [Symbol.iterator]: () => this }) if (fn(v, i++)) return v;
      return undefined;
    },
    reduce(fn: (acc: unknown, v: unknown, i: number) => unknown, ...init: unknown[]) {
      let i = 0;
      let acc: unknown;
      let started = init.length > 0;
      if (started) acc = init[0];
      for (const v of { [Symbol.iterator]: () => this }) {
        if (!started) {
          acc = v;
          started = true;
        } else acc = fn(acc, v, i);
        i++;
      }
      if (!started) throw new TypeError("Reduce of empty iterator with no initial value");
      return acc;
    },
  };
  for (const [name, fn] of Object.entries(helpers)) {
    if (typeof proto[name] !== "function") {
      Object.defineProperty(proto, name, { value: fn, writable: true, configurable: true });
    }
  }

  const setProto = Set.prototype as unknown as Record<string, unknown>;
  const setHelpers: Record<string, (this: Set<unknown>, other: Set<unknown>) => unknown> = {
    union(other) {
      return new Set([...this, ...other]);
    },
    intersection(other) {
      return new Set([...this].filter((v) => other.has(v)));
    },
    difference(other) {
      return new Set([...this].filter((v) => !other.has(v)));
    },
    symmetricDifference(other) {
      const out = new Set([...this].filter((v) => !other.has(v)));
      for (const v of other) if (!this.has(v)) out.add(v);
      return out;
    },
    isSubsetOf(other) {
      return [...this].every((v) => other.has(v));
    },
    isSupersetOf(other) {
      return [...other].every((v) => this.has(v));
    },
    isDisjointFrom(other) {
      return [...this].every((v) => !other.has(v));
    },
  };
  for (const [name, fn] of Object.entries(setHelpers)) {
    if (typeof setProto[name] !== "function") {
      Object.defineProperty(setProto, name, { value: fn, writable: true, configurable: true });
    }
  }
}
