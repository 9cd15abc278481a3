// safetensors parsing: the fixture files, F16/BF16 decoding, and hostile files (sizes, offsets, dtypes, shapes, values)
// refused with an error naming the problem, never a crash; a fast-check property mutates a real file.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_SAFETENSORS_HEADER, openSafetensors, parseSafetensors } from '../../src/pipeline/lora/safetensors';
import { fromHalf } from '../../src/pipeline/float16';
import { parseLora } from '../../src/pipeline/lora/parse-lora';
import { buildSafetensors, f32Tensor, fileFromHeader, readAsset, tensorsOf } from './safetensors-build';
import { fuzzParams } from './fuzz-config';

const u8 = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
const lora = (bytes: Uint8Array) => parseLora(bytes, { layersPerBlock: 2, file: 'x.safetensors' });

describe('safetensors files', () => {
  it('parse the fixture LoRA: metadata, 240 F32 tensors, shapes, data after an 8-byte aligned header', () => {
    const bytes = readAsset('loras/lora_kohya.safetensors');
    const st = parseSafetensors(bytes);
    expect(st.header.metadata.format).toBe('pt');
    expect(st.header.metadata.ss_network_dim).toBe('4');
    expect(st.header.tensors.size).toBe(240);
    expect(st.header.dataStart % 8).toBe(0);
    const alpha = st.header.tensors.get('lora_unet_input_blocks_4_1_proj_in.alpha')!;
    expect(alpha.shape).toEqual([]);
    expect(Array.from(st.float32(alpha.name))).toEqual([2]);
    const down = st.float32('lora_unet_input_blocks_4_1_proj_in.lora_down.weight');
    expect(down).toHaveLength(4 * 64);
    // The decoded values are the file's bytes (the ΔW test checks them against torch's tensors).
    const t = st.header.tensors.get('lora_unet_input_blocks_4_1_proj_in.lora_down.weight')!;
    expect(u8(down)).toEqual(bytes.subarray(t.begin, t.end));
  });

  it('decode every F16 pattern and BF16 to the float32 they denote', () => {
    const halves = Uint16Array.from({ length: 65536 }, (_, i) => i);
    const st = parseSafetensors(buildSafetensors({ h: { dtype: 'F16', shape: [65536], bytes: u8(halves) } }));
    const got = st.float32('h');
    const bits = new Uint32Array(1);
    const f = new Float32Array(bits.buffer);
    const wrong: string[] = [];
    const same = (a: number, b: number) => Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b));
    for (let h = 0; h < 65536; h++) {
      const sign = h >> 15;
      const e = (h >> 10) & 31;
      const m = h & 1023;
      // Independent route: rebuild the float32 bit pattern (subnormals by value).
      if (e === 0) f[0] = (sign ? -1 : 1) * m * 2 ** -24;
      else bits[0] = (sign << 31) | ((e === 31 ? 255 : e - 15 + 127) << 23) | (m << 13);
      if (!same(got[h]!, f[0]!) || !same(fromHalf(h), f[0]!)) wrong.push(`0x${h.toString(16)}: ${got[h]} ≠ ${f[0]}`);
    }
    expect(wrong).toEqual([]);
    // Float32s whose low 16 bits are 0 (a normal, a float32 subnormal 2^-130, -0, 65280, 2^127) are exactly their BF16.
    const values = Float32Array.from([1, -2.5, 3.140625, 2 ** -130, -0, 65280, 2 ** 127]);
    const hi = Uint16Array.from(new Uint32Array(values.buffer), (b) => b >>> 16);
    expect(Array.from(parseSafetensors(buildSafetensors({ b: { dtype: 'BF16', shape: [7], bytes: u8(hi) } })).float32('b'))).toEqual(Array.from(values));
  });

  it('read through ranged reads with the same result, and refuse a reader that returns the wrong length', async () => {
    const bytes = readAsset('loras/lora_diffusers.safetensors');
    const st = await openSafetensors(bytes.length, async (s, e) => bytes.slice(s, e));
    const name = [...st.header.tensors.keys()][5]!;
    expect(await st.float32(name)).toEqual(parseSafetensors(bytes).float32(name));
    await expect(openSafetensors(bytes.length, async (s, e) => bytes.slice(s, e - 1))).rejects.toThrow(/returned 7 bytes/);
  });
});

