// The pure parts of inpaint_full_res against diffusers' records: get_crop_region, Pillow's lanczos crop + fill
// (bit for bit), and apply_overlay's patch, masked init and final image.
import { describe, expect, it } from 'vitest';
import { applyOverlay, initMasked, overlayPatch } from '../../src/pipeline/apply-overlay';
import { cropRegion, nonZeroBounds, type CropBox } from '../../src/pipeline/crop-region';
import { cropGrid, lanczosResize } from '../../src/pipeline/pil-lanczos';
import { resizeAndFill } from '../../src/pipeline/pil-fit';
import type { PixelGrid } from '../../src/pipeline/pixel-grid';
import { fullResRef, pngGrid } from './full-res-reference';
import { maxAbsDiff } from './reference';

const grid = (t: { data: unknown; shape: number[] }, channels: number): PixelGrid => {
  const [h, w] = t.shape.length === 4 ? t.shape.slice(1) : t.shape;
  return { data: t.data as Uint8Array, width: w!, height: h!, channels };
};
const differing = (a: Uint8Array, b: Uint8Array) => a.reduce((n, v, i) => n + (v === b[i] ? 0 : 1), 0);

describe('inpaint_full_res: crop region, lanczos fill, overlay (reference/inpaint_full_res)', () => {
  const ref = fullResRef();
  it('has both fixture cases', () => expect(ref.index.cases.map((c) => c.name)).toEqual(['ifr_128x128_pad8_s100_seed41_g3', 'ifr_64x96_pad12_s075_seed42_g3_neg']));

  for (const c of ref.index.cases) {
    const mask = grid(ref.tensor(c.tensors.mask_uint8_hw!), 1);
    const box = c.crop.box as unknown as CropBox;

    it(`${c.name}: get_crop_region gives the recorded box`, () => {
      expect(Array.from(pngGrid(c.mask_image, 1).data)).toEqual(Array.from(mask.data));
      expect(cropRegion(mask.data, mask.width, mask.height, c.width, c.height, c.inpaint_full_res_padding)).toEqual(c.crop.box);
      expect(nonZeroBounds(mask.data, mask.width, mask.height)).toEqual(c.crop.nonzero_bbox_ltrb_exclusive);
    });

    it(`${c.name}: crop + fill resize of init and mask equal Pillow's bytes`, () => {
      const init = pngGrid(c.image, 3);
      const initOut = resizeAndFill(cropGrid(init, box), c.width, c.height);
      const maskOut = resizeAndFill(cropGrid(mask, box), c.width, c.height);
      expect(differing(initOut.data, ref.tensor(c.tensors.init_crop_resized_uint8_hwc!).data as Uint8Array)).toBe(0);
      expect(differing(maskOut.data, ref.tensor(c.tensors.mask_crop_resized_uint8_hw!).data as Uint8Array)).toBe(0);
    });

    it(`${c.name}: the overlay's patch, masked init and final image equal Pillow's`, () => {
      const init = pngGrid(c.image, 3);
      const crop = grid(ref.tensor(c.tensors.image_uint8!), 3);
      const patch = overlayPatch(crop, box);
      expect([patch.width, patch.height]).toEqual(c.overlay.patch_size_wh);
      expect(differing(patch.data, ref.tensor(c.tensors.overlay_patch_uint8_hwc!).data as Uint8Array)).toBe(0);
      expect(differing(initMasked(init, mask).data, ref.tensor(c.tensors.overlay_init_masked_rgba_uint8!).data as Uint8Array)).toBe(0);
      const final = applyOverlay(init, mask, crop, box);
      expect(maxAbsDiff(final.data, pngGrid(c.png[0]!.file, 3).data)).toBe(0);
    });
  }

  it('the 64×96 case fills a 1-column band and blends a faint stroke (the paths the other case does not take)', () => {
    const c = ref.index.cases[1]!;
    expect(c.crop.fill_geometry).toMatchObject({ resized_to_wh: [95, 64], pasted_at_xy: [1, 0] });
    expect(c.overlay.mask_other_pixels).toBeGreaterThan(0);
  });
});

describe('crop region edge cases', () => {
  it('is undefined for an all-zero mask, and stays inside the image with a padding larger than it', () => {
    expect(cropRegion(new Uint8Array(64), 8, 8, 8, 8, 4)).toBeUndefined();
    const dot = new Uint8Array(64);
    dot[3 * 8 + 3] = 1;
    expect(cropRegion(dot, 8, 8, 8, 8, 100)).toEqual([0, 0, 8, 8]);
    expect(cropRegion(dot, 8, 8, 8, 8, 0)).toEqual([3, 3, 4, 4]);
  });
});

describe('lanczos resize', () => {
  const ramp: PixelGrid = { data: Uint8Array.from({ length: 12 * 8 }, (_, i) => (i * 37) % 256), width: 12, height: 8, channels: 1 };
  it('keeps the size and an equal-sized integer box as a copy / crop', () => {
    expect(Array.from(lanczosResize(ramp, 12, 8).data)).toEqual(Array.from(ramp.data));
    expect(lanczosResize(ramp, 4, 3, [2, 1, 6, 4])).toEqual(cropGrid(ramp, [2, 1, 6, 4]));
  });
  it('keeps a constant image constant at any scale', () => {
    const flat: PixelGrid = { data: new Uint8Array(10 * 7 * 3).fill(200), width: 10, height: 7, channels: 3 };
    for (const [w, h] of [[3, 2], [31, 17], [10, 1], [1, 7]] as const) expect(lanczosResize(flat, w, h).data.every((v) => v === 200)).toBe(true);
  });
});
