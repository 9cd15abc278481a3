// Reads an SDXL textual-inversion safetensors file (clip_l + clip_g vectors), bounded and checked, into float32 rows.
import { z } from 'zod';
import { decodeFloat32 } from '../lora/tensor-decode';

/** One encoder's vectors: `count` rows of `dim` floats. */
export interface TiVectors {
  count: number;
  dim: number;
  /** [count, dim], row-major. */
  data: Float32Array;
}

/** An SDXL textual inversion: vectors for text_encoder (clip_l, CLIP ViT-L) and text_encoder_2 (clip_g, OpenCLIP bigG). */
export interface TiFile {
  clipL: TiVectors;
  clipG: TiVectors;
}

/** Real SDXL embeddings are a few kB to a few MB; 75 vectors fill a whole prompt chunk. */
export const TI_LIMITS = { maxFileBytes: 32 * 1024 * 1024, maxHeaderBytes: 1024 * 1024, maxVectors: 75, maxDim: 4096 } as const;

const DTYPE_BYTES = { F32: 4, F16: 2, BF16: 2 } as const;
type Dtype = keyof typeof DTYPE_BYTES;

const tensorEntry = z.object({
  dtype: z.string().max(16),
  shape: z.array(z.int().min(0).max(2 ** 31)).max(8),
  data_offsets: z.tuple([z.int().min(0), z.int().min(0)]),
});
const headerSchema = z.record(z.string().max(256), z.unknown()).refine((o) => Object.keys(o).length <= 64, 'has more than 64 entries');

/** SD 1.5 / 2.x embedding files hold one vector set under these names. */
const SINGLE_ENCODER_KEYS = ['emb_params', 'string_to_param', '*'];

/** Strict UTF-8 (invalid sequences throw) without TextDecoder, which the pure pipeline code does not assume. */
function utf8(bytes: Uint8Array): string {
  let escaped = '';
  for (const b of bytes) escaped += b < 16 ? `%0${b.toString(16)}` : `%${b.toString(16)}`;
  return decodeURIComponent(escaped);
}

function fail(where: string, problem: string): never {
  throw new Error(`${where}: ${problem}`);
}

function readVectors(where: string, key: string, raw: unknown, data: Uint8Array): TiVectors {
  const parsed = tensorEntry.safeParse(raw);
  if (!parsed.success) fail(where, `tensor "${key}" has a malformed header entry (${parsed.error.issues[0]?.message ?? 'invalid'})`);
  const { dtype, shape, data_offsets: [begin, end] } = parsed.data;
  if (!(dtype in DTYPE_BYTES)) fail(where, `tensor "${key}" is ${dtype}; only F32, F16 and BF16 embeddings are read`);
  const shape2 = shape.length === 1 ? [1, shape[0]!] : shape;
  if (shape2.length !== 2) fail(where, `tensor "${key}" has shape [${shape.join(', ')}]; an embedding is [vectors, dim]`);
  const [count, dim] = shape2 as [number, number];
  if (count < 1 || count > TI_LIMITS.maxVectors) fail(where, `tensor "${key}" has ${count} vectors; 1 to ${TI_LIMITS.maxVectors} are allowed`);
  if (dim < 1 || dim > TI_LIMITS.maxDim) fail(where, `tensor "${key}" has vectors of ${dim} values; at most ${TI_LIMITS.maxDim}`);
  const size = count * dim * DTYPE_BYTES[dtype as Dtype];
  if (end - begin !== size) fail(where, `tensor "${key}" spans ${end - begin} bytes but [${count}, ${dim}] ${dtype} needs ${size}`);
  if (end > data.length) fail(where, `tensor "${key}" ends at byte ${end} of a ${data.length}-byte data section (truncated file?)`);
  const values = decodeFloat32(dtype as Dtype, data.subarray(begin, end), count * dim, `tensor "${key}"`);
  if (!values.every(Number.isFinite)) fail(where, `tensor "${key}" holds NaN or infinite values`);
  return { count, dim, data: values };
}

/** Parses the file; `where` names it in errors (e.g. the asset's name). */
export function readTiFile(bytes: Uint8Array, where = 'textual inversion'): TiFile {
  if (bytes.length > TI_LIMITS.maxFileBytes) fail(where, `file of ${bytes.length} bytes is larger than the ${TI_LIMITS.maxFileBytes}-byte limit for an embedding`);
  if (bytes.length < 8) fail(where, 'not a safetensors file (shorter than its 8-byte header length)');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = view.getUint32(0, true) + view.getUint32(4, true) * 2 ** 32;
  if (headerLen > TI_LIMITS.maxHeaderBytes) fail(where, `safetensors header of ${headerLen} bytes is over the ${TI_LIMITS.maxHeaderBytes}-byte limit (not a safetensors file?)`);
  if (8 + headerLen > bytes.length) fail(where, `safetensors header of ${headerLen} bytes runs past the end of the ${bytes.length}-byte file`);
  let json: unknown;
  try {
    json = JSON.parse(utf8(bytes.subarray(8, 8 + headerLen)));
  } catch (e) {
    fail(where, `safetensors header is not JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  const header = headerSchema.safeParse(json);
  if (!header.success) fail(where, `safetensors header is not an object of tensors (${header.error.issues[0]?.message ?? 'invalid'})`);
  const entries = header.data;
  const data = bytes.subarray(8 + headerLen);
  const single = SINGLE_ENCODER_KEYS.find((k) => k in entries);
  if (!('clip_l' in entries) || !('clip_g' in entries)) {
    if (single) fail(where, `an SD 1.5/2.x embedding ("${single}", one text encoder); SDXL needs an SDXL embedding with both "clip_l" and "clip_g"`);
    fail(where, `no "clip_l" and "clip_g" tensors (found: ${Object.keys(entries).filter((k) => k !== '__metadata__').slice(0, 8).join(', ') || 'none'}); not an SDXL textual inversion`);
  }
  const clipL = readVectors(where, 'clip_l', entries.clip_l, data);
  const clipG = readVectors(where, 'clip_g', entries.clip_g, data);
  return { clipL, clipG };
}
