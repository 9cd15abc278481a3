// Runs the VAE encoder tile by tile (diffusers' tiled_encode): overlapping pixel tiles, each encoded alone, and their
// latent moments (mean and log-variance) blended into the tile above and to the left, exactly as the decode blends.
import { throwIfCancelled } from './progress';
import type { ModelRunner } from './runners';
import { floatTensor } from './tensor';
import type { TiledDecodeOptions } from './vae-tiled-decode';
import { assembleTiles, planTiles, sliceLatent, tileRunner } from './vae-tiles';

/**
 * Encodes pixels [1, 3, height, width] in tiles of `tileLatent · scale` pixels; returns the blended encoder output
 * [1, 2C, height / scale, width / scale] (concat(mean, logvar)) and the number of encoder calls.
 */
export async function encodeTiled(
  vae: ModelRunner, pixels: Float32Array, height: number, width: number, opts: TiledDecodeOptions,
): Promise<{ moments: Float32Array; dims: [number, number, number, number]; tiles: number }> {
  const { scale, tileLatent } = opts;
  if (height % scale !== 0 || width % scale !== 0) throw new RangeError(`the image (${width}×${height}) must be a multiple of ${scale} pixels to encode in tiles`);
  // In latents, the tiles are the decode's at scale 1: pixel tiles start at multiples of the stride · scale, and their
  // encodings blend over ⌊tileLatent / 4⌋ latents and keep tileLatent − that (diffusers' blend_extent and row_limit).
  const plan = planTiles(height / scale, width / scale, tileLatent, 1);
  const input = vae.inputs[0]!.name;
  const output = vae.outputs[0]!.name;
  const pixelDims = [1, 3, height, width];
  const runner = tileRunner(vae, plan);
  const { data, channels, tiles } = await assembleTiles(plan, async (i, j) => {
    const h = plan.rowHeights[i]!;
    const w = plan.colWidths[j]!;
    const feed = floatTensor(sliceLatent(pixels, pixelDims, plan.rowStarts[i]! * scale, plan.colStarts[j]! * scale, h * scale, w * scale), [1, 3, h * scale, w * scale]);
    const result = Object.values(await runner.run({ [input]: feed }, [output]))[0]!;
    const [, c, th, tw] = result.dims as [number, number, number, number];
    if (th !== h || tw !== w) throw new Error(`the VAE encoder turned a ${h * scale}×${w * scale} pixel tile into ${th}×${tw} latents, not ${h}×${w}`);
    return { data: result.data as Float32Array, channels: c, height: th, width: tw };
  }, () => throwIfCancelled(opts.signal));
  return { moments: data, dims: [1, channels, plan.height, plan.width], tiles };
}
