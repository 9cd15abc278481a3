// Tiled VAE encode (diffusers' tiled_encode): the tile geometry checked exactly with a local encoder (an 8×8 block
// mean, which every tile computes as the whole image does, so only a wrong cut or placement can make them differ),
// then the tiny fixture VAE's encoder tiled against whole, and the engine option on an image-to-image request.
import { describe, expect, it } from 'vitest';
import type { ModelRunner } from '../../src/pipeline/runners';
import type { Tensor } from '../../src/pipeline/tensor';
import { imageToTensor } from '../../src/pipeline/image-tensors';
import { encodeTiled } from '../../src/pipeline/vae-tiled-encode';
import { decodePng, nodeEngine, tinyModel } from './node-model';
import { loadReference, maxAbsDiff, rgbaFromHwc } from './reference';

/** An "encoder" whose every latent depends only on its own 8×8 pixel block: moments = (block means, half of them). */
function blockMeanEncoder(calls: number[][]): ModelRunner {
  return {
    inputs: [{ name: 'sample', type: 'float32', dims: [1, 3, 'h', 'w'] }],
    outputs: [{ name: 'latent_parameters', type: 'float32', dims: [1, 8, 'h/8', 'w/8'] }],
    async run(feeds: Record<string, Tensor>) {
      const t = feeds.sample!;
      const [, , H, W] = t.dims as [number, number, number, number];
      calls.push([H, W]);
      const [h, w] = [H / 8, W / 8];
      const px = t.data as Float32Array;
      const out = new Float32Array(8 * h * w);
      for (let c = 0; c < 4; c++) {
        for (let y = 0; y < h; y++) {
          for (let x = 0; x < w; x++) {
            let s = 0;
            for (let dy = 0; dy < 8; dy++) for (let dx = 0; dx < 8; dx++) s += px[((c % 3) * H + y * 8 + dy) * W + x * 8 + dx]! * (c === 3 ? -1 : 1);
            out[(c * h + y) * w + x] = Math.fround(s / 64);
            out[((c + 4) * h + y) * w + x] = Math.fround(s / 128);
          }
        }
      }
      return { latent_parameters: { type: 'float32', data: out, dims: [1, 8, h, w] } };
    },
  };
}

const pattern = (width: number, height: number) => {
  const px = new Float32Array(3 * width * height);
  for (let i = 0; i < px.length; i++) px[i] = Math.fround(Math.sin(i * 0.37) * Math.cos(i * 0.011));
  return px;
};

describe('tiled VAE encode: geometry', () => {
  it.each([[64, 64, 4, 9], [96, 64, 8, 4], [128, 64, 4, 18], [256, 256, 16, 9]])('%i×%i in tiles of %i latents: %i calls, each a tile of the right size, and the same moments as the whole image', async (width, height, tile, tiles) => {
    const calls: number[][] = [];
    const enc = blockMeanEncoder(calls);
    const px = pattern(width, height);
    const whole = await enc.run({ sample: { type: 'float32', data: px, dims: [1, 3, height, width] } });
    calls.length = 0;
    const tiled = await encodeTiled(enc, px, height, width, { tileLatent: tile, scale: 8 });
    expect(tiled.tiles).toBe(tiles);
    expect(calls.length).toBe(tiles);
    for (const [h, w] of calls) {
      expect(h).toBeLessThanOrEqual(tile * 8);
      expect(w).toBeLessThanOrEqual(tile * 8);
    }
    expect(tiled.dims).toEqual([1, 8, height / 8, width / 8]);
    // Blending equal values changes them by at most a rounding step.
    expect(maxAbsDiff(tiled.moments, whole.latent_parameters!.data as Float32Array)).toBeLessThan(1e-6);
  });

  it('refuses a size that is not a whole number of latents', async () => {
    await expect(encodeTiled(blockMeanEncoder([]), pattern(60, 64), 64, 60, { tileLatent: 4, scale: 8 })).rejects.toThrow(/multiple of 8 pixels/);
  });
});

// Measured on the random-weight tiny VAE with the reference init image (64², moments' mean half within ±0.98):
// tiles of 4 latents (32 px, 9 tiles): max 0.89, mean 0.171 — the same tolerances as the tiled decode (tiles see only
// their own pixels: zero padding at their borders, GroupNorm and attention over the tile alone).
const TILED_MAX_ABS = 1.0;
const TILED_MEAN_ABS = 0.2;

