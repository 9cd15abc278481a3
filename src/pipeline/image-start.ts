// Where each image's denoising starts: its scheduler and timesteps (by strength in the image modes), its seeded
// generator, and its initial latents drawn in diffusers' order; plus the inpainting's known latents.
import { f32 } from './float32-math';
import { binarizeMask, imageToTensor, resizeMaskNearest, type RgbaImage } from './image-tensors';
import type { ModelRunner } from './runners';
import { createScheduler, type NoiseSource, type Scheduler, type SchedulerConfig } from './schedulers';
import type { Sampler } from '../schema/samplers';
import { strengthSchedule } from './strength-timesteps';
import { TorchGenerator } from './torch-generator';
import { encodeImage } from './vae-encode';
import type { TiledDecodeOptions } from './vae-tiled-decode';

/** The image side of a request, already decoded and sized to width × height. */
export interface ImageInputs {
  init: RgbaImage;
  /** White = repaint (inpainting); absent for image-to-image. */
  mask?: RgbaImage;
  strength: number;
}

/** Inpainting: the init image's latents, the noise they are re-noised with, and the latent-size mask (1 = repaint). */
export interface KnownLatents {
  latents: Float32Array;
  noise: Float32Array;
  mask: Float32Array;
}

export interface ImageStart {
  scheduler: Scheduler;
  timesteps: readonly number[];
  latents: Float32Array;
  known?: KnownLatents;
  /** Where the steps draw their noise (the image's generator unless a test injects some). */
  stepNoise: NoiseSource;
}

export interface PreparedImages {
  pixels: Float32Array;
  latentMask?: Float32Array;
}

export interface StartContext {
  sampler: Sampler;
  steps: number;
  height: number;
  width: number;
  schedulerConfig: SchedulerConfig;
  timestepSpacing?: string;
  vaeEncoder?: ModelRunner;
  vaeScalingFactor: number;
  /** Encode the init image in tiles (diffusers' tiled_encode) when it is larger than one tile. */
  vaeTiling?: TiledDecodeOptions;
  latentDims: readonly number[];
  images?: { inputs: ImageInputs; prepared: PreparedImages };
  initialNoise?: Float32Array;
  stepNoise?: NoiseSource;
}

export function prepareImageInputs(vaeEncoder: ModelRunner | undefined, inputs: ImageInputs, width: number, height: number, latentDims: readonly number[]): PreparedImages {
  if (!vaeEncoder) throw new Error('this model has no vae_encoder, which image-to-image and inpainting need');
  for (const [name, img] of [['init image', inputs.init], ['mask', inputs.mask]] as const) {
    if (img && (img.width !== width || img.height !== height)) {
      throw new Error(`${name} is ${img.width}×${img.height}; it must be resized to ${width}×${height} first`);
    }
  }
  const pixels = imageToTensor(inputs.init);
  const latentMask = inputs.mask
    ? resizeMaskNearest(binarizeMask(inputs.mask), width, height, latentDims[3]!, latentDims[2]!)
    : undefined;
  return { pixels, latentMask };
}

export async function startImage(ctx: StartContext, seed: number): Promise<ImageStart> {
  const scheduler = createScheduler(ctx.sampler, ctx.schedulerConfig, { timestepSpacing: ctx.timestepSpacing });
  scheduler.setTimesteps(ctx.steps);
  const schedule = ctx.images
    ? strengthSchedule(scheduler.timesteps, scheduler.order, ctx.steps, ctx.images.inputs.strength)
    : { timesteps: scheduler.timesteps, beginIndex: 0 };
  scheduler.setBeginIndex(schedule.beginIndex);
  const generator = new TorchGenerator(seed);
  const numel = ctx.latentDims.reduce((a, b) => a * b, 1);
  const sigma0 = f32(scheduler.initNoiseSigma);

  // Initial latents, drawing from the generator in diffusers' order.
  let latents: Float32Array;
  let known: KnownLatents | undefined;
  if (ctx.images) {
    const { inputs, prepared } = ctx.images;
    const fullStrength = inputs.strength >= 1;
    const imageLatents = await encodeImage(ctx.vaeEncoder!, prepared.pixels, ctx.height, ctx.width, generator, ctx.vaeScalingFactor, ctx.vaeTiling);
    const noise = ctx.initialNoise ?? generator.randn(numel);
    latents = fullStrength && prepared.latentMask
      ? noise.map((x) => f32(x * sigma0))
      : scheduler.addNoise(imageLatents, noise, schedule.timesteps[0]!);
    if (prepared.latentMask) {
      // diffusers also encodes the masked image, which a 4-channel UNet never uses; its draw is still consumed.
      generator.randn(numel);
      known = { latents: imageLatents, noise, mask: prepared.latentMask };
    }
  } else {
    latents = (ctx.initialNoise ?? generator.randn(numel)).map((x) => f32(x * sigma0));
  }
  return { scheduler, timesteps: schedule.timesteps, latents, known, stepNoise: ctx.stepNoise ?? generator };
}
