// The live preview's projection: SDXL's latent-to-RGB map applied per pixel, against values worked out by hand.
import { describe, expect, it } from 'vitest';
import { projectLatents } from '../../src/pipeline/latent-preview';

/** [N, C, H, W] latents from per-pixel channel vectors: pixels[n][p] = the C values of pixel p of entry n. */
function nchw(pixels: number[][][]): { data: Float32Array; dims: number[] } {
  const n = pixels.length;
  const plane = pixels[0]!.length;
  const c = pixels[0]![0]!.length;
  const data = new Float32Array(n * c * plane);
  pixels.forEach((entry, i) => entry.forEach((px, p) => px.forEach((v, k) => (data[(i * c + k) * plane + p] = v))));
  return { data, dims: [n, c, 1, plane] };
}

describe('projectLatents (SDXL latent → RGB preview)', () => {
  it('maps pixels as bias + Σ latent·factor, then [-1, 1] → [0, 255], with opaque alpha', () => {
    // Hand-computed: rgb = bias + Σₖ xₖ·Fₖ, byte = round((rgb + 1) / 2 · 255).
    //  (0,0,0,0)        → bias (0.1084, -0.0175, -0.0011)           → 141.32, 125.27, 127.36 → 141, 125, 127
    //  (1,0,0,0)        → (0.4735, 0.4057, 0.4330)                  → 187.87, 179.23, 182.71 → 188, 179, 183
    //  (0.5,-1,2,0.25)  → (0.680325, 0.3582, -0.01795)              → 214.24, 173.17, 125.21 → 214, 173, 125
    const { data, dims } = nchw([[[0, 0, 0, 0], [1, 0, 0, 0], [0.5, -1, 2, 0.25]]]);
    const p = projectLatents(data, dims);
    expect([p.width, p.height]).toEqual([3, 1]);
    expect(Array.from(p.rgba)).toEqual([141, 125, 127, 255, 188, 179, 183, 255, 214, 173, 125, 255]);
  });

  it('has one RGBA pixel per latent pixel, row-major', () => {
    const dims = [1, 4, 3, 5];
    const data = new Float32Array(60);
    data[2 * 5 + 4] = 1; // channel 0, row 2, column 4: the last pixel
    const p = projectLatents(data, dims);
    expect([p.width, p.height, p.rgba.length]).toEqual([5, 3, 60]);
    expect(Array.from(p.rgba.slice(56))).toEqual([188, 179, 183, 255]);
    expect(Array.from(p.rgba.slice(0, 4))).toEqual([141, 125, 127, 255]);
  });

  it('clamps to 0 and 255 far outside [-1, 1]', () => {
    const { data, dims } = nchw([[[10, 0, 0, 0], [-10, 0, 0, 0]]]);
    expect(Array.from(projectLatents(data, dims).rgba)).toEqual([255, 255, 255, 255, 0, 0, 0, 255]);
  });

  it('selects the batch entry asked for', () => {
    const { data, dims } = nchw([[[0, 0, 0, 0]], [[1, 0, 0, 0]], [[-10, 0, 0, 0]]]);
    expect(Array.from(projectLatents(data, dims, 0).rgba)).toEqual([141, 125, 127, 255]);
    expect(Array.from(projectLatents(data, dims, 1).rgba)).toEqual([188, 179, 183, 255]);
    expect(Array.from(projectLatents(data, dims, 2).rgba)).toEqual([0, 0, 0, 255]);
  });

  it('refuses latents the map or the shape does not fit, naming the rule', () => {
    expect(() => projectLatents(new Float32Array(16), [1, 16, 1, 1])).toThrow('takes 4 latent channels, the latents have 16');
    expect(() => projectLatents(new Float32Array(7), [1, 4, 1, 2])).toThrow('7 values do not fill [1, 4, 1, 2]');
    expect(() => projectLatents(new Float32Array(8), [2, 4, 1, 1], 2)).toThrow('index 2 is outside the batch of 2');
    expect(() => projectLatents(new Float32Array(4), [4, 1, 1])).toThrow('dims must be [N, C, H, W]');
  });
});
