// How a text-to-image result is compared with diffusers' reference: latents, the decoder's float image, uint8 pixels.
import { expect } from 'vitest';

export const LATENT_TOL = 1e-4; // fp32 through onnxruntime vs torch: measured ≤ 6e-5 on |x| up to ~50
export const IMAGE_TOL = 1e-3;

/** uint8 pixels may differ by one step where ONNX and torch round differently. */
export function expectPixelsClose(rgba: Uint8ClampedArray, imageNhwc: Float32Array, label: string) {
  let maxStep = 0;
  let maxFloat = 0;
  for (let p = 0; p < imageNhwc.length / 3; p++) {
    for (let c = 0; c < 3; c++) {
      const ref = imageNhwc[p * 3 + c]!;
      maxStep = Math.max(maxStep, Math.abs(rgba[p * 4 + c]! - Math.round(ref * 255)));
      maxFloat = Math.max(maxFloat, Math.abs(rgba[p * 4 + c]! / 255 - ref));
    }
  }
  expect(maxStep, `${label}: uint8 step difference`).toBeLessThanOrEqual(1);
  expect(maxFloat, label).toBeLessThanOrEqual(IMAGE_TOL + 0.5 / 255);
}

/** decoder output → NHWC [0,1] the way diffusers' image_processor does, for float comparison. */
export function toNhwc(sample: Float32Array, w: number, h: number): Float32Array {
  const plane = w * h;
  const out = new Float32Array(plane * 3);
  for (let p = 0; p < plane; p++) for (let c = 0; c < 3; c++) out[p * 3 + c] = Math.min(1, Math.max(0, sample[c * plane + p]! / 2 + 0.5));
  return out;
}
