// Tiled VAE decode and encode on the real WebGPU EP (SwiftShader here), forced by the engine option vaeTiling: {tileSize}.
import { expect, test } from '@playwright/test';
import { AppPage, referencePngBase64 } from './app-page';
import { nodeReferencePng } from './node-reference';

// WebGPU (SwiftShader) against the Node/wasm engine running the same tiled decode: the usual kernel rounding.
const SAME_ALGORITHM_TOLERANCE = 3;
// Tiled against whole, from tests/unit/vae-tiled-vs-full.test.ts: decoder output within 1.0 (127.5 of 255 steps) on the
// random-weight tiny VAE with 32 px tiles, plus the kernel rounding above.
const TILED_VS_WHOLE_TOLERANCE = 128 + SAME_ALGORITHM_TOLERANCE;

// Nine tiles in four shapes: SwiftShader compiles the decoder's shaders once per shape.
test.setTimeout(900_000);

test('a 64×64 image decoded in 32 px tiles equals the Node engine\'s tiled decode and stays near the whole decode', async ({ page }) => {
  const app = new AppPage(page);
  await app.open();
  expect((await page.evaluate(() => window.sdxl.adapter())).provider).toBe('webgpu');
  const body = { prompt: 'a red fox in the snow', width: 64, height: 64, steps: 2, cfg_scale: 1, seed: 5 };
  const response = await page.evaluate((b) => window.sdxl.generate(b, { vaeTiling: { tileSize: 32 } }), body);
  const stats = (await page.evaluate(() => window.sdxl.stats()))!;
  expect(stats.provider).toBe('webgpu');
  expect(stats.vae_tiles).toEqual({ tile_px: 32, calls: 9 });
  const image = response.images[0]!.image_b64;

  const sameAlgorithm = await app.pixelDiff(image, await nodeReferencePng(body, { vaeTiling: { tileSize: 32 } }));
  expect(sameAlgorithm.max, JSON.stringify(sameAlgorithm)).toBeLessThanOrEqual(SAME_ALGORITHM_TOLERANCE);
  const whole = await app.pixelDiff(image, await nodeReferencePng(body));
  expect(whole.max, JSON.stringify(whole)).toBeLessThanOrEqual(TILED_VS_WHOLE_TOLERANCE);
  expect(whole.over1, 'the tiles must change pixels, or nothing was tiled').toBeGreaterThan(0);

  // A tile size that breaks the rule is a field error, not a crash.
  const error = await page.evaluate((b) => window.sdxl.generate(b, { vaeTiling: { tileSize: 40 } }).then(() => undefined, (e: { code: string; detail: unknown }) => ({ code: e.code, detail: e.detail })), body);
  expect(error).toMatchObject({ code: 'invalid_request', detail: [{ loc: ['options', 'vaeTiling', 'tileSize'] }] });
});

test('image-to-image in 32 px tiles encodes and decodes tile by tile, equal to the Node engine doing the same', async ({ page }) => {
  const app = new AppPage(page);
  await app.open();
  const body = { prompt: 'an oil painting of a mountain village', width: 64, height: 64, steps: 4, cfg_scale: 1, seed: 5, strength: 0.6, init_image: referencePngBase64('init_image.png') };
  const response = await page.evaluate((b) => window.sdxl.generate(b, { vaeTiling: { tileSize: 32 } }), body);
  expect((await page.evaluate(() => window.sdxl.stats()))!.vae_tiles).toEqual({ tile_px: 32, calls: 9, encoder_calls: 9 });
  const image = response.images[0]!.image_b64;
  const sameAlgorithm = await app.pixelDiff(image, await nodeReferencePng(body, { vaeTiling: { tileSize: 32 } }));
  expect(sameAlgorithm.max, JSON.stringify(sameAlgorithm)).toBeLessThanOrEqual(SAME_ALGORITHM_TOLERANCE);
  const whole = await app.pixelDiff(image, await nodeReferencePng(body));
  expect(whole.over1, 'the tiles must change pixels, or nothing was tiled').toBeGreaterThan(0);
});
