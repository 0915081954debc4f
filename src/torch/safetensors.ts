// Hugging Face safetensors, read and written on plain byte arrays so it stays independent of the Tensor class.
// Layout: u64 little-endian header length N, N bytes of JSON header (padded with spaces to a multiple of 8),
// then the raw little-endian data buffer. The writer follows the HF Rust `prepare()` exactly — tensors sorted by
// dtype descending (the enum order, i.e. by alignment) then by name, compact serde_json-style JSON with
// `__metadata__` first and tensors in data order — so our files are byte-identical to theirs for the same inputs.
import { closeSync, fstatSync, openSync, readFileSync, readSync } from "node:fs";
import { writeFileAtomic } from "../util/fs.ts";

export type StDtype =
  | "F32"
  | "F64"
  | "F16"
  | "BF16"
  | "I64"
  | "I32"
  | "I16"
  | "I8"
  | "U8"
  | "BOOL"
  | "U16"
  | "U32"
  | "U64"
  | "F8_E4M3"
  | "F8_E5M2";

export interface StTensor {
  dtype: StDtype;
  shape: number[];
  /** Raw little-endian bytes, row-major. */
  data: Uint8Array;
}

export interface StFile {
  tensors: Record<string, StTensor>;
  metadata: Record<string, string>;
}

export class SafetensorsError extends Error {
  override name = "SafetensorsError";
}

/** Same cap as the HF reader: a header this large is a corrupt length field, not a real header. */
const MAX_HEADER_SIZE = 100_000_000;

// Element sizes, and the HF `Dtype` enum order (ascending alignment) that the writer sorts by, descending.
const DTYPE_SIZE: Record<StDtype, number> = {
  BOOL: 1,
  U8: 1,
  I8: 1,
  F8_E5M2: 1,
  F8_E4M3: 1,
  I16: 2,
  U16: 2,
  F16: 2,
  BF16: 2,
  I32: 4,
  U32: 4,
  F32: 4,
  F64: 8,
  I64: 8,
  U64: 8,
};
const DTYPE_RANK: Record<StDtype, number> = {
  BOOL: 0,
  U8: 1,
  I8: 2,
  F8_E5M2: 3,
  F8_E4M3: 4,
  I16: 5,
  U16: 6,
  F16: 7,
  BF16: 8,
  I32: 9,
  U32: 10,
  F32: 11,
  F64: 12,
  I64: 13,
  U64: 14,
};

function isStDtype(s: unknown): s is StDtype {
  return typeof s === "string" && Object.prototype.hasOwnProperty.call(DTYPE_SIZE, s);
}

export function numel(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

function fail(where: string | undefined, msg: string): never {
  throw new SafetensorsError(where ? `safetensors ${where}: ${msg}` : `safetensors: ${msg}`);
}

export function checkShape(shape: unknown): shape is number[] {
  return Array.isArray(shape) && shape.every((d) => Number.isSafeInteger(d) && d >= 0);
}

// --- writing ---

export function serialize(tensors: Record<string, StTensor>, metadata?: Record<string, string>): Uint8Array {
  const names = Object.keys(tensors);
  for (const name of names) {
    const t = tensors[name];
    if (name === "__metadata__") fail(undefined, `"__metadata__" cannot be a tensor name`);
    if (!isStDtype(t.dtype)) fail(undefined, `tensor "${name}": unknown dtype ${JSON.stringify(t.dtype)}`);
    if (!checkShape(t.shape))
      fail(undefined, `tensor "${name}": shape must be non-negative integers, got ${JSON.stringify(t.shape)}`);
    const want = numel(t.shape) * DTYPE_SIZE[t.dtype];
    if (t.data.byteLength !== want) {
      fail(undefined, `tensor "${name}": ${t.data.byteLength} bytes but shape [${t.shape}] x ${t.dtype} needs ${want}`);
    }
  }
  if (metadata) {
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== "string") fail(undefined, `metadata "${k}" must be a string, got ${typeof v}`);
    }
  }
  // Rust `str::cmp` is byte order; for UTF-16 strings that differs from `<` only above the BMP, so compare UTF-8.
  const enc = new TextEncoder();
  const keyBytes = new Map(names.map((n) => [n, enc.encode(n)]));
  names.sort(
    (a, b) =>
      DTYPE_RANK[tensors[b].dtype] - DTYPE_RANK[tensors[a].dtype] || compareBytes(keyBytes.get(a)!, keyBytes.get(b)!),
  );

  // JSON.stringify without indentation escapes exactly like serde_json::to_string for well-formed strings.
  const parts: string[] = [];
  if (metadata) {
    // HF keeps metadata in a HashMap (arbitrary order); we write keys sorted so our output is deterministic.
    const keys = Object.keys(metadata).sort();
    const body = keys.map((k) => `${JSON.stringify(k)}:${JSON.stringify(metadata[k])}`).join(",");
    parts.push(`"__metadata__":{${body}}`);
  }
  let offset = 0;
  for (const name of names) {
    const t = tensors[name];
    const end = offset + t.data.byteLength;
    parts.push(
      `${JSON.stringify(name)}:{"dtype":"${t.dtype}","shape":[${t.shape.join(",")}],"data_offsets":[${offset},${end}]}`,
    );
    offset = end;
  }
  const header = enc.encode(`{${parts.join(",")}}`);
  const padded = header.length + ((8 - (header.length % 8)) % 8);
  const out = new Uint8Array(8 + padded + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(padded), true);
  out.set(header, 8);
  out.fill(0x20, 8 + header.length, 8 + padded);
  let pos = 8 + padded;
  for (const name of names) {
    out.set(tensors[name].data, pos);
    pos += tensors[name].data.byteLength;
  }
  return out;
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

