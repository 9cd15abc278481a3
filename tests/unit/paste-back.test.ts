// Feathered paste-back: outside the mask the output is the input, exactly; deep inside it is the generated image.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { boxBlur, pasteBack } from '../../src/pipeline/paste-back';

const W = 24;
const H = 16;
const solid = (v: number) => ({ rgba: new Uint8ClampedArray(W * H * 4).fill(v), width: W, height: H });

describe('pasteBack', () => {
  it('keeps every unmasked pixel exactly and feathers inward', () => {
    fc.assert(fc.property(fc.uint8Array({ minLength: W * H * 4, maxLength: W * H * 4 }), fc.integer({ min: 0, max: 6 }), (bytes, radius) => {
      const original = { rgba: new Uint8ClampedArray(bytes), width: W, height: H };
      const mask = new Float32Array(W * H).map((_, p) => (p % W >= 8 && p % W < 20 && Math.floor(p / W) >= 3 ? 1 : 0));
      const out = pasteBack(original, solid(7), mask, radius);
      for (let p = 0; p < W * H; p++) {
        if (mask[p] === 0) for (let c = 0; c < 4; c++) if (out[p * 4 + c] !== original.rgba[p * 4 + c]) return false;
      }
      return true;
    }));
  });

  it('is the generated image deep inside the mask, and a blend at its edge', () => {
    const mask = new Float32Array(W * H).map((_, p) => (p % W >= 4 ? 1 : 0));
    const out = pasteBack(solid(0), solid(200), mask, 2);
    const at = (x: number, y: number) => out[(y * W + x) * 4]!;
    expect(at(20, 8)).toBe(200);
    expect(at(4, 8)).toBeGreaterThan(0);
    expect(at(4, 8)).toBeLessThan(200);
    expect(at(3, 8)).toBe(0);
  });

  it('box blur keeps a constant map constant', () => {
    expect(Array.from(boxBlur(new Float32Array(W * H).fill(1), W, H, 3)).every((v) => Math.abs(v - 1) < 1e-6)).toBe(true);
  });
});
