/**
 * Checkpoints as single safetensors files, written atomically: model tensors under their HF names, AdamW
 * moments under `optimizer.{mu,nu}.<name>`, the PRNG key, and the loop counters in the metadata.
 */
import { closeSync, openSync, readFileSync, readSync } from "node:fs";
import { numpy as np } from "@jax-js/jax";
import { writeFileAtomic } from "../io/atomic.js";
import {
  decodeSafetensors,
  decodeSafetensorsMetadata,
  encodeSafetensors,
  type HostTensor,
  safetensorsHeaderBytes,
  type SafetensorsDtype,
} from "../io/safetensors.js";
import { mapWithPath, namedLeaves, type ParamTree } from "../util/treePaths.js";

const TO_SAFETENSORS: Record<string, SafetensorsDtype> = {
  float32: "F32",
  int32: "I32",
  uint32: "U32",
  float16: "F16",
};
const FROM_SAFETENSORS: Partial<Record<SafetensorsDtype, np.DType>> = {
  F32: np.float32,
  I32: np.int32,
  U32: np.uint32,
  F16: np.float16,
};

/** Copy every leaf to the host under `prefix + path`. Borrows `params`. */
export async function treeToTensors(params: ParamTree, prefix = ""): Promise<Map<string, HostTensor>> {
  const out = new Map<string, HostTensor>();
  for (const [path, leaf] of namedLeaves(params)) {
    const dtype = TO_SAFETENSORS[String(leaf.dtype)];
    if (!dtype) throw new TypeError(`treeToTensors: unsupported dtype ${String(leaf.dtype)} at ${path}`);
    const shape = leaf.shape;
    const data = await leaf.ref.data();
    out.set(prefix + path, {
      dtype,
      shape,
      bytes: new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice(),
    });
  }
  return out;
}

/** A device array from a host tensor. */
export function tensorToArray(t: HostTensor): np.Array {
  const dtype = FROM_SAFETENSORS[t.dtype];
  if (!dtype) throw new TypeError(`tensorToArray: unsupported safetensors dtype ${t.dtype}`);
  const buf = t.bytes.buffer.slice(t.bytes.byteOffset, t.bytes.byteOffset + t.bytes.byteLength);
  const typed =
    t.dtype === "F32"
      ? new Float32Array(buf)
      : t.dtype === "I32"
        ? new Int32Array(buf)
        : t.dtype === "U32"
          ? new Uint32Array(buf)
          : new Uint16Array(buf);
  return np.array(typed as Float32Array, { dtype }).reshape(t.shape);
}

/**
 * Rebuild a tree shaped like `template` from tensors named `prefix + path`. Lists missing names and
 * shape mismatches in one error. Borrows `template` (only its structure and shapes are read).
 */
export function tensorsToTree<P extends ParamTree>(
  template: P,
  tensors: Map<string, HostTensor>,
  prefix: string,
  source: string,
): P {
  const missing: string[] = [];
  const mismatched: string[] = [];
  for (const [path, leaf] of namedLeaves(template)) {
    const t = tensors.get(prefix + path);
    if (!t) missing.push(prefix + path);
    else if (t.shape.join(",") !== leaf.shape.join(",")) {
      mismatched.push(`${prefix + path} [${t.shape}] vs expected [${leaf.shape}]`);
    }
  }
  if (missing.length || mismatched.length) {
    const parts = [];
    if (missing.length)
      parts.push(`missing ${missing.slice(0, 10).join(", ")}${missing.length > 10 ? ", …" : ""}`);
    if (mismatched.length) parts.push(`mis-shaped ${mismatched.slice(0, 10).join(", ")}`);
    throw new Error(`${source}: expected tensors matching the model, ${parts.join("; ")}`);
  }
  return mapWithPath(template, (path) => tensorToArray(tensors.get(prefix + path)!)) as P;
}

/** Write tensors + metadata atomically. */
export function saveTensors(
  path: string,
  tensors: Map<string, HostTensor>,
  metadata: Record<string, unknown>,
): void {
  const meta: Record<string, string> = {};
  for (const [k, v] of Object.entries(metadata)) meta[k] = typeof v === "string" ? v : JSON.stringify(v);
  writeFileAtomic(path, encodeSafetensors(tensors, meta));
}

/** Read a safetensors file; errors name the file. */
export function loadTensors(path: string): {
  tensors: Map<string, HostTensor>;
  metadata: Record<string, string>;
} {
  let buf: Uint8Array;
  try {
    buf = readFileSync(path);
  } catch {
    throw new Error(`${path}: expected a checkpoint file, but it cannot be read`);
  }
  return decodeSafetensors(new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength), path);
}

/** A safetensors file's metadata, reading its header only (a checkpoint's tensors are hundreds of MB). */
export function loadTensorMetadata(path: string): Record<string, string> {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch {
    throw new Error(`${path}: expected a checkpoint file, but it cannot be read`);
  }
  try {
    const read = (length: number) => {
      const buf = new Uint8Array(length);
      return buf.subarray(0, readSync(fd, buf, 0, length, 0));
    };
    const first8 = read(8);
    return decodeSafetensorsMetadata(
      first8.byteLength < 8 ? first8 : read(safetensorsHeaderBytes(first8)),
      path,
    );
  } finally {
    closeSync(fd);
  }
}
