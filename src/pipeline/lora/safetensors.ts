// Reads safetensors files (8-byte LE header length, JSON header, raw data), from one array or ranged reads, every size bounded.
import { ModelFileInvalidError, parseFile } from '../../schema/file-check';
import { SAFETENSORS_ITEMSIZE, safetensorsEntrySchema, safetensorsMetadataSchema, type SafetensorsDtype } from '../../schema/safetensors-header';
import { decodeFloat32 } from './tensor-decode';

// The Encoding API exists in every runtime the app targets (browsers, workers, Node); the pipeline's lib has no DOM types.
declare const TextDecoder: new (label: string, options: { fatal: boolean }) => { decode(bytes: Uint8Array): string };

/** A header longer than this is refused before it is read (real LoRA headers are well under 1 MB). */
export const MAX_SAFETENSORS_HEADER = 100 * 1024 * 1024;

export interface SafetensorsTensor {
  name: string;
  dtype: SafetensorsDtype;
  shape: number[];
  /** Absolute byte range [begin, end) in the file. */
  begin: number;
  end: number;
}

export interface SafetensorsHeader {
  /** 8 + the header length: where the data section starts. */
  dataStart: number;
  tensors: Map<string, SafetensorsTensor>;
  metadata: Record<string, string>;
}

/** Reads bytes [start, end) of a file (e.g. a Blob slice or an HTTP range); must return exactly end − start bytes. */
export type ByteReader = (start: number, end: number) => Promise<Uint8Array>;

const fail = (file: string, problem: string): never => { throw new ModelFileInvalidError(file, [problem]); };

/** The JSON header's length from the first 8 bytes, checked against the limit and the file size. */
export function safetensorsHeaderLength(first8: Uint8Array, fileSize: number, file: string): number {
  if (fileSize < 8 || first8.length < 8) fail(file, `${fileSize} bytes is too short for a safetensors file (8-byte header length first)`);
  const view = new DataView(first8.buffer, first8.byteOffset, 8);
  const lo = view.getUint32(0, true);
  const hi = view.getUint32(4, true);
  const n = hi * 2 ** 32 + lo;
  if (hi !== 0 || n > MAX_SAFETENSORS_HEADER) fail(file, `header length ${n} is over the ${MAX_SAFETENSORS_HEADER}-byte limit`);
  if (8 + n > fileSize) fail(file, `header length ${n} runs past the end of the file (${fileSize} bytes)`);
  if (n < 2) fail(file, `header length ${n} is too short for a JSON object`);
  return n;
}

function elementCount(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) {
    n *= d;
    if (n > Number.MAX_SAFE_INTEGER) return Infinity;
  }
  return n;
}

/** Parses and checks the JSON header bytes: every entry valid, every byte range inside the file, sized by its shape, no overlaps. */
export function parseSafetensorsHeader(json: Uint8Array, fileSize: number, file: string): SafetensorsHeader {
  const dataStart = 8 + json.length;
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(json));
  } catch (e) {
    return fail(file, `the header is not UTF-8 JSON (${(e as Error).message})`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return fail(file, 'the header is not a JSON object');
  const dataSize = fileSize - dataStart;
  const tensors = new Map<string, SafetensorsTensor>();
  let metadata: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw)) {
    if (name === '__metadata__') {
      metadata = parseFile(safetensorsMetadataSchema, value, `${file} __metadata__`);
      continue;
    }
    const e = parseFile(safetensorsEntrySchema, value, `${file} tensor "${name}"`);
    const [begin, end] = e.data_offsets;
    if (begin > end || end > dataSize) fail(file, `tensor "${name}": data_offsets [${begin}, ${end}] are outside the ${dataSize}-byte data section`);
    const bytes = elementCount(e.shape) * SAFETENSORS_ITEMSIZE[e.dtype];
    if (bytes !== end - begin) fail(file, `tensor "${name}": shape [${e.shape.join(', ')}] of ${e.dtype} needs ${bytes} bytes but data_offsets give ${end - begin}`);
    tensors.set(name, { name, dtype: e.dtype, shape: e.shape, begin: dataStart + begin, end: dataStart + end });
  }
  const ranges = [...tensors.values()].filter((t) => t.end > t.begin).sort((a, b) => a.begin - b.begin);
  for (let i = 1; i < ranges.length; i++) {
    if (ranges[i]!.begin < ranges[i - 1]!.end) fail(file, `tensors "${ranges[i - 1]!.name}" and "${ranges[i]!.name}" overlap`);
  }
  return { dataStart, tensors, metadata };
}

/** A parsed file whose tensors are decoded to float32 on request. */
export interface SafetensorsFile<T = Float32Array> {
  header: SafetensorsHeader;
  float32(name: string): T;
}

function tensorInfo(header: SafetensorsHeader, name: string, file: string): SafetensorsTensor {
  const t = header.tensors.get(name);
  if (!t) throw new Error(`${file} has no tensor "${name}".`);
  return t;
}

/** Parses a whole file held in memory. */
export function parseSafetensors(bytes: Uint8Array, file = 'safetensors file'): SafetensorsFile {
  const n = safetensorsHeaderLength(bytes.subarray(0, 8), bytes.length, file);
  const header = parseSafetensorsHeader(bytes.subarray(8, 8 + n), bytes.length, file);
  return {
    header,
    float32(name) {
      const t = tensorInfo(header, name, file);
      return decodeFloat32(t.dtype, bytes.subarray(t.begin, t.end), elementCount(t.shape), `${file} tensor "${name}"`);
    },
  };
}

async function readExactly(read: ByteReader, start: number, end: number, file: string): Promise<Uint8Array> {
  const b = await read(start, end);
  if (b.length !== end - start) fail(file, `a read of bytes [${start}, ${end}) returned ${b.length} bytes`);
  return b;
}

/** Opens a file of `size` bytes through ranged reads: the header now, each tensor's bytes only when it is asked for. */
export async function openSafetensors(size: number, read: ByteReader, file = 'safetensors file'): Promise<SafetensorsFile<Promise<Float32Array>>> {
  const n = safetensorsHeaderLength(size >= 8 ? await readExactly(read, 0, 8, file) : new Uint8Array(0), size, file);
  const header = parseSafetensorsHeader(await readExactly(read, 8, 8 + n, file), size, file);
  return {
    header,
    async float32(name) {
      const t = tensorInfo(header, name, file);
      const bytes = await readExactly(read, t.begin, t.end, file);
      return decodeFloat32(t.dtype, bytes, elementCount(t.shape), `${file} tensor "${name}"`);
    },
  };
}
