// diffusers' VaeImageProcessor.get_crop_region: the padded box around a mask's non-zero pixels, grown to W:H.

/** A box in pixels, [x1, y1, x2, y2) as PIL's crop takes it. */
export type CropBox = readonly [x1: number, y1: number, x2: number, y2: number];

/** [x1, y1, x2, y2) around every non-zero value of an 8-bit luma map, or undefined when the map is all zero. */
export function nonZeroBounds(luma: ArrayLike<number>, width: number, height: number): CropBox | undefined {
  let [x1, y1, x2, y2] = [width, height, 0, 0];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (luma[y * width + x] === 0) continue;
      x1 = Math.min(x1, x);
      x2 = Math.max(x2, x + 1);
      y1 = Math.min(y1, y);
      y2 = Math.max(y2, y + 1);
    }
  }
  return x2 === 0 ? undefined : [x1, y1, x2, y2];
}

/**
 * The box diffusers crops for `padding_mask_crop` (A1111's "inpaint only masked"): the non-zero bounds padded by `pad`
 * and clamped to the image, then the short side grown by int(desired − current) (half each side, floor first) to the
 * ratio width/height, shifted back inside the image. Undefined when the mask is all zero (nothing to repaint).
 */
export function cropRegion(luma: ArrayLike<number>, maskW: number, maskH: number, width: number, height: number, pad: number): CropBox | undefined {
  const bounds = nonZeroBounds(luma, maskW, maskH);
  if (!bounds) return undefined;
  let x1 = Math.max(bounds[0] - pad, 0);
  let y1 = Math.max(bounds[1] - pad, 0);
  let x2 = Math.min(bounds[2] + pad, maskW);
  let y2 = Math.min(bounds[3] + pad, maskH);
  const ratioProcessing = width / height;
  if ((x2 - x1) / (y2 - y1) > ratioProcessing) {
    [y1, y2] = grow(y1, y2, Math.trunc((x2 - x1) / ratioProcessing - (y2 - y1)), maskH);
  } else {
    [x1, x2] = grow(x1, x2, Math.trunc((y2 - y1) * ratioProcessing - (x2 - x1)), maskW);
  }
  return [x1, y1, x2, y2];
}

/** One axis of the aspect step, with get_crop_region's edge handling (Python's floor division). */
function grow(lo: number, hi: number, diff: number, size: number): [number, number] {
  lo -= Math.floor(diff / 2);
  hi += diff - Math.floor(diff / 2);
  if (hi >= size) {
    lo -= hi - size;
    hi = size;
  }
  if (lo < 0) {
    hi -= lo;
    lo = 0;
  }
  if (hi >= size) hi = size;
  return [lo, hi];
}
