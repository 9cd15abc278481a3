// The SDXL textual-inversion reader: the fixture's clip_l/clip_g vectors, other dtypes, and bad or hostile files.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readTiFile, TI_LIMITS } from '../../src/pipeline/ti/ti-file';
import { testDataDir } from './reference';

const TI_PATH = `${testDataDir}tiny-sdxl-assets/textual_inversions/ti_sdxl.safetensors`;
const fixture = () => new Uint8Array(readFileSync(TI_PATH));

/** A safetensors file from a header object and a data section (an independent writer for the tests). */
function safetensors(header: unknown, data: Uint8Array = new Uint8Array(0), rawHeader?: string): Uint8Array {
  const json = new TextEncoder().encode(rawHeader ?? JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}
const f32 = (values: number[]) => new Uint8Array(new Float32Array(values).buffer);
const entry = (dtype: string, shape: number[], begin: number, end: number) => ({ dtype, shape, data_offsets: [begin, end] });

describe('textual-inversion file', () => {
  it('reads the fixture: clip_l [2, 32] and clip_g [2, 32] as the file stores them', () => {
    const bytes = fixture();
    const ti = readTiFile(bytes);
    // An independent read: header JSON → offsets → little-endian floats.
    const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
    const header = JSON.parse(Buffer.from(bytes.subarray(8, 8 + n)).toString('utf8'));
    for (const [key, got] of [['clip_l', ti.clipL], ['clip_g', ti.clipG]] as const) {
      const [b, e] = header[key].data_offsets;
      const expected = new Float32Array(bytes.slice(8 + n + b, 8 + n + e).buffer);
      expect([got.count, got.dim]).toEqual(header[key].shape);
      expect(Array.from(got.data)).toEqual(Array.from(expected));
    }
    expect(ti.clipL.data).not.toEqual(ti.clipG.data);
  });

  it('reads F16 and BF16 vectors as float32', () => {
    const half = new Uint8Array(new Uint16Array([0x3c00, 0xc000, 0x3800, 0x0001]).buffer); // 1, -2, 0.5, 2^-24
    const bf = new Uint8Array(new Uint16Array([0x3f80, 0xc040, 0x4120, 0x0000]).buffer); // 1, -3, 10, 0
    const file = safetensors({ clip_l: entry('F16', [2, 2], 0, 8), clip_g: entry('BF16', [1, 4], 8, 16) }, new Uint8Array([...half, ...bf]));
    const ti = readTiFile(file);
    expect(Array.from(ti.clipL.data)).toEqual([1, -2, 0.5, 2 ** -24]);
    expect(Array.from(ti.clipG.data)).toEqual([1, -3, 10, 0]);
  });

  it('accepts a 1-D tensor as one vector', () => {
    const ti = readTiFile(safetensors({ clip_l: entry('F32', [2], 0, 8), clip_g: entry('F32', [2], 8, 16) }, f32([1, 2, 3, 4])));
    expect([ti.clipL.count, ti.clipL.dim, ...ti.clipG.data]).toEqual([1, 2, 3, 4]);
  });

  const bad: [string, () => Uint8Array, RegExp][] = [
    ['an SD 1.5 embedding (emb_params)', () => safetensors({ emb_params: entry('F32', [1, 2], 0, 8) }, f32([1, 2])), /SD 1\.5.*"emb_params".*both "clip_l" and "clip_g"/],
    ['a file with only clip_l', () => safetensors({ clip_l: entry('F32', [1, 2], 0, 8) }, f32([1, 2])), /no "clip_l" and "clip_g".*found: clip_l/],
    ['a file shorter than 8 bytes', () => new Uint8Array(5), /shorter than its 8-byte header length/],
    ['a header length past the end', () => fixture().subarray(0, 100), /runs past the end/],
    ['a huge header length', () => { const b = fixture().slice(); new DataView(b.buffer).setUint32(4, 1, true); return b; }, /over the 1048576-byte limit/],
    ['a header that is not JSON', () => safetensors(null, new Uint8Array(0), '{"clip_l": '), /not JSON/],
    ['a header that is not UTF-8', () => { const b = safetensors(null, new Uint8Array(0), '{"a": 1}'); b[9] = 0xff; return b; }, /not JSON/],
    ['a header that is an array', () => safetensors([1, 2]), /not an object of tensors/],
    ['a non-float dtype', () => safetensors({ clip_l: entry('I64', [1, 1], 0, 8), clip_g: entry('F32', [1, 2], 8, 16) }, new Uint8Array(16)), /"clip_l" is I64; only F32, F16 and BF16/],
    ['a 3-D tensor', () => safetensors({ clip_l: entry('F32', [1, 1, 2], 0, 8), clip_g: entry('F32', [1, 2], 8, 16) }, new Uint8Array(16)), /shape \[1, 1, 2\]/],
    ['offsets that do not match the shape', () => safetensors({ clip_l: entry('F32', [1, 2], 0, 4), clip_g: entry('F32', [1, 2], 8, 16) }, new Uint8Array(16)), /spans 4 bytes but \[1, 2\] F32 needs 8/],
    ['data past the end of the file', () => safetensors({ clip_l: entry('F32', [1, 2], 0, 8), clip_g: entry('F32', [1, 2], 8, 16) }, new Uint8Array(12)), /ends at byte 16 of a 12-byte data section/],
    ['too many vectors', () => safetensors({ clip_l: entry('F32', [TI_LIMITS.maxVectors + 1, 1], 0, 4 * 76), clip_g: entry('F32', [1, 1], 0, 4) }, new Uint8Array(4 * 76)), /76 vectors; 1 to 75/],
    ['zero vectors', () => safetensors({ clip_l: entry('F32', [0, 4], 0, 0), clip_g: entry('F32', [1, 1], 0, 4) }, new Uint8Array(4)), /0 vectors/],
    ['NaN values', () => safetensors({ clip_l: entry('F32', [1, 2], 0, 8), clip_g: entry('F32', [1, 2], 0, 8) }, f32([1, NaN])), /NaN or infinite/],
    ['a malformed entry', () => safetensors({ clip_l: { dtype: 'F32', shape: [1, 2] }, clip_g: entry('F32', [1, 2], 0, 8) }, f32([1, 2])), /"clip_l" has a malformed header entry/],
    ['too many header entries', () => safetensors(Object.fromEntries(Array.from({ length: 70 }, (_, i) => [`t${i}`, 0]))), /more than 64 entries/],
  ];
  for (const [what, make, message] of bad) {
    it(`refuses ${what}, naming the problem`, () => expect(() => readTiFile(make(), 'ti "x"')).toThrow(message));
  }

  it('refuses a file over the size limit before reading it', () => {
    expect(() => readTiFile(new Uint8Array(TI_LIMITS.maxFileBytes + 1))).toThrow(/larger than the 33554432-byte limit/);
  });

  it('prefixes errors with the name it is given', () => expect(() => readTiFile(new Uint8Array(2), 'textual inversion "style"')).toThrow(/^textual inversion "style": /));
});
