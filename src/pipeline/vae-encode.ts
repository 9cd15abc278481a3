// Pixels → latents with the VAE encoder, sampling the latent distribution from the request's generator like diffusers.
import { f32 } from './float32-math';
import type { ModelRunner } from './runners';
import type { NoiseSource } from './schedulers';
import { floatTensor } from './tensor';

/**
 * latent_dist.sample(generator) · scaling_factor: the encoder returns concat(mean, logvar) on the channel axis;
 * logvar is clamped to [−30, 20] and std = exp(logvar / 2). Consumes one randn draw of the latent shape.
 */
export async function encodeImage(
  vae: ModelRunner, image: Float32Array, height: number, width: number, noise: NoiseSource, scalingFactor: number,
): Promise<Float32Array> {
  const out = await vae.run({ [vae.inputs[0]!.name]: floatTensor(image, [1, 3, height, width]) }, [vae.outputs[0]!.name]);
  const params = Object.values(out)[0]!;
  const channels = params.dims[1]! / 2;
  const n = channels * params.dims[2]! * params.dims[3]!;
  const data = params.data as Float32Array;
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
