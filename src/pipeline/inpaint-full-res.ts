// inpaint_full_res (diffusers' padding_mask_crop): crop the padded mask box to W×H before inpainting, overlay it after.
import { applyOverlay } from './apply-overlay';
import { cropRegion, type CropBox } from './crop-region';
import type { RgbaImage } from './image-tensors';
import { cropGrid } from './pil-lanczos';
import { resizeAndFill } from './pil-fit';
import { gridToRgba, lumaGrid, rgbGrid } from './pixel-grid';

export interface FullResCrop {
  /** The region of the init image that is repainted, [x1, y1, x2, y2). */
  box: CropBox;
  /** The box's init pixels and mask, each resized ("fill", lanczos) to width × height: what the inpaint runs on. */
  init: RgbaImage;
  mask: RgbaImage;
}

/**
 * The pre-step: get_crop_region on the mask (any non-zero pixel counts), then crop + fill-resize of the init image
 * (RGB) and the mask (L) to width × height. Undefined when the mask has no non-zero pixel.
 */
export function fullResCrop(init: RgbaImage, mask: RgbaImage, width: number, height: number, padding: number): FullResCrop | undefined {
  const maskL = lumaGrid(mask);
  const box = cropRegion(maskL.data, mask.width, mask.height, width, height, padding);
  if (!box) return undefined;
  return {
    box,
    init: gridToRgba(resizeAndFill(cropGrid(rgbGrid(init), box), width, height)),
    mask: gridToRgba(resizeAndFill(cropGrid(maskL, box), width, height)),
  };
}

/**
 * The post-step: the repainted width × height image resized back into the box and laid under the init image with
 * alpha 255 − mask (the mask as sent, not binarised). Init and mask must already have the repainted image's size.
 */
export function fullResPasteBack(init: RgbaImage, mask: RgbaImage, repainted: RgbaImage, box: CropBox): Uint8ClampedArray {
  for (const [name, img] of [['init image', init], ['mask', mask]] as const) {
    if (img.width !== repainted.width || img.height !== repainted.height) {
      throw new Error(`${name} is ${img.width}×${img.height}; the overlay needs ${repainted.width}×${repainted.height}`);
    }
  }
  return gridToRgba(applyOverlay(rgbGrid(init), lumaGrid(mask), rgbGrid(repainted), box)).rgba;
}
