// The tile plan and blending of diffusers' tiled_decode: geometry at awkward sizes, the linear blend, and the assembly
// checked with a pointwise "decoder" (where tiling must change nothing).
import { describe, expect, it } from 'vitest';
import type { ModelRunner } from '../../src/pipeline/runners';
import { decodeTiled } from '../../src/pipeline/vae-tiled-decode';
import { blendHorizontal, blendVertical, planTiles, type DecodedTile } from '../../src/pipeline/vae-tiles';

describe('planTiles', () => {
  it('follows diffusers at 64 px with 32 px tiles: stride 3 latents, 8 px blend, 24 px kept', () => {
    const p = planTiles(8, 8, 4, 8);
    expect(p).toMatchObject({ rowStarts: [0, 3, 6], colStarts: [0, 3, 6], rowHeights: [32, 32, 16], blendExtent: 8, rowLimit: 24, height: 64, width: 64 });
  });

  it('cuts edge tiles at sizes that are not multiples of the tile (96×40 px latent 12×5, tile 8)', () => {
    const p = planTiles(5, 12, 8, 8);
    expect(p.rowStarts).toEqual([0]);
    expect(p.rowHeights).toEqual([40]);
    expect(p.colStarts).toEqual([0, 6]);
    expect(p.colWidths).toEqual([64, 48]);
    // The kept parts tile the output exactly: full strides, then what is left of the last tile.
    expect(p.colWidths.map((w) => Math.min(w, p.rowLimit)).reduce((a, b) => a + b)).toBe(96);
  });

  it('has SDXL\'s default plan at 2048² (tile 128 latents = 1024 px): 3 × 3 tiles, 256 px blend', () => {
    const p = planTiles(256, 256, 128, 8);
    expect([p.rowStarts, p.blendExtent, p.rowLimit]).toEqual([[0, 96, 192], 256, 768]);
  });

  it('refuses a tile that is not a multiple of 4 latents, naming the rule', () => {
    expect(() => planTiles(8, 8, 6, 8)).toThrow(/multiple of 4 \(32 px\), got 6/);
    expect(() => planTiles(8, 8, 0, 8)).toThrow(/multiple of 4/);
    expect(() => planTiles(0, 8, 4, 8)).toThrow(/latent height must be a positive whole number/);
  });
});

const tile = (channels: number, height: number, width: number, value: number): DecodedTile =>
  ({ data: new Float32Array(channels * height * width).fill(value), channels, height, width });

describe('blending', () => {
  it('blend_v fades the lower tile in over the extent: row y = above·(1 − y/e) + below·(y/e)', () => {
    const above = tile(2, 16, 3, 1);
    const below = tile(2, 16, 3, 0);
    blendVertical(above, below, 8);
    for (let y = 0; y < 16; y++) expect(below.data[(16 + y) * 3 + 2]).toBeCloseTo(y < 8 ? 1 - y / 8 : 0, 6);
  });

  it('blend_h fades the right tile in over the extent, limited by the narrower tile', () => {
    const left = tile(1, 2, 4, 2);
    const right = tile(1, 2, 16, 0);
    blendHorizontal(left, right, 8); // only 4 columns of the left tile exist: extent 4
    expect(Array.from(right.data.subarray(16, 22))).toEqual([2, 1.5, 1, 0.5, 0, 0]);
  });
});

/** A "decoder" with no receptive field: pixel (y, x) = channel c of the latent at (y/8, x/8), plus a per-pixel term. */
function pointwiseDecoder(): ModelRunner {
  return {
    inputs: [{ name: 'latent_sample', type: 'float32', dims: [1, 4, 'h', 'w'] }],
    outputs: [{ name: 'sample', type: 'float32', dims: [1, 3, 'H', 'W'] }],
    run: async (feeds) => {
      const t = feeds.latent_sample!;
      const [, , h, w] = t.dims as number[];
      const data = t.data as Float32Array;
      const out = new Float32Array(3 * h! * 8 * w! * 8);
      for (let k = 0; k < 3; k++) {
        for (let y = 0; y < h! * 8; y++) {
          for (let x = 0; x < w! * 8; x++) out[(k * h! * 8 + y) * w! * 8 + x] = data[(k * h! + (y >> 3)) * w! + (x >> 3)]! + ((y % 8) * 8 + (x % 8)) / 64;
        }
      }
      return { sample: { type: 'float32', data: out, dims: [1, 3, h! * 8, w! * 8] } };
    },
  };
}

describe('decodeTiled assembly', () => {
  it.each([[8, 8, 4], [13, 7, 4], [12, 20, 8], [9, 9, 8]])('with a pointwise decoder equals the whole decode (latent %i×%i, tile %i)', async (h, w, t) => {
    const dims = [1, 4, h, w];
    const latents = Float32Array.from({ length: 4 * h * w }, (_, i) => Math.sin(i * 0.7) * 3);
    const whole = (await pointwiseDecoder().run({ latent_sample: { type: 'float32', data: latents, dims } }))['sample']!.data as Float32Array;
    const tiled = await decodeTiled(pointwiseDecoder(), latents, dims, { tileLatent: t, scale: 8 });
    expect([tiled.height, tiled.width]).toEqual([h * 8, w * 8]);
    let max = 0;
    for (let i = 0; i < whole.length; i++) max = Math.max(max, Math.abs(whole[i]! - tiled.sample[i]!));
    // Blending a value with itself, a·(1 − t) + a·t, is exact up to float32 rounding.
    expect(max).toBeLessThanOrEqual(4e-7 * 4);
  });

  it('stops between tiles when cancelled', async () => {
    let calls = 0;
    const inner = pointwiseDecoder();
    const signal = { aborted: false };
    const runner: ModelRunner = { ...inner, run: (f, o) => { if (++calls === 2) signal.aborted = true; return inner.run(f, o); } };
    await expect(decodeTiled(runner, new Float32Array(4 * 64), [1, 4, 8, 8], { tileLatent: 4, scale: 8, signal })).rejects.toThrow(/cancel/i);
    expect(calls).toBe(2);
  });
});
