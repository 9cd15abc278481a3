// Builds safetensors files in tests (valid ones, or with a hand-made header) and reads the LoRA fixture files.
import { readFileSync } from 'node:fs';
import { testDataDir } from './reference';

export const assetsDir = `${testDataDir}tiny-sdxl-assets/`;

export function readAsset(rel: string): Uint8Array {
  const b = readFileSync(`${assetsDir}${rel}`);
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

/** A file from a raw header object (any JSON, valid or not) and a data section. */
export function fileFromHeader(header: unknown, data: Uint8Array = new Uint8Array(0), headerText?: string): Uint8Array {
  const json = new TextEncoder().encode(headerText ?? JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

export interface BuildTensor { dtype: 'F32' | 'F16' | 'BF16'; shape: number[]; bytes: Uint8Array }

/** A well-formed file holding `tensors` in the given order, packed without gaps. */
export function buildSafetensors(tensors: Record<string, BuildTensor>, metadata?: Record<string, string>): Uint8Array {
  const header: Record<string, unknown> = metadata ? { __metadata__: metadata } : {};
  let offset = 0;
  for (const [name, t] of Object.entries(tensors)) {
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + t.bytes.length] };
    offset += t.bytes.length;
  }
  const data = new Uint8Array(offset);
  offset = 0;
  for (const t of Object.values(tensors)) { data.set(t.bytes, offset); offset += t.bytes.length; }
  return fileFromHeader(header, data);
}

export const f32Tensor = (shape: number[], values: ArrayLike<number>): BuildTensor =>
  ({ dtype: 'F32', shape, bytes: new Uint8Array(Float32Array.from(values).buffer) });

/** Every tensor of a parsed fixture file, re-packed so a test can add, drop or rename some. */
export function tensorsOf(bytes: Uint8Array): Record<string, BuildTensor> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = Number(view.getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))) as Record<string, { dtype: 'F32'; shape: number[]; data_offsets: [number, number] }>;
  const out: Record<string, BuildTensor> = {};
  for (const [name, e] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    out[name] = { dtype: e.dtype, shape: e.shape, bytes: bytes.slice(8 + n + e.data_offsets[0], 8 + n + e.data_offsets[1]) };
  }
  return out;
}
