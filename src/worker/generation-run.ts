// One validated request through the pipeline: the text encoders back in low-memory mode, the run, the images finished
// and encoded, and the run's measurements.
import { bytesToBase64 } from '../pipeline/base64';
import { generate } from '../pipeline/generate';
import { finishImage, type PreparedImages } from '../pipeline/image-modes';
import { withImageTexts } from '../pipeline/image-metadata/image-texts';
import { imageTexts } from '../schema/image-request';
import { throwIfCancelled, type ProgressEvent } from '../pipeline/progress';
import { DEFAULT_CHECKPOINT } from '../schema/request';
import type { FieldError, GeneratedImage } from '../schema/response';
import { DEFAULT_HIGH_NOISE_FRAC } from '../pipeline/refiner-split';
import type { ResolvedRequest } from '../schema/validate';
import type { GenerationOptions } from '../schema/generation-options';
import { gpuCounters } from '../runtime/gpu-counters';
import type { ModelSessions, RunAssets } from '../runtime/model-sessions';
import type { ExecutionProvider, RunClock } from '../runtime/ort-runner';
import { transferLedger } from '../runtime/transfer-ledger';
import { generationStats } from './generation-stats';
import { NO_VAE_ENCODER } from './request-images';
import type { GenerationStats } from './protocol';

/** A request the run cannot serve with what it was given (the engine answers its field errors as a 422). */
export class FieldRefusal extends Error {
  constructor(readonly detail: FieldError[]) {
    super(detail.map((d) => d.msg).join(' '));
    this.name = 'FieldRefusal';
  }
}

export interface RunContext {
  sessions: ModelSessions;
  provider: ExecutionProvider;
  clock: RunClock;
  /** Low-memory mode: the text encoders go as soon as the prompt is encoded. */
  releaseEncoders: boolean;
  loop: 'device' | 'cpu';
  unetCapture: GenerationStats['unet_graph_capture'];
  encodeImage(rgba: Uint8ClampedArray, width: number, height: number, format: 'png' | 'jpeg'): Promise<Uint8Array>;
  randomSeed(): number;
  now(): number;
}

export interface RunSettings {
  options: GenerationOptions;
  /** The assets the request names, resolved. */
  assets: RunAssets;
  maskBlur: number;
  tileLatent: number | undefined;
  /** The fields the caller's body gave: with the resolved ones, the request each image carries. */
  givenFields: readonly string[];
}

/** Runs the request and gives back the OctoAI images and the stats; throws CancelledError or the run's failure. */
export async function runGeneration(
  ctx: RunContext, req: ResolvedRequest, images: PreparedImages, settings: RunSettings,
  signal: AbortSignal, onProgress: (p: ProgressEvent) => Promise<void>,
): Promise<{ images: GeneratedImage[]; totalMs: number; stats: GenerationStats; warnings: string[] }> {
  const { sessions, clock } = ctx;
  const start = ctx.now();
  clock.reset();
  const gpuMark = gpuCounters.installed ? gpuCounters.mark() : undefined;
  const transferMark = transferLedger.mark();
  try {
    if (sessions.textEncodersReleased) {
      // Low-memory mode: the text encoders' sessions come back first.
      await onProgress({ stage: 'session', component: 'text_encoder', image: 0, images: req.num_images, step: 0, steps: 0 });
      throwIfCancelled(signal);
    }
    // The request's assets in place (a VAE's sessions, TI-grown text encoders); unchanged assets cost nothing.
    const { refiner, warnings, assetMs, ...components } = await sessions.forRun(settings.assets);
    throwIfCancelled(signal);
    if (images.value && !components.vaeEncoder) {
      throw new FieldRefusal(req.vae === undefined ? NO_VAE_ENCODER.detail! : [{ loc: ['body', 'vae'], msg: `VAE "${req.vae}" has no vae_encoder/: image-to-image and inpainting encode with the same VAE that decodes. Use a VAE folder with vae_encoder/, or remove vae.`, type: 'not_supported' }]);
    }
    let encoded = false;
    const result = await generate(components, { ...req, images: images.value }, {
      signal, randomSeed: ctx.randomSeed, now: ctx.now,
      onProgress: (p) => {
        // The prompt is encoded once per request: in low-memory mode the encoders go as soon as denoising starts.
        if (!encoded && p.stage !== 'encode_prompt' && ctx.releaseEncoders) void sessions.releaseTextEncoders();
        encoded ||= p.stage !== 'encode_prompt';
        return onProgress(p);
      },
      yieldToHost: () => new Promise((resolve) => setTimeout(resolve, 0)),
      deviceLoop: ctx.loop === 'device',
      // The Lightning checkpoint is distilled on trailing timesteps, whatever spacing its config file names.
      timestepSpacing: req.checkpoint === DEFAULT_CHECKPOINT ? 'trailing' : undefined,
      cfgBatch: settings.options.cfgBatch, imageBatch: settings.options.imageBatch,
      vaeTileLatent: settings.tileLatent,
      preview: settings.options.preview,
      refiner: refiner && { ...refiner, highNoiseFrac: req.high_noise_frac ?? DEFAULT_HIGH_NOISE_FRAC },
    });
    const out: GeneratedImage[] = [];
    for (const img of result.images) {
      const encoded = await ctx.encodeImage(finishImage(images, img, settings.maskBlur), img.width, img.height, req.image_encoding);
      // The request rides in the image (PNG text chunks, JPEG EXIF UserComment + COM), with this image's own seed.
      const { bytes, skipped } = withImageTexts(encoded, imageTexts(req, settings.givenFields, img.seed));
      if (skipped.length > 0) warnings.push(`Image ${out.length + 1}: too long to store in the JPEG: ${skipped.join(', ')} (PNG has no such limit).`);
      out.push({ image_b64: bytesToBase64(bytes), seed: img.seed, removed_for_safety: false, width: img.width, height: img.height });
    }
    const totalMs = ctx.now() - start;
    const gpu = gpuMark && gpuCounters.end(gpuMark);
    const stats: GenerationStats = {
      ...generationStats({
        provider: ctx.provider, clock, encodeMs: result.timings.encode_prompt, totalMs,
        denoiseLoop: result.denoiseLoop, denoiseSteps: result.denoiseSteps,
        latent: [components.latentChannels, req.height / components.vaeScaleFactor, req.width / components.vaeScaleFactor],
        transfers: transferLedger.since(transferMark),
        gpu: ctx.provider === 'webgpu' ? gpu : undefined,
        vaeTilePx: result.images.some((i) => (i.tiles ?? 1) > 1) ? settings.tileLatent! * components.vaeScaleFactor : undefined,
      }),
      unet_graph_capture: ctx.unetCapture,
      asset_ms: Math.round(assetMs),
    };
    return { images: out, totalMs, stats, warnings };
  } catch (e) {
    if (gpuMark) gpuCounters.end(gpuMark);
    throw e;
  }
}
