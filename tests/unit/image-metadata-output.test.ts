// The engine's images carry their request: PNG `parameters` + `octoai-request` chunks (read by sharp/libvips), JPEG
// EXIF UserComment + COM; each image with its own seed, and the carried request runs again to the same pixels.
import { describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { base64ToBytes } from '../../src/pipeline/base64';
import { readImageTexts } from '../../src/pipeline/image-metadata/image-texts';
import { carriedRequest } from '../../src/schema/image-request';
import { parseA1111Parameters } from '../../src/schema/a1111-parse';
import { Engine } from '../../src/worker/engine';
import { encodeImageNode } from '../../src/node/node-images';
import { nodeEngineDeps } from './node-model';
import { modelDir } from './reference';

describe('generated images carry their request', () => {
  // The CLI's encoder (sharp: PNG and JPEG) in place of the browser's OffscreenCanvas.
  const engine = new Engine({ ...nodeEngineDeps(), encodeImage: encodeImageNode });
  const body = { prompt: 'a cat, "tabby" <x>', negative_prompt: 'blurry', steps: 2, cfg_scale: 1.5, sampler: 'K_EULER_ANCESTRAL', seed: 41, num_images: 2 };

  it('PNG: both chunks, per-image seeds, read by libvips; the JSON request reproduces the image', async () => {
    expect((await engine.loadModel(modelDir)).ok).toBe(true);
    const r = await engine.generate('m1', body);
    if (!r.ok) throw new Error(JSON.stringify(r.error));
    // No num_images: each image's request makes that image alone.
    const expected = { prompt: body.prompt, negative_prompt: 'blurry', steps: 2, cfg_scale: 1.5, sampler: 'K_EULER_ANCESTRAL', width: 64, height: 64, checkpoint: 'octoai:lightning_sdxl' };
    for (const [i, img] of r.value.images.entries()) {
      const bytes = base64ToBytes(img.image_b64);
      // An independent reader: sharp's metadata lists PNG text chunks as comments.
      const { comments } = await sharp(Buffer.from(bytes)).metadata();
      const byKey = Object.fromEntries((comments ?? []).map((c) => [c.keyword, c.text]));
      expect(Object.keys(byKey)).toEqual(['parameters', 'octoai-request']);
      expect(JSON.parse(byKey['octoai-request']!)).toEqual({ ...expected, seed: 41 + i });
      expect(byKey.parameters).toBe(`a cat, "tabby" <x>\nNegative prompt: blurry\nSteps: 2, Sampler: Euler a, CFG scale: 1.5, Seed: ${41 + i}, Size: 64x64, Model: "octoai:lightning_sdxl", Version: sdxl-lightning-web`);
      expect(parseA1111Parameters(byKey.parameters!).request.seed).toBe(41 + i);
      const carried = carriedRequest((await readImageTexts(bytes))!.texts);
      expect(carried).toEqual({ source: 'sdxl-lightning-web', request: { ...expected, seed: 41 + i }, unmapped: [] });
    }
    // The second image's request, run alone, makes the same pixels.
    const again = await engine.generate('m2', carriedRequest((await readImageTexts(base64ToBytes(r.value.images[1]!.image_b64)))!.texts)!.request);
    if (!again.ok) throw new Error(JSON.stringify(again.error));
    const px = (b64: string) => sharp(Buffer.from(base64ToBytes(b64))).raw().toBuffer();
    expect((await px(again.value.images[0]!.image_b64)).equals(await px(r.value.images[1]!.image_b64))).toBe(true);
  });

  it('JPEG: the infotext in EXIF UserComment (read by libvips as Exif), the request in a COM segment', async () => {
    const r = await engine.generate('m3', { ...body, num_images: 1, image_encoding: 'jpeg' });
    if (!r.ok) throw new Error(JSON.stringify(r.error));
    const bytes = base64ToBytes(r.value.images[0]!.image_b64);
    const meta = await sharp(Buffer.from(bytes)).metadata();
    expect(meta.format).toBe('jpeg');
    // libvips found the Exif block; the UserComment in it is "UNICODE\0" + UTF-16BE (big-endian TIFF, as piexif writes).
    const exif = meta.exif!;
    const at = exif.indexOf(Buffer.from('UNICODE\0', 'latin1'));
    expect(exif.subarray(0, 8).toString('latin1')).toBe('Exif\0\0MM');
    expect(exif.subarray(at + 8, at + 8 + 8).swap16().toString('utf16le')).toBe('a ca');
    const texts = (await readImageTexts(bytes))!;
    expect(texts.format).toBe('jpeg');
    expect(texts.texts.parameters).toMatch(/^a cat, "tabby" <x>\nNegative prompt: blurry\nSteps: 2, Sampler: Euler a, CFG scale: 1\.5, Seed: 41,/);
    expect(JSON.parse(texts.texts['octoai-request']!)).toMatchObject({ seed: 41, image_encoding: 'jpeg', prompt: body.prompt });
  });

  it('image-to-image: the picture is not stored, written as null and named when read back', async () => {
    const init = (await sharp({ create: { width: 64, height: 64, channels: 3, background: '#808080' } }).png().toBuffer()).toString('base64');
    const r = await engine.generate('m4', { prompt: 'x', steps: 2, cfg_scale: 1, seed: 5, init_image: init, strength: 0.5 });
    if (!r.ok) throw new Error(JSON.stringify(r.error));
    const texts = (await readImageTexts(base64ToBytes(r.value.images[0]!.image_b64)))!.texts;
    expect(JSON.parse(texts['octoai-request']!)).toMatchObject({ init_image: null, strength: 0.5, seed: 5 });
    expect(texts.parameters).toContain('Denoising strength: 0.5');
    expect(carriedRequest(texts)!.unmapped).toEqual(['init_image (the picture is not stored in the image)']);
  });
});
