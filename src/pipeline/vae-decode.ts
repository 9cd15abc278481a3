// Latents → pixels: the VAE decoder with the model's scaling factor, then diffusers' postprocessing to RGBA bytes.
import { f32 } from './float32-math';
import type { ModelRunner } from './runners';
import { floatTensor } from './tensor';
import { roundHalfEven } from './schedulers/timestep-spacing';
import { decodeTiled, needsTiles, type TiledDecodeOptions } from './vae-tiled-decode';

export interface DecodedImage {
  /** Raw decoder output [1,3,H,W] (before clamping), for comparison with diffusers. */
  sample: Float32Array;
  /** RGBA, 8 bits per channel, alpha 255. */
  rgba: Uint8ClampedArray;
  width: number;
  height: number;
  /** Decoder calls made: 1, or the number of tiles of a tiled decode. */
  tiles?: number;
}

export async function decodeLatents(
  vae: ModelRunner, latents: Float32Array, latentDims: readonly number[], scalingFactor: number, tiling?: TiledDecodeOptions,
): Promise<DecodedImage> {
  const sf = f32(scalingFactor);
  const scaled = latents.map((x) => f32(x / sf));
  if (tiling && needsTiles(latentDims, tiling.tileLatent)) {
    const { sample, width, height, tiles } = await decodeTiled(vae, scaled, latentDims, tiling);
    return { sample, rgba: toRgba(sample, width, height), width, height, tiles };
  }
  const out = await vae.run({ [vae.inputs[0]!.name]: floatTensor(scaled, latentDims) }, [vae.outputs[0]!.name]);
  const t = Object.values(out)[0]!;
  const sample = t.data as Float32Array;
  const [, , height, width] = t.dims as [number, number, number, number];
  return { sample, rgba: toRgba(sample, width, height), width, height };
}

/** clamp(x/2 + 0.5, 0, 1) · 255, rounded half to even like numpy — diffusers' numpy_to_pil. */
export function toRgba(sample: Float32Array, width: number, height: number): Uint8ClampedArray {
  const plane = width * height;
  const rgba = new Uint8ClampedArray(plane * 4);
  for (let p = 0; p < plane; p++) {
    for (let c = 0; c < 3; c++) {
      const v = Math.min(1, Math.max(0, f32(f32(sample[c * plane + p]! / 2) + 0.5)));
      rgba[p * 4 + c] = roundHalfEven(f32(v * 255));
    }
    rgba[p * 4 + 3] = 255;
  }
  return rgba;
}
