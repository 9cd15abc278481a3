// Property tests over the image-header reader: built PNG/JPEG/WebP headers give back exactly their size, mutated real
// headers and random bytes give a size or none, and the size limit refuses exactly what it documents; nothing throws.
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bytesToBase64 } from '../../src/pipeline/base64';
import { MAX_IMAGE_PIXELS, MAX_IMAGE_SIDE, base64ImageHeader, imageProblem, readImageHeader, type ImageHeader } from '../../src/pipeline/image-header';
import { fuzzParams, reportCounts } from './fuzz-config';
import { testDataDir } from './reference';

const CASES = 3_000;
const png = new Uint8Array(readFileSync(`${testDataDir}reference/images/init_image.png`));

const u32be = (v: number) => [(v >>> 24) & 255, (v >>> 16) & 255, (v >>> 8) & 255, v & 255];
const u16be = (v: number) => [(v >> 8) & 255, v & 255];
const u24le = (v: number) => [v & 255, (v >> 8) & 255, (v >> 16) & 255];
const ascii = (s: string) => [...s].map((c) => c.charCodeAt(0));
const segment = (marker: number, body: number[]) => [0xff, marker, ...u16be(body.length + 2), ...body];

/** A header of each kind for a given size, with the JPEG's frame header behind some other segments. */
const headers = {
  png: (w: number, h: number) => Uint8Array.from([0x89, ...ascii('PNG\r\n\x1a\n'), 0, 0, 0, 13, ...ascii('IHDR'), ...u32be(w), ...u32be(h), 8, 6, 0, 0, 0]),
  jpeg: (w: number, h: number, extra: number[][]) => Uint8Array.from([
    0xff, 0xd8, ...extra.flatMap((body, i) => segment([0xe0, 0xe1, 0xdb, 0xc4, 0xfe][i % 5]!, body)),
    ...segment(0xc0, [8, ...u16be(h), ...u16be(w), 3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1]), 0xff, 0xd9,
  ]),
  vp8x: (w: number, h: number) => Uint8Array.from([...ascii('RIFF'), 0, 0, 0, 0, ...ascii('WEBPVP8X'), 10, 0, 0, 0, 0, 0, 0, 0, ...u24le(w - 1), ...u24le(h - 1)]),
  vp8l: (w: number, h: number) => {
    const bits = ((w - 1) & 0x3fff) | (((h - 1) & 0x3fff) << 14);
    return Uint8Array.from([...ascii('RIFF'), 0, 0, 0, 0, ...ascii('WEBPVP8L'), 5, 0, 0, 0, 0x2f, bits & 255, (bits >>> 8) & 255, (bits >>> 16) & 255, (bits >>> 24) & 255]);
  },
  vp8: (w: number, h: number) => Uint8Array.from([...ascii('RIFF'), 0, 0, 0, 0, ...ascii('WEBPVP8 '), 10, 0, 0, 0, 0, 0, 0, 0x9d, 0x01, 0x2a, w & 255, w >> 8, h & 255, h >> 8]),
};

/** What the documented limit says about a size: no side over 16384 px, at most 64 megapixels, no empty side. */
const refused = (w: number, h: number) => w === 0 || h === 0 || w > MAX_IMAGE_SIDE || h > MAX_IMAGE_SIDE || w * h > MAX_IMAGE_PIXELS;

const built = fc.oneof(
  fc.tuple(fc.constant('png' as const), fc.oneof(fc.nat({ max: 20_000 }), fc.nat({ max: 2 ** 32 - 1 })), fc.oneof(fc.nat({ max: 20_000 }), fc.nat({ max: 2 ** 32 - 1 }))),
  fc.tuple(fc.constant('jpeg' as const), fc.nat({ max: 65_535 }), fc.nat({ max: 65_535 })),
  fc.tuple(fc.constant('vp8x' as const), fc.integer({ min: 1, max: 2 ** 24 }), fc.integer({ min: 1, max: 2 ** 24 })),
  fc.tuple(fc.constant('vp8l' as const), fc.integer({ min: 1, max: 16_384 }), fc.integer({ min: 1, max: 16_384 })),
  fc.tuple(fc.constant('vp8' as const), fc.nat({ max: 16_383 }), fc.nat({ max: 16_383 })),
);

