// Runs the VAE decoder tile by tile (diffusers' tiled_decode): each tile through the ModelRunner, one row kept at a time.
import { throwIfCancelled, type CancelSignal } from './progress';
import type { ModelRunner } from './runners';
import { floatTensor } from './tensor';
import { assembleTiles, planTiles, sliceLatent, tileRunner } from './vae-tiles';

export interface TiledDecodeOptions {
  /** Tile edge in latents (a multiple of 4). */
  tileLatent: number;
  /** Pixels per latent (the VAE's spatial factor, 8 for SDXL). */
  scale: number;
  /** Checked before each tile: a cancel stops a long decode between tiles. */
  signal?: CancelSignal;
}

/** Whether diffusers would tile this latent: only when it is larger than one tile in either direction. */
export function needsTiles(latentDims: readonly number[], tileLatent: number): boolean {
  return latentDims[2]! > tileLatent || latentDims[3]! > tileLatent;
}

/** Decodes already-scaled latents [1, C, h, w] in overlapping tiles; returns the blended decoder output [1, 3, H, W]. */
export async function decodeTiled(
  vae: ModelRunner, scaled: Float32Array, latentDims: readonly number[], opts: TiledDecodeOptions,
): Promise<{ sample: Float32Array; width: number; height: number; tiles: number }> {
  const [, channels, latentHeight, latentWidth] = latentDims as [number, number, number, number];
  const plan = planTiles(latentHeight, latentWidth, opts.tileLatent, opts.scale);
  const input = vae.inputs[0]!.name;
  const output = vae.outputs[0]!.name;
  const runner = tileRunner(vae, plan);
  const { data, tiles } = await assembleTiles(plan, async (i, j) => {
    const h = plan.rowHeights[i]! / opts.scale;
    const w = plan.colWidths[j]! / opts.scale;
    const feed = floatTensor(sliceLatent(scaled, latentDims, plan.rowStarts[i]!, plan.colStarts[j]!, h, w), [1, channels, h, w]);
    const result = Object.values(await runner.run({ [input]: feed }, [output]))[0]!;
    const [, outChannels, th, tw] = result.dims as [number, number, number, number];
    if (th !== plan.rowHeights[i] || tw !== plan.colWidths[j]) {
      throw new Error(`the VAE decoder turned a ${h}×${w} latent tile into ${th}×${tw} pixels, not ${plan.rowHeights[i]}×${plan.colWidths[j]}`);
    }
    return { data: result.data as Float32Array, channels: outChannels, height: th, width: tw };
  }, () => throwIfCancelled(opts.signal));
  return { sample: data, width: plan.width, height: plan.height, tiles };
}
