// Text-to-image, image-to-image and inpainting as diffusers' SDXL pipelines run them, one image (and one seeded
// generator) at a time: encode prompt → timesteps → initial latents → denoise (blending known latents) → decode.
// The loop runs on the device when the runtime offers one and the sampler is ported, else in JS (same results).
import type { ResolvedRequest } from '../schema/validate';
import { denoiseOnCpu, type DenoisedImage } from './denoise-cpu';
import { denoiseOnDevice, runsOnDevice, uploadConditioning, type DeviceConditioning } from './denoise-device';
import type { DeviceLoop, DeviceRun } from './device-loop';
import { planRefiner, type RefinerOptions, type RefinerPlan } from './refiner-stage';
import { prepareImageInputs, startImage, type ImageInputs, type StartContext } from './image-start';
import { encodeConditioning, type TextEncoders } from './prompt-encoding';
import { SDXL_LATENT_RGB } from './latent-preview';
import { throwIfCancelled, type CancelSignal, type ProgressEvent, type StageTimings } from './progress';
import type { ModelRunner } from './runners';
import { createScheduler, type NoiseSource, type SchedulerConfig } from './schedulers';
import { resolveSeeds } from './seeds';
import { LockstepRunner, serialRunner } from './lockstep-runner';
import { unetConditioning, type CfgBatch } from './unet-call';
import type { VaeShape } from './vae-memory';
import { needsTiles } from './vae-tiled-decode';

export type { ImageInputs } from './image-start';

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
  /** Offered by runtimes that can keep the loop on the device; ported samplers use it, the others the CPU loop. */
  deviceLoop?: DeviceLoop;
  /** The VAE's block channels and mid-block attention (for the decoder's memory estimate); absent = unknown. */
  vaeShape?: VaeShape;
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
  /**
   * Decode (and encode an init image) in overlapping tiles of this many latents (diffusers' tiled_decode and
   * tiled_encode) when the latent is larger; else whole.
   */
  vaeTileLatent?: number;
  /** CFG as one batch-2 UNet call (default) or two batch-1 calls (the CPU loop). */
  cfgBatch?: CfgBatch;
  /**
   * num_images > 1: one image after another (default), or all images denoised side by side with their UNet calls
   * made one batched call per step (the CPU loop). Each image keeps its own generator and draw order either way.
   */
  imageBatch?: ImageBatch;
  /** Use the components' device loop when it has one and the sampler is ported (default true). */
  deviceLoop?: boolean;
  /**
   * Finish each image with the SDXL refiner (OctoAI's use_refiner): the base runs the timesteps ≥ round(T·(1 − f)),
   * the refiner UNet the rest. Refused requests throw RefinerRequestError (field errors). Images run one after another;
   * on the device loop the base's steps stay on the device and the refiner's run in the JS loop.
   */
  refiner?: RefinerOptions;
  /** Device loop: also read back the final latents and the decoder's raw output (tests); the CPU loop always has them. */
  keepIntermediates?: boolean;
  /**
   * Every denoise progress event carries a preview: x₀ projected to RGB at latent resolution (latent-preview.ts). Off by
   * default: the device loop then reads nothing back per step. Models whose latents the SDXL map does not fit get none.
   */
  preview?: boolean;
}

export type ImageBatch = 'sequential' | 'batched';

export interface GeneratedPixels {
  rgba: Uint8ClampedArray;
  width: number;
  height: number;
  seed: number;
  /** Absent when the loop ran on the device without `keepIntermediates`. */
  finalLatents?: Float32Array;
  decoderSample?: Float32Array;
  /** With the refiner: the base's output latents, handed to the refiner (the CPU loop always has them). */
  handoverLatents?: Float32Array;
  /** VAE decoder calls for this image: more than 1 when it was decoded in tiles. */
  tiles?: number;
}

export interface PipelineResult {
  images: GeneratedPixels[];
  timings: StageTimings;
  /**
   * Where the denoise loop kept the latents: 'cpu' = every UNet output read back, guidance and step in JS; 'gpu' = the
   * device loop (on the GPU with WebGPU; the same graphs on the CPU EPs in tests). With a refiner, 'gpu' is the base's
   * steps: the refiner's run in JS between one readback and one upload.
   */
  denoiseLoop: 'cpu' | 'gpu';
  /** Denoise steps run (UNet-call steps, as progress counts them), summed over the images. */
  denoiseSteps: number;
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
  // The refiner is checked before any encoder runs (RefinerRequestError), then its own conditioning is encoded once.
  const refiner: RefinerPlan | undefined = opts.refiner && await planRefiner(c, c.schedulerConfig, req, opts.refiner, guidance, encodeOpts, opts.timestepSpacing);
  const cond = unetConditioning(await encodeConditioning(c, req, guidance, encodeOpts), req.height, req.width);
  await opts.yieldToHost?.();
  throwIfCancelled(opts.signal);
  const timings: StageTimings = { encode_prompt: now() - t0, denoise: [], decode: 0, total: 0 };

