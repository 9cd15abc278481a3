// Outpainting pre-fill: known pixels untouched, every unknown pixel filled, and no hard edge at the seam.
import { describe, expect, it } from 'vitest';
import { outpaintFill } from '../../src/pipeline/outpaint-fill';

const W = 48;
const H = 32;
/** A 32×32 picture (smooth gradients plus a hard-edged square) placed left on a 48×32 canvas; the right 16 px are new. */
function scene() {
  const rgba = new Uint8ClampedArray(W * H * 4);
  const mask = new Float32Array(W * H);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const p = y * W + x;
      if (x >= 32) {
        mask[p] = 1;
        rgba.set([255, 0, 255, 255], p * 4); // garbage that must not survive
        continue;
      }
      const square = x > 10 && x < 20 && y > 8 && y < 18;
      rgba.set([square ? 20 : 100 + 4 * x, 60 + 3 * y, square ? 230 : 90, 255], p * 4);
    }
  }
  return { img: { rgba, width: W, height: H }, mask };
}

/** Largest per-channel difference between horizontally/vertically adjacent pixels, over pairs picked by `where`. */
function maxGradient(rgba: Uint8ClampedArray, where: (a: number, b: number) => boolean): number {
  let max = 0;
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      for (const [dx, dy] of [[1, 0], [0, 1]] as const) {
        if (x + dx >= W || y + dy >= H) continue;
        const a = y * W + x;
        const b = (y + dy) * W + x + dx;
        if (!where(a, b)) continue;
        for (let c = 0; c < 3; c++) max = Math.max(max, Math.abs(rgba[a * 4 + c]! - rgba[b * 4 + c]!));
      }
    }
  }
  return max;
}

describe('outpaintFill', () => {
  it('keeps known pixels and replaces every unknown one', () => {
    const { img, mask } = scene();
    const out = outpaintFill(img, mask);
    for (let p = 0; p < W * H; p++) {
      if (mask[p] === 0) expect(Array.from(out.subarray(p * 4, p * 4 + 3))).toEqual(Array.from(img.rgba.subarray(p * 4, p * 4 + 3)));
      else expect(Array.from(out.subarray(p * 4, p * 4 + 3))).not.toEqual([255, 0, 255]);
    }
  });

  it('leaves no hard edge: across the seam the step is no larger than the smooth part of the picture (≤ 8 of 255)', () => {
    const { img, mask } = scene();
    const out = outpaintFill(img, mask);
    const seam = maxGradient(out, (a, b) => mask[a] !== mask[b]);
    const inFill = maxGradient(out, (a, b) => mask[a] === 1 && mask[b] === 1);
    // The source's own smooth gradient steps by 4 per pixel; the seam and the fill stay within 8.
    expect(seam).toBeLessThanOrEqual(8);
    expect(inFill).toBeLessThanOrEqual(8);
  });
});
