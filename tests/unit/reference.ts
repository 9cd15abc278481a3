// Reads the diffusers reference tensors in test-data/reference and other fixture folders (JSON index + little-endian blob).
import type { RgbaImage } from '../../src/pipeline/image-tensors';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const testDataDir = fileURLToPath(new URL('../../test-data/', import.meta.url));
export const modelDir = `${testDataDir}tiny-sdxl/`;
/** References for the request fields @octoai/sdk adds (prompt_2, clip_skip, six more samplers, …). */
export const EXTRAS = 'tiny-sdxl-octoai-extras/reference';

interface TensorEntry { offset: number; nbytes: number; shape: number[]; dtype: 'float32' | 'int64' | 'int32' | 'uint8' }
type Typed = Float32Array | BigInt64Array | Int32Array | Uint8Array;

export interface ReferenceGroup<T = Record<string, unknown>> {
  index: T & { tensors?: Record<string, TensorEntry> };
  tensor(name: string): { data: Typed; shape: number[] };
  float(name: string): Float32Array;
  ints(name: string): number[];
}

/**
 * A group's index and blob under test-data/<folder>/ (identical tensors may share one offset: aliases read the same);
 * `folder` may also be a whole directory path ending in "/".
 */
export function loadReference<T = Record<string, unknown>>(group: string, folder = 'reference'): ReferenceGroup<T> {
  const dir = folder.endsWith('/') ? folder : `${testDataDir}${folder}/`;
  const index = JSON.parse(readFileSync(`${dir}${group}.json`, 'utf8'));
  const buf = index.blob ? readFileSync(`${dir}${index.blob}`) : Buffer.alloc(0);
  const ab = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
  const tensor = (name: string) => {
    const e: TensorEntry | undefined = index.tensors?.[name];
    if (!e) throw new Error(`no reference tensor ${name}`);
    const n = e.shape.reduce((a, b) => a * b, 1);
    const Ctor = { float32: Float32Array, int64: BigInt64Array, int32: Int32Array, uint8: Uint8Array }[e.dtype];
    return { data: new Ctor(ab, e.offset, n), shape: e.shape };
  };
  return {
    index,
    tensor,
    float: (name) => tensor(name).data as Float32Array,
    ints: (name) => Array.from(tensor(name).data as ArrayLike<number | bigint>, Number),
  };
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} ≠ ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

/** A reference image stored HWC uint8 (3 channels, or 1 for a mask) as the RGBA the pipeline takes. */
export function rgbaFromHwc(data: Uint8Array, width: number, height: number, channels: number): RgbaImage {
  const rgba = new Uint8ClampedArray(width * height * 4);
  for (let p = 0; p < width * height; p++) {
    for (let c = 0; c < 3; c++) rgba[p * 4 + c] = data[p * channels + (channels === 1 ? 0 : c)]!;
    rgba[p * 4 + 3] = 255;
  }
  return { rgba, width, height };
}