async function initPixels() {
  const ref = loadReference<{ cases: { tensors: Record<string, string> }[] }>('img2img');
  const init = ref.tensor(ref.index.cases[0]!.tensors.init_image_uint8_hwc!);
  const [h, w] = init.shape as [number, number, number];
  return { h, w, px: imageToTensor(rgbaFromHwc(init.data as Uint8Array, w, h, 3)) };
}

describe('tiled VAE encode on the tiny model', { timeout: 600_000 }, () => {
  it('in 32 px tiles it stays within the tolerance of the whole encode; a one-tile encode is bit-identical', async () => {
    const { components: c } = await tinyModel();
    const enc = c.vaeEncoder!;
    const { h, w, px } = await initPixels();
    const whole = Object.values(await enc.run({ [enc.inputs[0]!.name]: { type: 'float32', data: px, dims: [1, 3, h, w] } }, [enc.outputs[0]!.name]))[0]!.data as Float32Array;
    const tiled = await encodeTiled(enc, px, h, w, { tileLatent: 4, scale: 8 });
    expect(tiled.tiles).toBe(9);
    const n = tiled.moments.length / 2; // the mean half: what the latents are drawn around
    let sum = 0;
    for (let i = 0; i < n; i++) sum += Math.abs(tiled.moments[i]! - whole[i]!);
    expect(maxAbsDiff(tiled.moments.subarray(0, n), whole.subarray(0, n))).toBeLessThanOrEqual(TILED_MAX_ABS);
    expect(sum / n).toBeLessThanOrEqual(TILED_MEAN_ABS);
    expect(sum / n, 'tiling must actually change something here').toBeGreaterThan(0);
    // A 12-latent tile strides 9: the 8-latent image is one tile, and the tiled path gives the whole encode's bytes.
    const one = await encodeTiled(enc, px, h, w, { tileLatent: 12, scale: 8 });
    expect(one.tiles).toBe(1);
    expect(one.moments).toEqual(whole);
  });

  it('the engine option vaeTiling tiles an image-to-image request’s encode as well as its decode, and says so in stats', async () => {
    const engine = nodeEngine();
    const { modelDir } = await import('./reference');
    expect((await engine.loadModel(modelDir)).ok).toBe(true);
    const { testDataDir } = await import('./reference');
    const { default: sharp } = await import('sharp');
    // The reference init picture at 128², so that 64 px tiles (9 of them) are a fair test of tiling.
    const init = (await sharp(`${testDataDir}reference/images/init_image.png`).resize(128, 128, { kernel: 'lanczos3' }).png().toBuffer()).toString('base64');
    const body = { prompt: 'a red fox in the snow', width: 128, height: 128, steps: 4, strength: 0.5, cfg_scale: 1, seed: 5, init_image: init };
    const whole = await engine.generate('a', body);
    expect(engine.lastStats()?.vae_tiles).toBeUndefined();
    const tiled = await engine.generate('b', body, undefined, { vaeTiling: { tileSize: 64 } });
    expect(engine.lastStats()?.vae_tiles).toEqual({ tile_px: 64, calls: 9, encoder_calls: 9 });
    if (!whole.ok || !tiled.ok) throw new Error('generation failed');
    const [a, b] = [decodePng(whole.value.images[0]!.image_b64), decodePng(tiled.value.images[0]!.image_b64)];
    // Measured: max 101, RGB mean 11.7 uint8 steps — the tiles' differences in the latents, carried through 2 denoising
    // steps of the random UNet, plus the tiled decode's own.
    let sum = 0;
    for (let i = 0; i < a.rgba.length; i++) if (i % 4 !== 3) sum += Math.abs(a.rgba[i]! - b.rgba[i]!);
    const max = maxAbsDiff(a.rgba, b.rgba);
    expect(max).toBeGreaterThan(0);
    expect(max).toBeLessThanOrEqual(Math.ceil(TILED_MAX_ABS * 127.5));
    expect(sum / (a.rgba.length * 0.75)).toBeLessThanOrEqual(16);
  });
});
