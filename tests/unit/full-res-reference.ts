// Reads the tiny-sdxl-octoai-extras inpaint_full_res reference group and its PNGs.
import { readFileSync } from 'node:fs';
import { PNG } from 'pngjs';
import type { PixelGrid } from '../../src/pipeline/pixel-grid';
import { EXTRAS, loadReference, testDataDir } from './reference';

export const extrasDir = `${testDataDir}${EXTRAS}/`;

export interface FullResCase {
  name: string; prompt: string; negative_prompt: string | null; width: number; height: number; strength: number;
  num_inference_steps: number; guidance_scale: number; generator_seeds: number[]; inpaint_full_res_padding: number;
  image: string; mask_image: string; png: { file: string }[];
  crop: { nonzero_bbox_ltrb_exclusive: number[]; padded: number[]; box: number[]; fill_geometry: { resized_to_wh: number[]; pasted_at_xy: number[] } };
  overlay: { patch_size_wh: number[]; paste_xy: number[]; mask_other_pixels: number };
  tensors: Record<string, string>;
}
export const fullResRef = () => loadReference<{ cases: FullResCase[] }>('inpaint_full_res', extrasDir);

/** A fixture PNG as a PixelGrid in its own mode (L or RGB), as PIL opens it. */
export function pngGrid(file: string, channels: 1 | 3): PixelGrid {
  const png = PNG.sync.read(readFileSync(`${extrasDir}${file}`));
  const data = new Uint8Array(png.width * png.height * channels);
  for (let p = 0; p < png.width * png.height; p++) for (let c = 0; c < channels; c++) data[p * channels + c] = png.data[p * 4 + c]!;
  return { data, width: png.width, height: png.height, channels };
}