  const latentDims = [1, c.latentChannels, req.height / c.vaeScaleFactor, req.width / c.vaeScaleFactor];
  const prepared = req.images && prepareImageInputs(c.vaeEncoder, req.images, req.width, req.height, latentDims);
  const startContext = (index: number): StartContext => ({
    sampler: req.sampler, steps: req.steps, height: req.height, width: req.width, schedulerConfig: c.schedulerConfig,
    timestepSpacing: opts.timestepSpacing, vaeEncoder: c.vaeEncoder, vaeScalingFactor: c.vaeScalingFactor, latentDims,
    images: req.images && prepared && { inputs: req.images, prepared }, ...(tiling ? { vaeTiling: tiling } : {}),
    initialNoise: opts.initialNoise?.(index), stepNoise: opts.stepNoise?.(index),
  });
  const preview = !!opts.preview && c.latentChannels === SDXL_LATENT_RGB.factors.length;
  const side = opts.imageBatch === 'batched' && total > 1 && !refiner;
  // The device loop takes ported samplers with CFG as one batch; the batching experiments keep the CPU loop.
  // A tiled decode runs the decoder per tile on the CPU path's latents (large images on small adapters).
  const tiling = opts.vaeTileLatent && needsTiles(latentDims, opts.vaeTileLatent)
    ? { tileLatent: opts.vaeTileLatent, scale: c.vaeScaleFactor, signal: opts.signal }
    : undefined;
  const onDevice = !!c.deviceLoop && opts.deviceLoop !== false && !side && !tiling && (opts.cfgBatch ?? 'batched') === 'batched'
    && runsOnDevice(createScheduler(req.sampler, c.schedulerConfig, { timestepSpacing: opts.timestepSpacing }));
  const unet = side ? new LockstepRunner(c.unet, total) : c.unet;
  // Side by side, the images' VAE runs would overlap: each session runs once at a time.
  const cpuModels = side
    ? { unet, vaeEncoder: c.vaeEncoder && serialRunner(c.vaeEncoder), vaeDecoder: serialRunner(c.vaeDecoder), vaeScalingFactor: c.vaeScalingFactor }
    : { unet, vaeEncoder: c.vaeEncoder, vaeDecoder: c.vaeDecoder, vaeScalingFactor: c.vaeScalingFactor };
  // Per-request device tensors (conditioning, latents, noise …) are all freed here, on success, error or cancel.
  const run: DeviceRun | undefined = onDevice ? c.deviceLoop!.begin() : undefined;
  const images: GeneratedPixels[] = [];
  let denoiseSteps = 0;
  try {
    const deviceCond: DeviceConditioning | undefined = run && await uploadConditioning(run, c.unet, cond);
    const runImage = async (index: number, seed: number) => {
      // 2–3. Timesteps (image modes start part-way, by strength), this image's generator and its initial latents.
      const tDenoise = now();
      const started = await startImage({ ...startContext(index), vaeEncoder: cpuModels.vaeEncoder }, seed);
      const { base: start, refiner: refine } = refiner ? refiner.handOver(started) : { base: started, refiner: undefined };
      // 4–5. Denoise, checking for cancellation before every UNet call, then decode.
      const hooks = { signal: opts.signal, onProgress: opts.onProgress, yieldToHost: opts.yieldToHost, image: index, images: total, preview };
      const r: DenoisedImage = run && deviceCond && runsOnDevice(start.scheduler)
        ? await denoiseOnDevice(run, c, deviceCond, { ...start, scheduler: start.scheduler }, latentDims, req.cfg_scale, hooks, now, !!opts.keepIntermediates, refine)
        : await denoiseOnCpu(cpuModels, cond, start, latentDims, req.cfg_scale, hooks, now, opts.cfgBatch, tiling, refine);
      timings.denoise.push(r.loopEndAt - tDenoise);
      timings.decode += r.decodeMs;
      denoiseSteps += start.timesteps.length + (refine?.timesteps.length ?? 0);
      const { rgba, width, height, sample, tiles } = r.decoded;
      images[index] = { rgba, width, height, seed, finalLatents: r.finalLatents, handoverLatents: r.handoverLatents, decoderSample: sample, tiles };
    };
    if (unet instanceof LockstepRunner) {
      // Every image runs to its end (or failure) before this returns, so no session is still busy after a cancel.
      const settled = await Promise.all(seeds.map((seed, index) => runImage(index, seed).then(() => undefined, (e: unknown) => ({ e })).finally(() => unet.leave())));
      const failed = settled.find((r) => r !== undefined);
      if (failed) throw failed.e;
    } else {
      for (const [index, seed] of seeds.entries()) await runImage(index, seed);
    }
  } finally {
    run?.release();
  }
  timings.total = now() - t0;
  return { images, timings, denoiseLoop: onDevice ? 'gpu' : 'cpu', denoiseSteps };
}
