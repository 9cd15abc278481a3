// Image sizes read from PNG, JPEG and WebP headers before any decoding, and the limit that refuses a picture that
// claims more pixels than is safe to decode — in the engine, with its own field error (issue 10).
import { readFileSync } from 'node:fs';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { bytesToBase64 } from '../../src/pipeline/base64';
import { MAX_IMAGE_PIXELS, MAX_IMAGE_SIDE, imageProblem, maskMismatch, readImageHeader } from '../../src/pipeline/image-header';
import { nodeEngine } from './node-model';
import { modelDir, testDataDir } from './reference';

const bytes = (...parts: (number[] | string)[]) => Uint8Array.from(parts.flatMap((p) => (typeof p === 'string' ? [...p].map((c) => c.charCodeAt(0)) : p)));
const u32be = (v: number) => [(v >>> 24) & 255, (v >>> 16) & 255, (v >>> 8) & 255, v & 255];
const u24le = (v: number) => [v & 255, (v >> 8) & 255, (v >> 16) & 255];
/** Just a PNG signature and IHDR chunk: what a 196-byte "30000×30000" file starts with. */
const pngHeader = (w: number, h: number) => bytes([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], u32be(13), 'IHDR', u32be(w), u32be(h), [8, 6, 0, 0, 0], [0, 0, 0, 0]);
/** SOI, an APP0 segment, a DHT segment (C4: not a frame header), then SOF2 with the frame size. */
const jpegHeader = (w: number, h: number) => bytes([0xff, 0xd8, 0xff, 0xe0, 0, 16], 'JFIF', [0, 1, 1, 0, 0, 1, 0, 1, 0, 0],
  [0xff, 0xc4, 0, 5, 0, 0, 0], [0xff, 0xc2, 0, 11, 8, h >> 8, h & 255, w >> 8, w & 255, 1, 1, 0x11, 0]);

describe('image headers', () => {
  it('reads PNG sizes from IHDR', () => {
    const png = new PNG({ width: 37, height: 21 });
    expect(readImageHeader(new Uint8Array(PNG.sync.write(png)))).toEqual({ format: 'png', width: 37, height: 21 });
    expect(readImageHeader(new Uint8Array(readFileSync(`${testDataDir}reference/images/init_image.png`)))).toMatchObject({ format: 'png', width: 64, height: 64 });
  });

  it('reads JPEG sizes from the frame header, skipping other segments', () => {
    expect(readImageHeader(jpegHeader(512, 336))).toEqual({ format: 'jpeg', width: 512, height: 336 });
  });

  it('reads WebP sizes from VP8X, VP8L and VP8 chunks', () => {
    const riff = (chunk: string, body: number[]) => bytes('RIFF', [0, 0, 0, 0], 'WEBP', chunk, [body.length, 0, 0, 0], body);
    expect(readImageHeader(riff('VP8X', [0, 0, 0, 0, ...u24le(1919), ...u24le(1079)]))).toEqual({ format: 'webp', width: 1920, height: 1080 });
    const bits = (300 - 1) | ((200 - 1) << 14);
    expect(readImageHeader(riff('VP8L', [0x2f, bits & 255, (bits >> 8) & 255, (bits >> 16) & 255, (bits >>> 24) & 255]))).toEqual({ format: 'webp', width: 300, height: 200 });
    expect(readImageHeader(riff('VP8 ', [0, 0, 0, 0x9d, 0x01, 0x2a, 640 & 255, 640 >> 8, 480 & 255, 480 >> 8]))).toEqual({ format: 'webp', width: 640, height: 480 });
  });

  it('says what is wrong: not an image, or too large — with the claimed size and the limits', () => {
    expect(imageProblem(bytesToBase64(bytes('GIF89a', [1, 0, 1, 0])))).toMatch(/not a PNG, JPEG or WebP/);
    expect(imageProblem('%%%%%%%%')).toMatch(/not base64/);
    expect(imageProblem(bytesToBase64(pngHeader(8192, 8192)))).toBeUndefined();
    expect(imageProblem(`data:image/png;base64,${bytesToBase64(pngHeader(30000, 30000))}`)).toMatch(/30000×30000 pixels/);
    expect(imageProblem(bytesToBase64(pngHeader(16000, 16000)))).toMatch(new RegExp(`${MAX_IMAGE_PIXELS / 1048576} megapixels`));
    expect(imageProblem(bytesToBase64(pngHeader(MAX_IMAGE_SIDE + 1, 8)))).toMatch(/at most 16384 px on a side/);
    expect(imageProblem(bytesToBase64(jpegHeader(20000, 100)))).toMatch(/20000×100 pixels \(jpeg\)/);
  });
});

describe('a mask and its picture', () => {
  const png = (width: number, height: number) => ({ format: 'png' as const, width, height });
  it('go together at the same aspect ratio (any size), not at another one', () => {
    expect(maskMismatch(png(64, 64), png(64, 64))).toBeUndefined();
    expect(maskMismatch(png(1024, 768), png(512, 384))).toBeUndefined();
    expect(maskMismatch(png(1023, 768), png(512, 384))).toBeUndefined(); // a pixel of rounding
    expect(maskMismatch(png(64, 64), png(128, 64))).toMatch(/mask_image is 128×64 but init_image is 64×64/);
  });

  it('the engine refuses a mask of another aspect ratio on mask_image, before running anything', async () => {
    const engine = nodeEngine();
    expect((await engine.loadModel(modelDir)).ok).toBe(true);
    const init = bytesToBase64(new Uint8Array(readFileSync(`${testDataDir}reference/images/init_image.png`)));
    const wide = new PNG({ width: 128, height: 64 });
    wide.data.fill(255);
    const r = await engine.generate('mismatch', { prompt: 'x', width: 64, height: 64, steps: 1, init_image: init, mask_image: bytesToBase64(new Uint8Array(PNG.sync.write(wide))) });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.detail).toEqual([expect.objectContaining({ loc: ['body', 'mask_image'], msg: expect.stringContaining('aspect ratio') })]);
  });
});

describe('the engine refuses an oversized picture before decoding it', () => {
  it('answers a field error on init_image or mask_image at once', async () => {
    const engine = nodeEngine();
    expect((await engine.loadModel(modelDir)).ok).toBe(true);
    const huge = bytesToBase64(pngHeader(30000, 30000));
    const init = bytesToBase64(new Uint8Array(readFileSync(`${testDataDir}reference/images/init_image.png`)));
    const started = performance.now();
    const a = await engine.generate('big-init', { prompt: 'x', width: 64, height: 64, steps: 1, init_image: huge });
    const b = await engine.generate('big-mask', { prompt: 'x', width: 64, height: 64, steps: 1, init_image: init, mask_image: huge });
    expect(performance.now() - started).toBeLessThan(5000);
    for (const [r, field] of [[a, 'init_image'], [b, 'mask_image']] as const) {
      expect(r.ok).toBe(false);
      if (r.ok) continue;
      expect(r.error.code).toBe('invalid_request');
      expect(r.error.detail).toEqual([expect.objectContaining({ loc: ['body', field], type: 'image_too_large' })]);
      expect(r.error.detail![0]!.msg).toContain('30000×30000');
    }
  });
});
