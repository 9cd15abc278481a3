// 8-bit pixel grids in PIL's modes ("L", "RGB"), converted from and to the decoded RGBA images.
import type { RgbaImage } from './image-tensors';

/** 8-bit pixels, row-major, `channels` interleaved values per pixel (1 = PIL "L", 3 = "RGB", 4 = "RGBA"). */
export interface PixelGrid {
  data: Uint8Array;
  width: number;
  height: number;
  channels: number;
}

/** PIL's RGB → L conversion (ITU-R 601 luma in 16-bit fixed point), per pixel. */
export const luma = (r: number, g: number, b: number): number => (r * 19595 + g * 38470 + b * 7471 + 0x8000) >>> 16;

/** The image as PIL "L": luma of its RGB (alpha ignored). */
export function lumaGrid(img: RgbaImage): PixelGrid {
  const data = new Uint8Array(img.width * img.height);
  for (let p = 0; p < data.length; p++) data[p] = luma(img.rgba[p * 4]!, img.rgba[p * 4 + 1]!, img.rgba[p * 4 + 2]!);
  return { data, width: img.width, height: img.height, channels: 1 };
}

/** The image as PIL "RGB" (alpha dropped). */
export function rgbGrid(img: RgbaImage): PixelGrid {
  const data = new Uint8Array(img.width * img.height * 3);
  for (let p = 0; p < img.width * img.height; p++) for (let c = 0; c < 3; c++) data[p * 3 + c] = img.rgba[p * 4 + c]!;
  return { data, width: img.width, height: img.height, channels: 3 };
}

/** A grid as opaque RGBA (an L grid becomes grey). */
export function gridToRgba(grid: PixelGrid): RgbaImage & { rgba: Uint8ClampedArray } {
  const { width, height, channels } = grid;
  const rgba = new Uint8ClampedArray(width * height * 4);
  for (let p = 0; p < width * height; p++) {
    for (let c = 0; c < 3; c++) rgba[p * 4 + c] = grid.data[p * channels + (channels === 1 ? 0 : c)]!;
    rgba[p * 4 + 3] = channels === 4 ? grid.data[p * 4 + 3]! : 255;
  }
  return { rgba, width, height };
}
