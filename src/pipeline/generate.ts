// Text-to-image, image-to-image and inpainting as diffusers' SDXL pipelines run them, one image (and one seeded
// generator) at a time: encode prompt → timesteps → initial latents → denoise (blending known latents) → decode.
import type { ResolvedRequest } from '../schema/validate';
import { f32 } from './float32-math';
import { encodeConditioning, type TextEncoders } from './prompt-encoding';
import { throwIfCancelled, type CancelSignal, type ProgressEvent, type StageTimings } from './progress';
import type { ModelRunner } from './runners';
import { binarizeMask, imageToTensor, resizeMaskNearest, type RgbaImage } from './image-tensors';
import { createScheduler, type NoiseSource, type Scheduler, type SchedulerConfig } from './schedulers';
import { strengthSchedule } from './strength-timesteps';
import { resolveSeeds } from './seeds';
import { TorchGenerator } from './torch-generator';
import { LockstepRunner, serialRunner } from './lockstep-runner';
import { predictNoise, unetConditioning, type CfgBatch } from './unet-call';
import { decodeLatents } from './vae-decode';
import { encodeImage } from './vae-encode';

export interface SdxlComponents extends TextEncoders {
  unet: ModelRunner;
  vaeDecoder: ModelRunner;
  /** Needed for image-to-image and inpainting only. */
  vaeEncoder?: ModelRunner;
  schedulerConfig: SchedulerConfig;
  vaeScalingFactor: number;
  /** Latent channels and the VAE's spatial factor (8 for SDXL). */
  latentChannels: number;
  vaeScaleFactor: number;
}

export interface PipelineOptions {
  signal?: CancelSignal;
  /** Awaited before the stage it announces runs, then the signal is checked: a cancel from inside it stops that stage. */
  onProgress?: (e: ProgressEvent) => void | Promise<void>;
  /** Seed for images whose request has none (the engine passes a crypto-random one). */
  randomSeed: () => number;
  now?: () => number;
  /** Parse (word:1.5)/[word]/BREAK (default true); off, prompts are literal text as in diffusers. */
  promptWeighting?: boolean;
  /** Forced timestep spacing for distilled checkpoints ("trailing" for SDXL-Lightning); else the model's config. */
  timestepSpacing?: string;
  /**
   * Lets the host process its event queue between UNet calls (a worker must, or a cancel message waits until the
   * run ends: onnxruntime's wasm backend can resolve session.run without ever yielding to the event loop).
   */
  yieldToHost?: () => Promise<void>;
  /** Per-step noise for stochastic samplers; the image's seeded generator when absent (tests inject references). */
  stepNoise?: (imageIndex: number) => NoiseSource;
  /** Unscaled N(0,1) starting latents per image (diffusers' `latents` argument); drawn from the seed when absent. */
  initialNoise?: (imageIndex: number) => Float32Array;
  /** CFG as one batch-2 UNet call (default) or two batch-1 calls. */
  cfgBatch?: CfgBatch;
  /**
   * num_images > 1: one image after another (default), or all images denoised side by side with their UNet calls
   * made one batched call per step. Each image keeps its own generator and draw order either way.
   */
  imageBatch?: ImageBatch;
}

export type ImageBatch = 'sequential' | 'batched';

export interface GeneratedPixels {
  rgba: Uint8ClampedArray;
  width: number;
  height: number;
  seed: number;
  finalLatents: Float32Array;
  decoderSample: Float32Array;
}

export interface PipelineResult {
  images: GeneratedPixels[];
  timings: StageTimings;
  /** Where the denoise loop kept the latents: 'cpu' = every UNet output read back, guidance and step in JS. */
  denoiseLoop: 'cpu' | 'gpu';
  /** Denoise steps run (UNet-call steps, as progress counts them), summed over the images. */
  denoiseSteps: number;
}

/** The image side of a request, already decoded and sized to width × height. */
export interface ImageInputs {
  init: RgbaImage;
  /** White = repaint (inpainting); absent for image-to-image. */
  mask?: RgbaImage;
  strength: number;
}

export type GenerateRequest = Pick<ResolvedRequest, 'prompt' | 'negative_prompt' | 'width' | 'height' | 'steps' | 'cfg_scale' | 'sampler' | 'seed' | 'num_images'>
  & Partial<Pick<ResolvedRequest, 'style_preset' | 'prompt_2' | 'negative_prompt_2' | 'clip_skip'>> & { images?: ImageInputs };