describe('hostile safetensors files are refused with a named problem', () => {
  const good = { w: { dtype: 'F32', shape: [2, 2], data_offsets: [0, 16] } };
  const data = new Uint8Array(16);
  const withLength = (n: bigint, rest = new Uint8Array(32)) => {
    const b = new Uint8Array(8 + rest.length);
    new DataView(b.buffer).setBigUint64(0, n, true);
    b.set(rest, 8);
    return b;
  };
  const cases: [string, Uint8Array, RegExp][] = [
    ['shorter than 8 bytes', new Uint8Array(5), /too short for a safetensors file/],
    ['header length over the limit', withLength(BigInt(MAX_SAFETENSORS_HEADER + 1)), /over the 104857600-byte limit/],
    ['header length of 2^63', withLength(1n << 63n), /over the .*-byte limit/],
    ['header length past the end', withLength(1000n), /header length 1000 runs past the end of the file \(40 bytes\)/],
    ['header not JSON', fileFromHeader(null, data, '{"w": [1,'), /not UTF-8 JSON/],
    ['header not UTF-8', (() => { const b = fileFromHeader(null, data, '{"w\u00e9": 1}'); b[11] = 0xff; return b; })(), /not UTF-8 JSON \(.*encoded/i],
    ['header an array', fileFromHeader([1, 2], data), /not a JSON object/],
    ['unknown dtype', fileFromHeader({ w: { ...good.w, dtype: 'F31' } }, data), /tensor "w" is not valid: dtype/],
    ['negative dimension', fileFromHeader({ w: { ...good.w, shape: [-2, -2] } }, data), /tensor "w" is not valid: shape/],
    ['fractional offset', fileFromHeader({ w: { ...good.w, data_offsets: [0, 15.5] } }, data), /tensor "w" is not valid: data_offsets/],
    ['an unknown field', fileFromHeader({ w: { ...good.w, extra: 1 } }, data), /tensor "w" is not valid/],
    ['offsets past the data', fileFromHeader({ w: { ...good.w, data_offsets: [16, 32] } }, data), /\[16, 32\] are outside the 16-byte data section/],
    ['offsets reversed', fileFromHeader({ w: { ...good.w, data_offsets: [16, 0] } }, data), /outside the 16-byte data section/],
    ['byte count not the shape\'s', fileFromHeader({ w: { ...good.w, shape: [2, 3] } }, data), /shape \[2, 3\] of F32 needs 24 bytes but data_offsets give 16/],
    ['huge shape', fileFromHeader({ w: { ...good.w, shape: [2 ** 40, 2 ** 40] } }, data), /needs Infinity bytes/],
    ['overlapping tensors', fileFromHeader({ a: { ...good.w, shape: [2], data_offsets: [0, 8] }, b: { ...good.w, shape: [2], data_offsets: [4, 12] } }, data), /"a" and "b" overlap/],
    ['metadata not strings', fileFromHeader({ __metadata__: { ss_network_dim: 4 }, ...good }, data), /__metadata__ is not valid: ss_network_dim/],
  ];
  it.each(cases)('%s', (_what, bytes, message) => {
    expect(() => parseSafetensors(bytes, 'x.safetensors')).toThrow(message);
    expect(() => lora(bytes)).toThrow(message);
  });

  it('LoRA modules: unreadable dtype, rank mismatch, bad shapes, non-finite values, alpha of two values', () => {
    const base = 'lora_unet_input_blocks_4_1_proj_in';
    const mk = (down: ReturnType<typeof f32Tensor>, up: ReturnType<typeof f32Tensor>, alpha = f32Tensor([], [2])) =>
      buildSafetensors({ [`${base}.alpha`]: alpha, [`${base}.lora_down.weight`]: down, [`${base}.lora_up.weight`]: up });
    const d = f32Tensor([4, 8], new Float32Array(32));
    const u = f32Tensor([8, 4], new Float32Array(32));
    expect(() => lora(mk(d, u))).not.toThrow();
    expect(() => lora(mk({ dtype: 'I64' as 'F32', shape: [4, 8], bytes: new Uint8Array(256) }, u))).toThrow(/lora_down.weight" has dtype I64; only F32, F16 and BF16/);
    expect(() => lora(mk(d, f32Tensor([8, 3], new Float32Array(24))))).toThrow(/disagree on the rank/);
    expect(() => lora(mk(f32Tensor([4, 8, 1], new Float32Array(32)), u))).toThrow(/down must be \[rank, in\]/);
    expect(() => lora(mk(d, f32Tensor([8, 4, 3, 3], new Float32Array(288))))).toThrow(/up must be \[out, rank\]/);
    expect(() => lora(mk(f32Tensor([4, 8], [...new Float32Array(31), NaN]), u))).toThrow(/lora_down.weight" holds NaN at index 31/);
    expect(() => lora(mk(d, u, f32Tensor([2], [1, 2])))).toThrow(/\.alpha" must hold one value, not 2/);
    expect(() => lora(mk(d, u, f32Tensor([], [Infinity])))).toThrow(/holds Infinity/);
    expect(() => lora(buildSafetensors({ [`${base}.lora_down.weight`]: d, [`unet.down_blocks.1.attentions.0.proj_in.lora_A.weight`]: d }))).toThrow(/both give the down of unet down_blocks\.1\.attentions\.0\.proj_in/);
    expect(() => parseLora(mk(d, u), { layersPerBlock: 0 })).toThrow(/layersPerBlock must be a positive integer/);
  });

  it('a mutated real file parses or is refused with a plain error, never a TypeError or RangeError', () => {
    const file = readAsset('loras/lora_diffusers.safetensors');
    const names = Object.keys(tensorsOf(file));
    expect(names).toHaveLength(102);
    let refused = 0;
    fc.assert(fc.property(
      fc.array(fc.tuple(fc.nat(file.length - 1), fc.nat(255)), { minLength: 1, maxLength: 6 }),
      fc.option(fc.nat(file.length), { freq: 4 }),
      (flips, cut) => {
        const b = file.slice(0, cut ?? file.length);
        for (const [i, v] of flips) if (i < b.length) b[i] = i < 16 ? v : (b[i]! ^ (1 << (v & 7)));
        try {
          lora(b);
        } catch (e) {
          refused++;
          expect(['ModelFileInvalidError', 'Error']).toContain((e as Error).name);
          expect((e as Error).message.length).toBeGreaterThan(10);
        }
      },
    ), fuzzParams(300));
    expect(refused).toBeGreaterThan(30);
  });
});
