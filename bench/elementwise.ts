/**
 * Transcendental elementwise kernels on one thread: a bit-exact digest of exp/erf/erfc/reciprocal over a wide
 * range of inputs and their ms per 1M elements (median of 7). With `node --import ./bench/engineHook.mjs` and
 * `CMPLOSS_JAX_DIR` it measures another copy of the engine (the unpatched one) in the same way.
 */
import { createHash } from "node:crypto";
import { preparePlatform } from "../src/runtime/platform.js";

preparePlatform(1);
type Arr = import("@jax-js/jax").Array;
const { initRuntime } = await import("../src/runtime/init.js");
await initRuntime({ device: "wasm" });
const { numpy: np, jit, nn, lax } = await import("@jax-js/jax");

const n = 1 << 20;
const xs = new Float32Array(n);
for (let i = 0; i < n; i++) xs[i] = (((i * 2654435761) % 4294967296) / 4294967296) * 200 - 100; // [-100, 100)
for (let i = 0; i < 64; i++)
  xs[i] = [0, -0, Infinity, -Infinity, NaN, 88.7, 88.8, -87.4, -87.3, -103.9][i % 10];
const fns = {
  exp: (x: Arr) => np.exp(x),
  erf: (x: Arr) => lax.erf(x),
  erfc: (x: Arr) => lax.erfc(x),
  gelu_erf: (x: Arr) => nn.gelu(x, { approximate: false }),
  reciprocal: (x: Arr) => np.reciprocal(x),
} as const;
const out: Record<string, { digest: string; ms: number }> = {};
for (const [name, f] of Object.entries(fns)) {
  const g = jit(f);
  const x = np.array(xs);
  const bits = new Uint8Array(((await g(x.ref).data()) as Float32Array).buffer);
  const digest = createHash("sha256").update(bits).digest("hex").slice(0, 16);
  const ts: number[] = [];
  for (let i = 0; i < 7; i++) {
    const t0 = performance.now();
    (await g(x.ref).blockUntilReady()).dispose();
    ts.push(performance.now() - t0);
  }
  x.dispose();
  ts.sort((a, b) => a - b);
  out[name] = { digest, ms: +ts[3].toFixed(2) };
}
console.log(JSON.stringify(out));
