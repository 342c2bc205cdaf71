/**
 * What the WebGPU adapter offers and what half precision would buy: adapter info, features (shader-f16,
 * subgroups, …) and limits, and jax-js matmul throughput and error in float32 vs float16 on the same device.
 *
 *   CMPLOSS_THREADS=1 tsx bench/gpuProbe.ts [--sizes 1024,2048,4096] [--reps 10] [--out probe.json]
 *
 * Part of the GPU half of the benchmark (scripts/gpu-bench.sh); on Mesa's software Vulkan it runs too, with
 * small sizes (`--sizes 64,128 --reps 2`), which is how it is tested. Prints one JSON object.
 */
import { writeFileSync } from "node:fs";
import type { Array as JaxArray } from "@jax-js/jax";
import { preparePlatform } from "../src/runtime/platform.js";

interface MatmulTiming {
  n: number;
  dtype: "float32" | "float16";
  /** Median over the timed reps of one jitted n×n×n matmul (+ a sum to read back one number). */
  median_ms: number;
  tflops: number;
}

interface Probe {
  adapter: {
    info: Record<string, string>;
    features: string[];
    limits: Record<string, number>;
  };
  /** Features jax-js enabled on the device it created. */
  device_features: string[];
  matmul: MatmulTiming[];
  /** max |C16 − C32| / max |C32| for one n×n product of normal(0, 1) entries, per n. */
  f16_relative_error: Record<string, number>;
  /** Median f32 time / median f16 time per n: above 1, half precision is faster. */
  f16_speedup: Record<string, number>;
}

const LIMITS = [
  "maxBufferSize",
  "maxStorageBufferBindingSize",
  "maxComputeWorkgroupStorageSize",
  "maxComputeInvocationsPerWorkgroup",
  "maxComputeWorkgroupSizeX",
  "subgroupMinSize",
  "subgroupMaxSize",
];

function parseArgs(argv: string[]): { sizes: number[]; reps: number; out: string | null } {
  const o = { sizes: [1024, 2048, 4096], reps: 10, out: null as string | null };
  for (let i = 0; i < argv.length; i++) {
    const v = argv[i + 1];
    if (argv[i] === "--sizes" && v) o.sizes = v.split(",").map(Number);
    else if (argv[i] === "--reps" && v) o.reps = Number(v);
    else if (argv[i] === "--out" && v) o.out = v;
    else
      throw new Error(`gpuProbe: unknown argument ${argv[i]}; usage: [--sizes a,b] [--reps n] [--out file]`);
    i++;
  }
  if (o.sizes.some((n) => !Number.isInteger(n) || n < 1) || !(o.reps >= 1)) {
    throw new Error("gpuProbe: --sizes needs positive integers and --reps a count ≥ 1");
  }
  return o;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  await preparePlatform(1);
  const { initRuntime } = await import("../src/runtime/init.js");
  await initRuntime({ device: "webgpu" });
  const { getWebGPUDevice, jit, numpy: np, random } = await import("@jax-js/jax");

  type Adapter = { info: unknown; limits: unknown; features: Iterable<unknown> };
  const gpu = (
    globalThis.navigator as unknown as { gpu: { requestAdapter(o: object): Promise<Adapter | null> } }
  ).gpu;
  const adapter = await gpu.requestAdapter({ powerPreference: "high-performance" });
  if (!adapter) throw new Error("gpuProbe: no WebGPU adapter");
  const info: Record<string, string> = {};
  // subgroupMin/MaxSize moved from limits to info in the spec; record both places.
  for (const k of ["vendor", "architecture", "device", "description", "subgroupMinSize", "subgroupMaxSize"]) {
    const v = (adapter.info as unknown as Record<string, unknown>)?.[k];
    if (v !== undefined) info[k] = String(v);
  }
  const limits: Record<string, number> = {};
  for (const k of LIMITS) {
    const v = (adapter.limits as unknown as Record<string, unknown>)[k];
    if (typeof v === "number") limits[k] = v;
  }
  const features = [...adapter.features].map(String).sort();
  const device_features = [...getWebGPUDevice().features].map(String).sort();

  const matmul: MatmulTiming[] = [];
  const f16_relative_error: Record<string, number> = {};
  const f16_speedup: Record<string, number> = {};
  const hasF16 = device_features.includes("shader-f16");
  // Summing the product reads back one number, so the timing covers the kernel, not a large copy.
  const product = jit((a: JaxArray, b: JaxArray) => np.matmul(a, b).astype(np.float32).sum());
  for (const n of args.sizes) {
    const a = random.normal(random.key(n), [n, n]);
    const b = random.normal(random.key(n + 1), [n, n]);
    const dtypes = hasF16 ? (["float32", "float16"] as const) : (["float32"] as const);
    for (const dtype of dtypes) {
      const x = dtype === "float16" ? a.ref.astype(np.float16) : a.ref;
      const y = dtype === "float16" ? b.ref.astype(np.float16) : b.ref;
      const times: number[] = [];
      for (let r = 0; r < args.reps + 2; r++) {
        const t0 = performance.now();
        await product(x.ref, y.ref).data();
        if (r >= 2) times.push(performance.now() - t0);
      }
      x.dispose();
      y.dispose();
      const ms = median(times);
      matmul.push({ n, dtype, median_ms: Math.round(ms * 100) / 100, tflops: (2 * n ** 3) / (ms * 1e9) });
    }
    if (hasF16) {
      const c32 = np.matmul(a.ref, b.ref);
      const c16 = np.matmul(a.ref.astype(np.float16), b.ref.astype(np.float16)).astype(np.float32);
      const err = (await np.max(np.abs(c16.sub(c32.ref))).data())[0];
      const scale = (await np.max(np.abs(c32)).data())[0];
      f16_relative_error[String(n)] = err / scale;
      const t = (d: string) => matmul.find((m) => m.n === n && m.dtype === d)!.median_ms;
      f16_speedup[String(n)] = Math.round((t("float32") / t("float16")) * 100) / 100;
    }
    a.dispose();
    b.dispose();
  }
  product.dispose();
  for (const m of matmul) m.tflops = Math.round(m.tflops * 1000) / 1000;
  const probe: Probe = {
    adapter: { info, features, limits },
    device_features,
    matmul,
    f16_relative_error,
    f16_speedup,
  };
  const text = JSON.stringify(probe, null, 2);
  if (args.out) writeFileSync(args.out, text + "\n");
  console.log(text);
}

try {
  await main();
  process.exit(0);
} catch (e) {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
}
