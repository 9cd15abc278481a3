// Pixels → latents with the VAE encoder, sampling the latent distribution from the request's generator like diffusers.
import { f32 } from './float32-math';
import type { ModelRunner } from './runners';
import type { NoiseSource } from './schedulers';
import { floatTensor } from './tensor';
import { needsTiles, type TiledDecodeOptions } from './vae-tiled-decode';
import { encodeTiled } from './vae-tiled-encode';

/**
 * latent_dist.sample(generator) · scaling_factor: the encoder returns concat(mean, logvar) on the channel axis;
 * logvar is clamped to [−30, 20] and std = exp(logvar / 2). Consumes one randn draw of the latent shape. With
 * `tiling`, an image larger than one tile is encoded in tiles (vae-tiled-encode.ts) and the moments blended.
 */
export async function encodeImage(
  vae: ModelRunner, image: Float32Array, height: number, width: number, noise: NoiseSource, scalingFactor: number, tiling?: TiledDecodeOptions,
): Promise<Float32Array> {
  const { data, dims } = tiling && needsTiles([1, 3, height / tiling.scale, width / tiling.scale], tiling.tileLatent)
    ? await encodeTiled(vae, image, height, width, tiling).then((t) => ({ data: t.moments, dims: t.dims as readonly number[] }))
    : await encodeWhole(vae, image, height, width);
  const channels = dims[1]! / 2;
  const n = channels * dims[2]! * dims[3]!;
  const eps = noise.randn(n);
  const sf = f32(scalingFactor);
  const latents = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const logvar = Math.min(20, Math.max(-30, data[n + i]!));
    const std = f32(Math.exp(f32(0.5 * logvar)));
    latents[i] = f32(sf * f32(data[i]! + f32(std * eps[i]!)));
  }
  return latents;
}

async function encodeWhole(vae: ModelRunner, image: Float32Array, height: number, width: number): Promise<{ data: Float32Array; dims: readonly number[] }> {
  const out = await vae.run({ [vae.inputs[0]!.name]: floatTensor(image, [1, 3, height, width]) }, [vae.outputs[0]!.name]);
  const params = Object.values(out)[0]!;
  return { data: params.data as Float32Array, dims: params.dims };
}