export async function generate(c: SdxlComponents, req: GenerateRequest, opts: PipelineOptions): Promise<PipelineResult> {
  const now = opts.now ?? Date.now;
  const t0 = now();
  const seeds = resolveSeeds(req.seed, req.num_images, opts.randomSeed);
  const guidance = req.cfg_scale > 1;
  const total = seeds.length;

  // 1. Encode the prompt once for every image; a cancel during the encoders' runs is honoured as soon as they end.
  await opts.onProgress?.({ stage: 'encode_prompt', image: 0, images: total, step: 0, steps: 0 });
  throwIfCancelled(opts.signal);
  const encodeOpts = { weighting: opts.promptWeighting, clipSkip: req.clip_skip, stylePreset: req.style_preset };
  const cond = unetConditioning(await encodeConditioning(c, req, guidance, encodeOpts), req.height, req.width);
  await opts.yieldToHost?.();
  throwIfCancelled(opts.signal);
  const timings: StageTimings = { encode_prompt: now() - t0, denoise: [], decode: 0, total: 0 };

  const latentDims = [1, c.latentChannels, req.height / c.vaeScaleFactor, req.width / c.vaeScaleFactor];
  const numel = latentDims.reduce((a, b) => a * b, 1);
  const imageInputs = req.images && prepareImageInputs(c, req.images, req.width, req.height, latentDims);
  const images: GeneratedPixels[] = [];
  let denoiseSteps = 0;
  const side = opts.imageBatch === 'batched' && total > 1;
  const unet = side ? new LockstepRunner(c.unet, total) : c.unet;
  // Side by side, the images' VAE runs would overlap: each session runs once at a time.
  const vae = side
    ? { encoder: c.vaeEncoder && serialRunner(c.vaeEncoder), decoder: serialRunner(c.vaeDecoder) }
    : { encoder: c.vaeEncoder, decoder: c.vaeDecoder };
  const runImage = async (index: number, seed: number) => {
    // 2. Timesteps (image modes start part-way, by strength) and this image's own generator.
    const tDenoise = now();
    const scheduler = createScheduler(req.sampler, c.schedulerConfig, { timestepSpacing: opts.timestepSpacing });
    scheduler.setTimesteps(req.steps);
    const schedule = req.images
      ? strengthSchedule(scheduler.timesteps, scheduler.order, req.steps, req.images.strength)
      : { timesteps: scheduler.timesteps, beginIndex: 0 };
    scheduler.setBeginIndex(schedule.beginIndex);
    const generator = new TorchGenerator(seed);

    // 3. Initial latents, drawing from the generator in diffusers' order.
    let latents: Float32Array;
    let known: { latents: Float32Array; noise: Float32Array; mask: Float32Array } | undefined;
    if (imageInputs) {
      const fullStrength = req.images!.strength >= 1;
      const imageLatents = await encodeImage(vae.encoder!, imageInputs.pixels, req.height, req.width, generator, c.vaeScalingFactor);
      const noise = opts.initialNoise?.(index) ?? generator.randn(numel);
      const sigma0 = f32(scheduler.initNoiseSigma);
      latents = fullStrength && imageInputs.latentMask
        ? noise.map((x) => f32(x * sigma0))
        : scheduler.addNoise(imageLatents, noise, schedule.timesteps[0]!);
      if (imageInputs.latentMask) {
        // diffusers also encodes the masked image, which a 4-channel UNet never uses; its draw is still consumed.
        generator.randn(numel);
        known = { latents: imageLatents, noise, mask: imageInputs.latentMask };
      }
    } else {
      const sigma0 = f32(scheduler.initNoiseSigma);
      latents = (opts.initialNoise?.(index) ?? generator.randn(numel)).map((x) => f32(x * sigma0));
    }
    const stepNoise = opts.stepNoise?.(index) ?? generator;

    // 4. Denoise, checking for cancellation before every UNet call.
    const steps = schedule.timesteps.length;
    for (const [i, t] of schedule.timesteps.entries()) {
      await opts.yieldToHost?.();
      throwIfCancelled(opts.signal);
      const modelInput = scheduler.scaleModelInput(latents, t);
      const noisePred = await predictNoise(unet, cond, modelInput, latentDims, t, req.cfg_scale, opts.cfgBatch);
      latents = scheduler.step(noisePred, t, latents, stepNoise).prevSample;
      if (known) latents = blendKnown(scheduler, known, latents, schedule.timesteps[i + 1]);
      await opts.onProgress?.({ stage: 'denoise', image: index, images: total, step: i + 1, steps });
    }
    timings.denoise.push(now() - tDenoise);
    denoiseSteps += steps;

    // 5. Decode, with a check on each side: a cancel during the VAE's run drops its image.
    await opts.yieldToHost?.();
    throwIfCancelled(opts.signal);
    await opts.onProgress?.({ stage: 'decode', image: index, images: total, step: steps, steps });
    throwIfCancelled(opts.signal);
    const tDecode = now();
    const decoded = await decodeLatents(vae.decoder, latents, latentDims, c.vaeScalingFactor);
    timings.decode += now() - tDecode;
    await opts.yieldToHost?.();
    throwIfCancelled(opts.signal);
    images[index] = { ...decoded, rgba: decoded.rgba, seed, finalLatents: latents, decoderSample: decoded.sample };
  };
  if (unet instanceof LockstepRunner) {
    // Every image runs to its end (or failure) before this returns, so no session is still busy after a cancel.
    const settled = await Promise.all(seeds.map((seed, index) => runImage(index, seed).then(() => undefined, (e: unknown) => ({ e })).finally(() => unet.leave())));
    const failed = settled.find((r) => r !== undefined);
    if (failed) throw failed.e;
  } else {
    for (const [index, seed] of seeds.entries()) await runImage(index, seed);
  }
  timings.total = now() - t0;
  return { images, timings, denoiseLoop: 'cpu', denoiseSteps };
}

function prepareImageInputs(c: SdxlComponents, inputs: ImageInputs, width: number, height: number, latentDims: readonly number[]) {
  if (!c.vaeEncoder) throw new Error('this model has no vae_encoder, which image-to-image and inpainting need');
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

/**
 * The inpainting blend of a 4-channel UNet: outside the mask, the latents become the init image's latents re-noised to
 * the next timestep (or the clean latents after the last step): (1 − m)·known + m·latents.
 */
function blendKnown(
  scheduler: Scheduler, known: { latents: Float32Array; noise: Float32Array; mask: Float32Array }, latents: Float32Array, nextT: number | undefined,
): Float32Array {
  const proper = nextT === undefined ? known.latents : scheduler.addNoise(known.latents, known.noise, nextT);
  const plane = known.mask.length;
  return latents.map((x, i) => {
    const m = known.mask[i % plane]!;
    return f32(f32(f32(1 - m) * proper[i]!) + f32(m * x));
  });
}
