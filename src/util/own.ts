/** Ownership helpers for jax-js's move semantics (every function consumes its array arguments). */
import { tree } from "@jax-js/jax";

/**
 * Turn a borrow-style function (uses `p.x.ref` everywhere) into one that owns its first argument, as `grad`
 * and `jit` expect: the tree is released after the body ran, even if it threw.
 */
export function consuming<P, A extends unknown[], R>(
  fn: (params: P, ...rest: A) => R,
): (params: P, ...rest: A) => R {
  return (params: P, ...rest: A) => {
    try {
      return fn(params, ...rest);
    } finally {
      tree.dispose(params as never);
    }
  };
}
