// diffusers' apply_overlay in PIL's integer arithmetic: the repainted box pasted back, the init image over it by 255 − mask.
import type { CropBox } from './crop-region';
import { resizeAndCrop } from './pil-fit';
import type { PixelGrid } from './pixel-grid';

/** PIL's DIV255 / SHIFTFORDIV255 (Paste.c, AlphaComposite.c). */
const shiftForDiv255 = (a: number) => (((a >>> 8) + a) >>> 8);
const div255 = (a: number) => shiftForDiv255(a + 128);
const clip8 = (v: number) => Math.min(255, Math.max(0, v));

/**
 * The init image with alpha 255 − mask, as `RGBa` paste through the inverted mask and conversion back to `RGBA` make it:
 * premultiplied by DIV255, then divided by the alpha again (so grey mask values lose a little colour precision).
 */
export function initMasked(init: PixelGrid, mask: PixelGrid): PixelGrid {
  const n = init.width * init.height;
  const data = new Uint8Array(n * 4);
  for (let p = 0; p < n; p++) {
    const a = 255 - mask.data[p]!;
    for (let c = 0; c < 3; c++) {
      const pre = div255(init.data[p * 3 + c]! * a);
      data[p * 4 + c] = a === 255 || a === 0 ? pre : clip8(Math.floor((255 * pre) / a));
    }
    data[p * 4 + 3] = div255(255 * a);
  }
  return { data, width: init.width, height: init.height, channels: 4 };
}

/** The repainted W×H image brought back to the box's size (resize mode "crop", lanczos), as diffusers pastes it. */
export function overlayPatch(repainted: PixelGrid, box: CropBox): PixelGrid {
  return resizeAndCrop(repainted, box[2] - box[0], box[3] - box[1]);
}

/**
 * apply_overlay(mask, init, repainted, box) for an init image and mask already at the output size: the patch on a
 * black canvas at the box's corner, then `alpha_composite` of the masked init over it (PIL's 7-bit-precision blend).
 * Where the mask is 0 the result is the init pixel; where it is 255 the patch pixel; grey values blend. RGB out.
 */
export function applyOverlay(init: PixelGrid, mask: PixelGrid, repainted: PixelGrid, box: CropBox): PixelGrid {
  const { width, height } = init;
  const patch = overlayPatch(repainted, box);
  const src = initMasked(init, mask);
  const out = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = y * width + x;
      const px = x - box[0];
      const py = y - box[1];
      const inBox = px >= 0 && py >= 0 && px < patch.width && py < patch.height;
      const sa = src.data[p * 4 + 3]!;
      for (let c = 0; c < 3; c++) {
        const dst = inBox ? patch.data[(py * patch.width + px) * 3 + c]! : 0;
        if (sa === 0) {
          out[p * 3 + c] = dst;
          continue;
        }
        // AlphaComposite.c with dst alpha 255: outa255 = 255², coef1 = sa·255²·128 / outa255.
        const outa255 = sa * 255 + 255 * (255 - sa);
        const coef1 = Math.floor((sa * 255 * 255 * 128) / outa255);
        const coef2 = 255 * 128 - coef1;
        out[p * 3 + c] = shiftForDiv255(src.data[p * 4 + c]! * coef1 + dst * coef2 + (0x80 << 7)) >>> 7;
      }
    }
  }
  return { data: out, width, height, channels: 3 };
}