/** Write atomically (temp file + rename): a crash never leaves a half-written checkpoint. */
export function saveFile(path: string, tensors: Record<string, StTensor>, metadata?: Record<string, string>): void {
  writeFileAtomic(path, serialize(tensors, metadata));
}

// --- reading ---

/** One tensor's place in a file: `begin`/`end` are byte offsets into the data buffer (after the header). */
export interface StEntry {
  name: string;
  dtype: StDtype;
  shape: number[];
  begin: number;
  end: number;
}

/** A parsed header: where the data buffer starts in the file, and every tensor's place in it. */
export interface StHeader {
  dataStart: number;
  entries: StEntry[];
  metadata: Record<string, string>;
}

/** The 8-byte header length, checked against the file size and the HF cap. */
function headerLength(first8: Uint8Array, fileSize: number, where?: string): number {
  if (fileSize < 8) fail(where, `file is ${fileSize} bytes, too short for the 8-byte header length`);
  const n64 = new DataView(first8.buffer, first8.byteOffset, 8).getBigUint64(0, true);
  if (n64 > BigInt(MAX_HEADER_SIZE))
    fail(where, `header length ${n64} exceeds the ${MAX_HEADER_SIZE}-byte limit (corrupt length field?)`);
  const n = Number(n64);
  if (8 + n > fileSize)
    fail(where, `header length ${n} is larger than the file (${fileSize} bytes): truncated or corrupt`);
  return n;
}

/**
 * Parse and check a header (`json` = the N header bytes) for a file of `fileSize` bytes: the same checks as the
 * HF reader, so a truncated file or overlapping tensors fail here, before any data is read.
 */
