// Byte-level helpers: base64 for image_b64, float16 conversion for fp16 models, and seed resolution.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { base64ToBytes, bytesToBase64 } from '../../src/pipeline/base64';
import { resolveSeeds } from '../../src/pipeline/seeds';
import { fromHalf, toHalf } from '../../src/pipeline/float16';

describe('bytesToBase64', () => {
  it('equals Node’s encoder for any bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 20_000 }), (bytes) => bytesToBase64(bytes) === Buffer.from(bytes).toString('base64')));
  });
});

describe('base64ToBytes', () => {
  it('inverts the encoder, with or without a data: prefix and line breaks', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 5000 }), (bytes) => {
      const b64 = bytesToBase64(bytes);
      return Buffer.from(base64ToBytes(b64)).equals(Buffer.from(bytes))
        && Buffer.from(base64ToBytes(`data:image/png;base64,${b64.replace(/(.{76})/g, '$1\n')}`)).equals(Buffer.from(bytes));
    }));
  });
  it('rejects what is not base64', () => {
    expect(() => base64ToBytes('ab$d')).toThrow(/invalid base64 character/);
    expect(() => base64ToBytes('abcde')).toThrow(/length/);
    expect(() => base64ToBytes('data:image/png,rawtext')).toThrow(/base64-encoded/);
  });
});

describe('float16', () => {
  it('round-trips every half value exactly', () => {
    for (let h = 0; h < 0x10000; h++) {
      const v = fromHalf(h);
      if (Number.isNaN(v)) expect(Number.isNaN(fromHalf(toHalf(v)))).toBe(true);
      else expect(toHalf(v), `0x${h.toString(16)}`).toBe(h);
    }
  });
  it('rounds to nearest even and saturates to infinity', () => {
    expect(fromHalf(toHalf(1 + 2 ** -11))).toBe(1); // halfway → even
    expect(fromHalf(toHalf(1 + 3 * 2 ** -11))).toBe(1 + 2 ** -9);
    expect(fromHalf(toHalf(70000))).toBe(Infinity);
    expect(fromHalf(toHalf(2 ** -25))).toBe(0);
  });
});

describe('resolveSeeds', () => {
  it('gives N, N+1, … for a single seed, wrapping at 2^32', () => {
    expect(resolveSeeds(7, 3, () => 0)).toEqual([7, 8, 9]);
    expect(resolveSeeds(2 ** 32 - 1, 2, () => 0)).toEqual([2 ** 32 - 1, 0]);
  });
  it('uses a seed list as given and draws a random base seed when none is given', () => {
    expect(resolveSeeds([5, 3], 2, () => 0)).toEqual([5, 3]);
    expect(resolveSeeds(undefined, 2, () => 100)).toEqual([100, 101]);
  });
});