/** The reader's answer must be absent or a whole, non-negative size of a known format. */
function checkHeader(h: ImageHeader | undefined): void {
  if (h === undefined) return;
  expect(['png', 'jpeg', 'webp']).toContain(h.format);
  expect(Number.isSafeInteger(h.width) && h.width >= 0 && Number.isSafeInteger(h.height) && h.height >= 0, JSON.stringify(h)).toBe(true);
}

/** imageProblem on the base64 agrees with the header and the documented limit. */
function checkProblem(b64: string): 'accepted' | 'refused' {
  const header = base64ImageHeader(b64);
  const problem = imageProblem(b64);
  if (typeof header === 'string') {
    expect(problem).toBe(header);
    return 'refused';
  }
  checkHeader(header);
  expect(problem === undefined).toBe(!refused(header.width, header.height));
  return problem === undefined ? 'accepted' : 'refused';
}

describe('image header fuzz', () => {
  it(`built headers give back exactly their size, and the limit refuses exactly what it documents (${CASES} cases)`, () => {
    const counts = { accepted: 0, refused: 0 };
    fc.assert(fc.property(built, fc.array(fc.array(fc.nat({ max: 255 }), { maxLength: 300 }), { maxLength: 4 }), ([kind, w, h], extra) => {
      const bytes = kind === 'jpeg' ? headers.jpeg(w, h, extra) : headers[kind](w, h);
      expect(readImageHeader(bytes)).toEqual({ format: kind === 'png' || kind === 'jpeg' ? kind : 'webp', width: w, height: h });
      counts[checkProblem(bytesToBase64(bytes))]++;
    }), fuzzParams(CASES));
    reportCounts('image-header-built', { cases: CASES, ...counts });
    expect(counts.accepted).toBeGreaterThan(CASES / 10);
    expect(counts.refused).toBeGreaterThan(CASES / 10);
  });

  const seeds = [png, headers.jpeg(640, 480, [[0x4a, 0x46, 0x49, 0x46, 0]]), headers.vp8x(1024, 768), headers.vp8l(300, 200), headers.vp8(64, 64)];
  const mutation = fc.oneof(
    fc.array(fc.tuple(fc.nat({ max: 63 }), fc.nat({ max: 7 })), { minLength: 1, maxLength: 8 }).map((flips) => (b: Uint8Array) => {
      const out = b.slice();
      for (const [p, bit] of flips) if (out.length > 0) out[p % out.length]! ^= 1 << bit;
      return out;
    }),
    fc.nat({ max: 64 }).map((n) => (b: Uint8Array) => b.slice(0, n)),
    fc.tuple(fc.nat({ max: 64 }), fc.uint8Array({ minLength: 1, maxLength: 16 })).map(([at, ins]) => (b: Uint8Array) => Uint8Array.from([...b.subarray(0, at), ...ins, ...b.subarray(at)])),
    fc.tuple(fc.nat({ max: 40 }), fc.constantFrom(0xff, 0x00, 0x7f, 0x80)).map(([at, v]) => (b: Uint8Array) => {
      // A claimed size of all-ones (or zeros) written over part of the header.
      const out = b.slice();
      out.fill(v, Math.min(at, out.length), Math.min(at + 8, out.length));
      return out;
    }),
  );

  it(`mutated real headers and random bytes give a size or none, never an exception (${CASES} cases)`, () => {
    const counts = { accepted: 0, refused: 0 };
    fc.assert(fc.property(
      fc.oneof(
        fc.tuple(fc.nat({ max: seeds.length - 1 }), fc.array(mutation, { minLength: 1, maxLength: 3 })).map(([s, ms]) => ms.reduce((b, m) => m(b), seeds[s]!)),
        fc.uint8Array({ maxLength: 128 }),
      ),
      (bytes) => {
        checkHeader(readImageHeader(bytes));
        counts[checkProblem(bytesToBase64(bytes))]++;
      },
    ), fuzzParams(CASES));
    reportCounts('image-header-mutated', { cases: CASES, ...counts });
    expect(counts.accepted).toBeGreaterThan(0);
  });

  it(`any string as init_image gets a reason or a size, never an exception (${CASES} cases)`, () => {
    const b64char = fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=-_ \n,:;');
    fc.assert(fc.property(
      fc.oneof(fc.string(), fc.string({ unit: b64char, maxLength: 200 }), fc.string({ unit: b64char, maxLength: 100 }).map((s) => `data:image/png;base64,${s}`), fc.string().map((s) => `data:${s}`)),
      (s) => { checkProblem(s); },
    ), fuzzParams(CASES));
  });
});
