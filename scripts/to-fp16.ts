/**
 * Write a safetensors file with its float32 tensors stored as float16 (round to nearest even, as NumPy's
 * astype does); other dtypes are copied. Used by scripts/device-stage.sh to halve a model's transfer size.
 *
 *   npx tsx scripts/to-fp16.ts <in.safetensors> <out.safetensors>
 */
import { readFileSync } from "node:fs";
import { writeFileAtomic } from "../src/io/atomic.js";
import { decodeSafetensors, encodeSafetensors, type HostTensor } from "../src/io/safetensors.js";

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** IEEE binary32 → binary16 bits, round to nearest even; overflow to ±Inf, NaN kept. */
function floatToHalf(x: number): number {
  f32[0] = x;
  const bits = u32[0];
  const sign = (bits >>> 16) & 0x8000;
  const exp = (bits >>> 23) & 0xff;
  const mant = bits & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign; // below half the smallest subnormal
    const m = mant | 0x800000; // implicit leading 1
    const shift = 14 - e;
    const half = m >>> shift;
    const rest = m & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    return sign | (half + (rest > mid || (rest === mid && half & 1) ? 1 : 0));
  }
  const half = (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  // A carry out of the mantissa correctly bumps the exponent (and up to Inf).
  return sign | (half + (rest > 0x1000 || (rest === 0x1000 && half & 1) ? 1 : 0));
}

const [input, output] = process.argv.slice(2);
if (!input || !output) {
  console.error("usage: npx tsx scripts/to-fp16.ts <in.safetensors> <out.safetensors>");
  process.exit(2);
}
const file = decodeSafetensors(new Uint8Array(readFileSync(input)), input);
const tensors = new Map<string, HostTensor>();
for (const [name, t] of file.tensors) {
  if (t.dtype !== "F32") {
    tensors.set(name, t);
    continue;
  }
  const src = new Float32Array(t.bytes.slice().buffer);
  const dst = Uint16Array.from(src, floatToHalf);
  tensors.set(name, { dtype: "F16", shape: t.shape, bytes: new Uint8Array(dst.buffer) });
}
writeFileAtomic(output, encodeSafetensors(tensors, file.metadata));
