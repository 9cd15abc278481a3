// Text-to-image as diffusers' StableDiffusionXLPipeline runs it, one image (and one seeded generator) at a time.
import { applyStyle } from '../schema/style-presets';
import type { ResolvedRequest } from '../schema/validate';
import { f32 } from './float32-math';
import { encodeConditioning, type TextEncoders } from './prompt-encoding';
import { throwIfCancelled, type CancelSignal, type ProgressEvent, type StageTimings } from './progress';
import type { ModelRunner } from './runners';
import { createScheduler, type NoiseSource, type SchedulerConfig } from './schedulers';
import { resolveSeeds } from './seeds';
import { TorchGenerator } from './torch-generator';
import { predictNoise, unetConditioning } from './unet-call';
import { decodeLatents } from './vae-decode';

export interface SdxlComponents extends TextEncoders {
  unet: ModelRunner;
  vaeDecoder: ModelRunner;
  schedulerConfig: SchedulerConfig;
  vaeScalingFactor: number;
  /** Latent channels and the VAE's spatial factor (8 for SDXL). */
  latentChannels: number;
  vaeScaleFactor: number;
}

export interface PipelineOptions {
  signal?: CancelSignal;
  onProgress?: (e: ProgressEvent) => void;
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
}

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
}

export type Txt2ImgRequest = Pick<ResolvedRequest, 'prompt' | 'negative_prompt' | 'width' | 'height' | 'steps' | 'cfg_scale' | 'sampler' | 'seed' | 'num_images'>
  & Partial<Pick<ResolvedRequest, 'style_preset'>>;

export async function txt2img(c: SdxlComponents, req: Txt2ImgRequest, opts: PipelineOptions): Promise<PipelineResult> {
  const now = opts.now ?? Date.now;
  const t0 = now();
  const seeds = resolveSeeds(req.seed, req.num_images, opts.randomSeed);
  const guidance = req.cfg_scale > 1;
  const total = seeds.length;

  // 1. Encode the prompt once for every image.
  opts.onProgress?.({ stage: 'encode_prompt', image: 0, images: total, step: 0, steps: 0 });
  throwIfCancelled(opts.signal);
  const styled = applyStyle(req.style_preset ?? 'base', req.prompt, req.negative_prompt);
  const cond = unetConditioning(
    await encodeConditioning(c, styled.prompt, styled.negative, guidance, { weighting: opts.promptWeighting }), req.height, req.width,
  );
  const timings: StageTimings = { encode_prompt: now() - t0, denoise: [], decode: 0, total: 0 };

  const latentDims = [1, c.latentChannels, req.height / c.vaeScaleFactor, req.width / c.vaeScaleFactor];
  const numel = latentDims.reduce((a, b) => a * b, 1);
  const images: GeneratedPixels[] = [];
  for (const [index, seed] of seeds.entries()) {
    // 2. Timesteps and initial latents from this image's own generator.
    const tDenoise = now();
    const scheduler = createScheduler(req.sampler, c.schedulerConfig, { timestepSpacing: opts.timestepSpacing });
    scheduler.setTimesteps(req.steps);
    const generator = new TorchGenerator(seed);
    const sigma0 = f32(scheduler.initNoiseSigma);
    const noise = opts.initialNoise?.(index) ?? generator.randn(numel);
    let latents: Float32Array = noise.map((x) => f32(x * sigma0));
    const stepNoise = opts.stepNoise?.(index) ?? generator;

    // 3. Denoise, checking for cancellation before every UNet call.
    const steps = scheduler.timesteps.length;
    for (const [i, t] of scheduler.timesteps.entries()) {
      await opts.yieldToHost?.();
      throwIfCancelled(opts.signal);
      const modelInput = scheduler.scaleModelInput(latents, t);
      const noisePred = await predictNoise(c.unet, cond, modelInput, latentDims, t, req.cfg_scale);
      latents = scheduler.step(noisePred, t, latents, stepNoise).prevSample;
      opts.onProgress?.({ stage: 'denoise', image: index, images: total, step: i + 1, steps });
    }
    timings.denoise.push(now() - tDenoise);

    // 4. Decode.
    await opts.yieldToHost?.();
    throwIfCancelled(opts.signal);
    opts.onProgress?.({ stage: 'decode', image: index, images: total, step: steps, steps });
    const tDecode = now();
    const decoded = await decodeLatents(c.vaeDecoder, latents, latentDims, c.vaeScalingFactor);
    timings.decode += now() - tDecode;
    images.push({ ...decoded, rgba: decoded.rgba, seed, finalLatents: latents, decoderSample: decoded.sample });
  }
  timings.total = now() - t0;
  return { images, timings };
}
