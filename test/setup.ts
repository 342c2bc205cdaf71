import { expect } from "vitest";
import { preparePlatform } from "../src/runtime/platform.js";

// Tests run single-threaded by default (no worker start-up per test file). The platform must be prepared
// before jax-js loads, hence the dynamic import.
preparePlatform(Number(process.env.CMPLOSS_TEST_THREADS ?? 1));
const { initRuntime } = await import("../src/runtime/init.js");
await initRuntime({ device: "wasm" });

interface CloseOpts {
  atol?: number;
  rtol?: number;
}

function flat(x: unknown): number[] {
  if (typeof x === "number") return [x];
  if (ArrayBuffer.isView(x)) return Array.from(x as unknown as ArrayLike<number>);
  if (Array.isArray(x)) return x.flatMap(flat);
  throw new TypeError(`toBeAllclose: expected numbers or nested arrays, got ${typeof x}`);
}

expect.extend({
  toBeAllclose(received: unknown, expected: unknown, opts: CloseOpts = {}) {
    const { atol = 1e-5, rtol = 1e-5 } = opts;
    const a = flat(received);
    const b = flat(expected);
    if (a.length !== b.length) {
      return { pass: false, message: () => `length ${a.length} != ${b.length}` };
    }
    let worst = 0;
    let at = -1;
    for (let i = 0; i < a.length; i++) {
      const err = Math.abs(a[i] - b[i]) - (atol + rtol * Math.abs(b[i]));
      if (!(err <= worst) || Number.isNaN(a[i]) !== Number.isNaN(b[i])) {
        worst = Number.isNaN(err) ? Infinity : err;
        at = i;
      }
    }
    return {
      pass: at < 0,
      message: () =>
        at < 0
          ? `expected arrays to differ`
          : `arrays differ at flat index ${at}: ${a[at]} vs ${b[at]} (atol ${atol}, rtol ${rtol})`,
    };
  },
});

declare module "vitest" {
  interface Assertion {
    toBeAllclose(expected: unknown, opts?: CloseOpts): void;
  }
}
