// diffusers' resize modes for PIL images: "fill" (fit inside, edge bands) and "crop" (cover, centred), on PixelGrids.
import { lanczosResize } from './pil-lanczos';
import type { PixelGrid } from './pixel-grid';

/** PIL's paste of `src` at (x, y) onto `dst` (same channels), clipped to dst. */
function paste(dst: PixelGrid, src: PixelGrid, x: number, y: number): void {
  const ch = dst.channels;
  for (let sy = Math.max(0, -y); sy < src.height && sy + y < dst.height; sy++) {
    const x0 = Math.max(0, -x);
    const x1 = Math.min(src.width, dst.width - x);
    if (x1 <= x0) return;
    dst.data.set(src.data.subarray((sy * src.width + x0) * ch, (sy * src.width + x1) * ch), ((sy + y) * dst.width + x + x0) * ch);
  }
}

const blank = (width: number, height: number, channels: number): PixelGrid =>
  ({ data: new Uint8Array(width * height * channels), width, height, channels });

/**
 * `_resize_and_fill`: lanczos-resize to fit inside width × height keeping the aspect ratio, centred; the uncovered
 * bands are filled from the edge (a zero-width box resized to the band, so PIL blends the 3 columns or rows next to
 * the edge). The result keeps the input's channels (diffusers' canvas is RGB; an L mask comes back with R = G = B).
 */
export function resizeAndFill(img: PixelGrid, width: number, height: number): PixelGrid {
  const ratio = width / height;
  const srcRatio = img.width / img.height;
  const srcW = ratio < srcRatio ? width : Math.floor((img.width * height) / img.height);
  const srcH = ratio >= srcRatio ? height : Math.floor((img.height * width) / img.width);
  const resized = lanczosResize(img, srcW, srcH);
  const res = blank(width, height, img.channels);
  paste(res, resized, Math.floor(width / 2) - Math.floor(srcW / 2), Math.floor(height / 2) - Math.floor(srcH / 2));
  if (ratio < srcRatio) {
    const fill = Math.floor(height / 2) - Math.floor(srcH / 2);
    if (fill > 0) {
      paste(res, lanczosResize(resized, width, fill, [0, 0, width, 0]), 0, 0);
      paste(res, lanczosResize(resized, width, fill, [0, resized.height, width, resized.height]), 0, fill + srcH);
    }
  } else if (ratio > srcRatio) {
    const fill = Math.floor(width / 2) - Math.floor(srcW / 2);
    if (fill > 0) {
      paste(res, lanczosResize(resized, fill, height, [0, 0, 0, height]), 0, 0);
      paste(res, lanczosResize(resized, fill, height, [resized.width, 0, resized.width, height]), fill + srcW, 0);
    }
  }
  return res;
}

/** `_resize_and_crop`: lanczos-resize to cover width × height keeping the aspect ratio, centred, overflow cut off. */
export function resizeAndCrop(img: PixelGrid, width: number, height: number): PixelGrid {
  const ratio = width / height;
  const srcRatio = img.width / img.height;
  const srcW = ratio > srcRatio ? width : Math.floor((img.width * height) / img.height);
  const srcH = ratio <= srcRatio ? height : Math.floor((img.height * width) / img.width);
  const resized = lanczosResize(img, srcW, srcH);
  const res = blank(width, height, img.channels);
  paste(res, resized, Math.floor(width / 2) - Math.floor(srcW / 2), Math.floor(height / 2) - Math.floor(srcH / 2));
  return res;
}
