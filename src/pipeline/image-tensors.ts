// Pixels ↔ the tensors the pipeline uses: init images in [-1, 1] (NCHW) and binarised masks at image and latent size.
import { f32 } from './float32-math';
import { luma } from './pixel-grid';

/** A decoded image: 8-bit RGBA, row-major. */
export interface RgbaImage {
  rgba: Uint8ClampedArray | Uint8Array;
  width: number;
  height: number;
}

/** diffusers' image_processor.preprocess: uint8 → /255 → 2x − 1, as [1, 3, H, W] float32 (alpha ignored). */
export function imageToTensor(img: RgbaImage): Float32Array {
  const plane = img.width * img.height;
  const out = new Float32Array(3 * plane);
  for (let p = 0; p < plane; p++) {
    for (let c = 0; c < 3; c++) out[c * plane + p] = f32(f32(2 * f32(img.rgba[p * 4 + c]! / 255)) - 1);
  }
  return out;
}

/**
 * The mask processor (grayscale, /255, binarise at 0.5): 1 = repaint. Grayscale is PIL's "L" conversion
 * (ITU-R 601 luma), so a mask drawn in any colour works; white means repaint.
 */
export function binarizeMask(img: RgbaImage): Float32Array {
  const plane = img.width * img.height;
  const out = new Float32Array(plane);
  for (let p = 0; p < plane; p++) {
    out[p] = luma(img.rgba[p * 4]!, img.rgba[p * 4 + 1]!, img.rgba[p * 4 + 2]!) / 255 < 0.5 ? 0 : 1;
  }
  return out;
}

/** torch.nn.functional.interpolate(mode="nearest"): source index floor(dst · in/out). */
export function resizeMaskNearest(mask: Float32Array, width: number, height: number, outW: number, outH: number): Float32Array {
  const out = new Float32Array(outW * outH);
  const sx = width / outW;
  const sy = height / outH;
  for (let y = 0; y < outH; y++) {
    const srcY = Math.min(height - 1, Math.floor(y * sy));
    for (let x = 0; x < outW; x++) out[y * outW + x] = mask[srcY * width + Math.min(width - 1, Math.floor(x * sx))]!;
  }
  return out;
}
