// Tiled against whole VAE decode on the tiny fixture VAE (onnxruntime-web wasm in Node), with tiles forced small.
// Tiling is not exact: each tile's decoder sees only its own latents (zero padding at its borders, GroupNorm statistics
// and mid-block attention over the tile alone), so pixels differ most in the blended seams and somewhat everywhere.
// Measured on this random-weight VAE (decoder output std 0.38, range ±2.4), 2-step seed-5 images:
//   64² tile 32 px (9 tiles): max 0.94, mean 0.164 · 128² tile 64 px: max 0.53, mean 0.066 · 96×64 tile 64 px: max 0.58,
//   mean 0.054 · 256² tile 128 px: max 0.28, mean 0.029 — shrinking as the tiles grow; identical with one tile.
import { describe, expect, it } from 'vitest';
import { generate } from '../../src/pipeline/generate';
import { decodeLatents } from '../../src/pipeline/vae-decode';
import { decodeTiled } from '../../src/pipeline/vae-tiled-decode';
import { planTiles } from '../../src/pipeline/vae-tiles';
import { decodePng, nodeEngine, tinyModel } from './node-model';

/** Tolerances of a tiled decode against the whole one (decoder output units, [-1, 1] = black to white). */
export const TILED_MAX_ABS = 1.0;
const TILED_MEAN_ABS = { tiny: 0.2, normal: 0.075 }; // tiles of 4 latents (32 px) / of 8 latents (64 px) and more

function diff(a: Float32Array, b: Float32Array) {
  let max = 0;
  let sum = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    max = Math.max(max, d);
    sum += d;
  }
  return { max, mean: sum / a.length };
}

async function image(width: number, height: number) {
  const { components: c } = await tinyModel();
  const req = { prompt: 'a red fox in the snow', width, height, steps: 2, cfg_scale: 1, sampler: 'K_EULER', seed: 5, num_images: 1 } as const;
  const { images: [img] } = await generate(c, req, { randomSeed: () => 0 });
  // The CPU loop (wasm, no device loop) always returns the final latents and the decoder's raw output.
  return { c, img: { ...img!, finalLatents: img!.finalLatents!, decoderSample: img!.decoderSample! }, dims: [1, 4, height / 8, width / 8] };
}

// Each case runs a generation and several decodes: generous on a busy 2-core machine (the first also loads the model).
describe('tiled VAE decode on the tiny model', { timeout: 600_000 }, () => {
  it.each([[64, 64, 4, 9], [128, 128, 8, 9], [96, 64, 8, 4], [256, 256, 16, 9]])('%i×%i in tiles of %i latents (%i tiles) stays within the tolerance of the whole decode', async (width, height, tile, tiles) => {
    const { c, img, dims } = await image(width, height);
    const tiled = await decodeLatents(c.vaeDecoder, img.finalLatents, dims, c.vaeScalingFactor, { tileLatent: tile, scale: 8 });
    expect([tiled.tiles, tiled.width, tiled.height]).toEqual([tiles, width, height]);
    const d = diff(tiled.sample, img.decoderSample);
    expect(d.max).toBeLessThanOrEqual(TILED_MAX_ABS);
    expect(d.mean).toBeLessThanOrEqual(tile < 8 ? TILED_MEAN_ABS.tiny : TILED_MEAN_ABS.normal);
    expect(d.mean, 'tiling must actually change something here').toBeGreaterThan(0);
  });

  it('a latent no larger than the tile decodes whole, and a one-tile tiled decode is bit-identical to it', async () => {
    const { c, img, dims } = await image(64, 64);
    const skipped = await decodeLatents(c.vaeDecoder, img.finalLatents, dims, c.vaeScalingFactor, { tileLatent: 8, scale: 8 });
    expect(skipped.tiles).toBeUndefined();
    expect(skipped.sample).toEqual(img.decoderSample);
    const scaled = img.finalLatents.map((x) => Math.fround(x / Math.fround(c.vaeScalingFactor)));
    // A 12-latent tile strides 9: the 8-latent image is one tile (diffusers never tiles that; the tiled path agrees).
    const one = await decodeTiled(c.vaeDecoder, scaled, dims, { tileLatent: 12, scale: 8 });
    expect(one.tiles).toBe(1);
    expect(one.sample).toEqual(img.decoderSample);
  });

  it('differs less as tiles grow, and most in the blended seams', async () => {
    const { c, img, dims } = await image(256, 256);
    const means: number[] = [];
    for (const tile of [8, 16, 24]) {
      const t = await decodeLatents(c.vaeDecoder, img.finalLatents, dims, c.vaeScalingFactor, { tileLatent: tile, scale: 8 });
      means.push(diff(t.sample, img.decoderSample).mean);
      if (tile !== 16) continue;
      const p = planTiles(32, 32, tile, 8);
      const inSeam = (v: number) => v >= p.rowLimit && v % p.rowLimit < p.blendExtent;
      const sums: Record<'seam' | 'rest', [number, number]> = { seam: [0, 0], rest: [0, 0] };
      for (let i = 0; i < t.sample.length; i++) {
        const y = Math.floor(i / 256) % 256;
        const x = i % 256;
        const s = inSeam(y) || inSeam(x) ? sums.seam : sums.rest;
        s[0] += Math.abs(t.sample[i]! - img.decoderSample[i]!);
        s[1]++;
      }
      expect(sums.seam[0] / sums.seam[1]).toBeGreaterThan(sums.rest[0] / sums.rest[1]);
    }
    expect(means[0]!).toBeGreaterThan(means[1]!);
    expect(means[1]!).toBeGreaterThan(means[2]!);
  });
});

describe('the engine option vaeTiling', { timeout: 600_000 }, () => {
  it('{tileSize: 32} decodes a 64×64 image in 9 tiles, within the tolerance of the whole decode, and says so in stats', async () => {
    const engine = nodeEngine();
    const { modelDir } = await import('./reference');
    expect((await engine.loadModel(modelDir)).ok).toBe(true);
    const body = { prompt: 'a red fox in the snow', width: 64, height: 64, steps: 2, cfg_scale: 1, seed: 5 };
    const whole = await engine.generate('a', body);
    expect(engine.lastStats()?.vae_tiles).toBeUndefined();
    const tiled = await engine.generate('b', body, undefined, { vaeTiling: { tileSize: 32 } });
    expect(engine.lastStats()?.vae_tiles).toEqual({ tile_px: 32, calls: 9 });
    if (!whole.ok || !tiled.ok) throw new Error('generation failed');
    const [a, b] = [decodePng(whole.value.images[0]!.image_b64), decodePng(tiled.value.images[0]!.image_b64)];
    let max = 0;
    for (let i = 0; i < a.rgba.length; i++) max = Math.max(max, Math.abs(a.rgba[i]! - b.rgba[i]!));
    expect(max).toBeGreaterThan(0);
    expect(max).toBeLessThanOrEqual(Math.ceil(TILED_MAX_ABS * 127.5));

    const bad = await engine.generate('c', body, undefined, { vaeTiling: { tileSize: 40 } });
    expect(bad.ok ? undefined : bad.error).toMatchObject({ code: 'invalid_request', detail: [{ loc: ['options', 'vaeTiling', 'tileSize'] }] });
  });
});