export function parseHeader(json: Uint8Array, fileSize: number, where?: string): StHeader {
  const n = json.byteLength;
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(json);
  } catch {
    fail(where, "header is not valid UTF-8");
  }
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (e) {
    fail(where, `header is not valid JSON (${(e as Error).message.split("\n")[0]})`);
  }
  if (typeof header !== "object" || header === null || Array.isArray(header))
    fail(where, "header JSON is not an object");

  const metadata: Record<string, string> = {};
  const entries: StEntry[] = [];
  for (const [name, info] of Object.entries(header as Record<string, unknown>)) {
    if (name === "__metadata__") {
      if (typeof info !== "object" || info === null || Array.isArray(info))
        fail(where, "__metadata__ is not an object");
      for (const [k, v] of Object.entries(info as Record<string, unknown>)) {
        if (typeof v !== "string") fail(where, `__metadata__ value for "${k}" is not a string`);
        metadata[k] = v;
      }
      continue;
    }
    if (typeof info !== "object" || info === null) fail(where, `tensor "${name}": header entry is not an object`);
    const { dtype, shape, data_offsets: offs } = info as Record<string, unknown>;
    if (!isStDtype(dtype)) fail(where, `tensor "${name}": unknown dtype ${JSON.stringify(dtype)}`);
    if (!checkShape(shape)) fail(where, `tensor "${name}": invalid shape ${JSON.stringify(shape)}`);
    if (!Array.isArray(offs) || offs.length !== 2 || !offs.every((o) => Number.isSafeInteger(o) && o >= 0)) {
      fail(where, `tensor "${name}": invalid data_offsets ${JSON.stringify(offs)}`);
    }
    entries.push({ name, dtype, shape, begin: offs[0] as number, end: offs[1] as number });
  }

  // Same checks as the HF reader: sorted by offset the tensors must tile the data buffer exactly.
  const dataStart = 8 + n;
  const dataLen = fileSize - dataStart;
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let cursor = 0;
  let prev = "";
  for (const e of entries) {
    if (e.end < e.begin) fail(where, `tensor "${e.name}": data_offsets [${e.begin}, ${e.end}] end before they begin`);
    if (e.begin < cursor)
      fail(where, `tensor "${e.name}" [${e.begin}, ${e.end}] overlaps tensor "${prev}" (ends at ${cursor})`);
    if (e.begin > cursor)
      fail(where, `gap in data buffer before tensor "${e.name}": bytes [${cursor}, ${e.begin}) belong to no tensor`);
    const want = numel(e.shape) * DTYPE_SIZE[e.dtype];
    if (e.end - e.begin !== want) {
      fail(
        where,
        `tensor "${e.name}": data_offsets span ${e.end - e.begin} bytes but shape [${e.shape}] x ${e.dtype} needs ${want}`,
      );
    }
    if (e.end > dataLen) {
      fail(
        where,
        `tensor "${e.name}": data_offsets [${e.begin}, ${e.end}] out of range, data buffer is ${dataLen} bytes (truncated file?)`,
      );
    }
    cursor = e.end;
    prev = e.name;
  }
  if (cursor !== dataLen)
    fail(where, `data buffer is ${dataLen} bytes but the tensors cover ${cursor}: trailing bytes or corrupt header`);
  return { dataStart, entries, metadata };
}

/**
 * Parse a whole file's bytes. Tensor `data` are zero-copy views into `buf` (copy them if `buf` will be reused).
 * `source` names the file in error messages.
 */
export function deserialize(buf: Uint8Array, source?: string): StFile {
  const n = headerLength(buf.subarray(0, 8), buf.byteLength, source);
  const { dataStart, entries, metadata } = parseHeader(buf.subarray(8, 8 + n), buf.byteLength, source);
  const tensors: Record<string, StTensor> = {};
  for (const e of entries)
    tensors[e.name] = { dtype: e.dtype, shape: e.shape, data: buf.subarray(dataStart + e.begin, dataStart + e.end) };
  return { tensors, metadata };
}

/** Read and check only a file's header (the data stays on disk; read it tensor by tensor with readTensor, tensor-bytes.ts). */
export function readHeader(path: string): StHeader {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch (e) {
    fail(path, `cannot read: ${(e as Error).message}`);
  }
  try {
    const size = fstatSync(fd).size;
    const first8 = new Uint8Array(8);
    readFully(fd, first8, 0, path);
    const n = headerLength(first8, size, path);
    const json = new Uint8Array(n);
    readFully(fd, json, 8, path);
    return parseHeader(json, size, path);
  } finally {
    closeSync(fd);
  }
}

/** Fill `out` from an open file at `position`; a short file is a one-line error naming it. */
export function readFully(fd: number, out: Uint8Array, position: number, path?: string): void {
  let done = 0;
  while (done < out.byteLength) {
    const got = readSync(fd, out, done, out.byteLength - done, position + done);
    if (got === 0) fail(path, `file ended after ${position + done} bytes while reading (truncated file?)`);
    done += got;
  }
}

export function loadFile(path: string): StFile {
  let buf: Uint8Array;
  try {
    buf = readFileSync(path);
  } catch (e) {
    fail(path, `cannot read: ${(e as Error).message}`);
  }
  return deserialize(buf, path);
}

// Typed-array views and constructors of StTensor live beside this file; re-exported for callers of this module.
export * from "./safetensors-typed.ts";
