/**
 * The safetensors file format (Hugging Face): 8-byte little-endian header length, a JSON header mapping
 * tensor names to {dtype, shape, data_offsets}, then the raw little-endian bytes. Host-side only.
 */

export type SafetensorsDtype =
  "F32" | "F16" | "I32" | "U32" | "I64" | "BF16" | "F64" | "U8" | "BOOL" | "I8" | "I16";

export interface HostTensor {
  dtype: SafetensorsDtype;
  shape: number[];
  /** Raw little-endian bytes of the tensor. */
  bytes: Uint8Array;
}

export interface SafetensorsFile {
  tensors: Map<string, HostTensor>;
  metadata: Record<string, string>;
}

const ITEM_SIZE: Record<SafetensorsDtype, number> = {
  F64: 8,
  I64: 8,
  F32: 4,
  I32: 4,
  U32: 4,
  F16: 2,
  BF16: 2,
  I16: 2,
  U8: 1,
  I8: 1,
  BOOL: 1,
};

/** Serialise tensors (in the given order) and string metadata. */
export function encodeSafetensors(
  tensors: Map<string, HostTensor>,
  metadata: Record<string, string> = {},
): Uint8Array {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  let offset = 0;
  for (const [name, t] of tensors) {
    const expected = t.shape.reduce((a, b) => a * b, 1) * ITEM_SIZE[t.dtype];
    if (t.bytes.byteLength !== expected) {
      throw new RangeError(
        `encodeSafetensors: tensor ${name} has ${t.bytes.byteLength} bytes, expected ${expected}`,
      );
    }
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + expected] };
    offset += expected;
  }
  let json = JSON.stringify(header);
  // Pad the header with spaces so the data starts 8-byte aligned (as the reference writer does).
  json += " ".repeat((8 - ((8 + Buffer.byteLength(json)) % 8)) % 8);
  const headerBytes = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + headerBytes.byteLength + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.byteLength), true);
  out.set(headerBytes, 8);
  let at = 8 + headerBytes.byteLength;
  for (const t of tensors.values()) {
    out.set(t.bytes, at);
    at += t.bytes.byteLength;
  }
  return out;
}

/** The JSON header at the start of `buf` (which may hold only the first 8 + header-length bytes). */
function decodeHeader(
  buf: Uint8Array,
  source: string,
): { header: Record<string, unknown>; dataStart: number } {
  if (buf.byteLength < 8)
    throw new Error(`${source}: expected a safetensors file, got ${buf.byteLength} bytes`);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const headerLen = Number(view.getBigUint64(0, true));
  if (headerLen > buf.byteLength - 8) {
    throw new Error(
      `${source}: expected a safetensors header of ${headerLen} bytes, file has ${buf.byteLength - 8}`,
    );
  }
  try {
    const header = JSON.parse(new TextDecoder().decode(buf.subarray(8, 8 + headerLen))) as Record<
      string,
      unknown
    >;
    return { header, dataStart: 8 + headerLen };
  } catch {
    throw new Error(`${source}: expected a JSON safetensors header, got unparsable bytes`);
  }
}

/** The byte length of the header and its 8-byte length prefix, from a file's first 8 bytes. */
export function safetensorsHeaderBytes(first8: Uint8Array): number {
  return 8 + Number(new DataView(first8.buffer, first8.byteOffset, 8).getBigUint64(0, true));
}

/** The string metadata of a safetensors file from its first `safetensorsHeaderBytes` bytes. */
export function decodeSafetensorsMetadata(buf: Uint8Array, source = "<buffer>"): Record<string, string> {
  return (decodeHeader(buf, source).header.__metadata__ ?? {}) as Record<string, string>;
}

/** Parse a safetensors buffer; `source` names the file in error messages. */
export function decodeSafetensors(buf: Uint8Array, source = "<buffer>"): SafetensorsFile {
  const { header, dataStart } = decodeHeader(buf, source);
  const tensors = new Map<string, HostTensor>();
  let metadata: Record<string, string> = {};
  for (const [name, entry] of Object.entries(header)) {
    if (name === "__metadata__") {
      metadata = (entry ?? {}) as Record<string, string>;
      continue;
    }
    const { dtype, shape, data_offsets } = entry as {
      dtype: SafetensorsDtype;
      shape: number[];
      data_offsets: [number, number];
    };
    if (!(dtype in ITEM_SIZE)) throw new Error(`${source}: tensor ${name} has unsupported dtype ${dtype}`);
    const [begin, end] = data_offsets;
    const expected = shape.reduce((a, b) => a * b, 1) * ITEM_SIZE[dtype];
    if (end - begin !== expected || dataStart + end > buf.byteLength) {
      throw new Error(
        `${source}: tensor ${name} has offsets [${begin}, ${end}], expected ${expected} bytes inside the file`,
      );
    }
    // Copy so the tensor owns aligned memory (typed-array views need alignment).
    tensors.set(name, { dtype, shape, bytes: buf.slice(dataStart + begin, dataStart + end) });
  }
  return { tensors, metadata };
}
