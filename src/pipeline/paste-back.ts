// After inpainting, the user's pixels come back outside the mask; the repainted area fades in across a feathered edge.
import type { RgbaImage } from './image-tensors';

/** Separable box blur of a [0,1] map, radius r (0 = none). */
export function boxBlur(map: Float32Array, width: number, height: number, radius: number): Float32Array {
  if (radius <= 0) return map.slice();
  const pass = (src: Float32Array, horizontal: boolean) => {
    const out = new Float32Array(src.length);
    const [outer, inner] = horizontal ? [height, width] : [width, height];
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < inner; i++) {
        let sum = 0;
        let n = 0;
        for (let k = Math.max(0, i - radius); k <= Math.min(inner - 1, i + radius); k++) {
          sum += src[horizontal ? o * width + k : k * width + o]!;
          n++;
        }
        out[horizontal ? o * width + i : i * width + o] = sum / n;
      }
    }
    return out;
  };
  return pass(pass(map, true), false);
}

/**
 * Blends `generated` over `original` with alpha = mask · blur(mask): zero wherever the mask is 0 (those pixels are
 * exactly the original's), ramping up inside the mask over `featherRadius` pixels.
 */
export function pasteBack(original: RgbaImage, generated: RgbaImage, mask: Float32Array, featherRadius: number): Uint8ClampedArray {
  const { width, height } = original;
  const soft = boxBlur(mask, width, height, featherRadius);
  const out = new Uint8ClampedArray(width * height * 4);
  for (let p = 0; p < width * height; p++) {
    const a = mask[p]! * soft[p]!;
    for (let c = 0; c < 4; c++) {
      const i = p * 4 + c;
      out[i] = a === 0 ? original.rgba[i]! : Math.round(original.rgba[i]! * (1 - a) + generated.rgba[i]! * a);
    }
  }
  return out;
}
