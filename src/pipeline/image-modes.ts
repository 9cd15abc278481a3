// Image-to-image, inpainting and outpainting around the pipeline: what the request's pictures become before it runs
// (the outpainting pre-fill and strength floor, the inpaint_full_res crop) and how its pixels are finished (paste-back).
import type { FieldError } from '../schema/response';
import type { CropBox } from './crop-region';
import type { GeneratedPixels } from './generate';
import { binarizeMask, type RgbaImage } from './image-tensors';
import type { ImageInputs } from './image-start';
import { fullResCrop, fullResPasteBack } from './inpaint-full-res';
import { outpaintFill } from './outpaint-fill';
import { pasteBack } from './paste-back';

/** Outpainting repaints the new area from its smooth pre-fill with at least this strength. */
export const OUTPAINT_MIN_STRENGTH = 0.85;

/** The request's pictures as the pipeline takes them, and what the paste-back needs afterwards. */
export interface PreparedImages {
  value: ImageInputs | undefined;
  /** The picture before the outpainting pre-fill. */
  original?: RgbaImage;
  /** inpaint_full_res: the init image and mask at width × height, and the box that was repainted. */
  fullRes?: { init: RgbaImage; mask: RgbaImage; box: CropBox };
}

export interface ImageModeRequest {
  width: number;
  height: number;
  strength: number;
  outpainting: boolean;
  inpaint_full_res: boolean;
  inpaint_full_res_padding: number;
}

/** The decoded init image (and mask) made ready for the mode the request asks for, or the field that cannot be used. */
export function prepareImages(req: ImageModeRequest, init: RgbaImage, mask: RgbaImage | undefined): PreparedImages | { error: FieldError } {
  if (req.outpainting && mask) {
    // The new area starts as a smooth continuation of the edges, repainted with at least OUTPAINT_MIN_STRENGTH.
    const filled = { ...init, rgba: outpaintFill(init, binarizeMask(mask)) };
    return { value: { init: filled, mask, strength: Math.max(req.strength, OUTPAINT_MIN_STRENGTH) }, original: init };
  }
  if (req.inpaint_full_res && mask) {
    // Only the padded box around the mask is repainted, at the full width × height, then laid back in.
    const crop = fullResCrop(init, mask, req.width, req.height, req.inpaint_full_res_padding);
    if (!crop) {
      const msg = 'mask_image has no painted pixel: inpaint_full_res repaints the area around the non-black part of the mask. Paint the area to repaint in white.';
      return { error: { loc: ['body', 'mask_image'], msg, type: 'value_error' } };
    }
    return { value: { init: crop.init, mask: crop.mask, strength: req.strength }, fullRes: { init, mask, box: crop.box } };
  }
  return { value: { init, mask, strength: req.strength } };
}

/**
 * The pixels to deliver: inpainting gives back the user's own pixels outside the mask with a feathered seam
 * (`maskBlur` px); inpaint_full_res pastes the repainted box back as diffusers' apply_overlay does (the mask as sent,
 * no feathering); other modes deliver the decoded image as it is.
 */
export function finishImage(prepared: PreparedImages, img: GeneratedPixels, maskBlur: number): Uint8ClampedArray {
  const { value: inputs, fullRes } = prepared;
  if (fullRes) return fullResPasteBack(fullRes.init, fullRes.mask, img, fullRes.box);
  if (inputs?.mask) return pasteBack(prepared.original ?? inputs.init, img, binarizeMask(inputs.mask), maskBlur);
  return img.rgba;
}
