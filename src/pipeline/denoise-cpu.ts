// The denoising loop in JS: every UNet output comes back to the CPU, guidance and the scheduler step run in float32 JS;
// a refiner's stage, when there is one, runs the same way after the base's.
import { afterDecode, afterStep, beforeDecode, beforeStep, type LoopHooks } from './denoise-hooks';
import { f32 } from './float32-math';
import { projectLatents } from './latent-preview';
import type { ImageStart, KnownLatents } from './image-start';
import type { ModelRunner } from './runners';
import type { RefinerStage } from './refiner-stage';
import type { NoiseSource, Scheduler } from './schedulers';
import { predictNoise, type CfgBatch, type UnetConditioning } from './unet-call';
import { decodeLatents, type DecodedImage } from './vae-decode';
import type { TiledDecodeOptions } from './vae-tiled-decode';

export interface CpuLoopModels {
  unet: ModelRunner;
  vaeDecoder: ModelRunner;
  vaeScalingFactor: number;
}

export interface DenoisedImage {
  /** The decoder's raw output (`sample`) is absent when the device loop was not asked for it. */
  decoded: Omit<DecodedImage, 'sample'> & { sample?: Float32Array };
  finalLatents?: Float32Array;
  /** With the refiner: the base's output, the refiner's input (scaled latents). */
  handoverLatents?: Float32Array;
  /** now() when the loop ended, and the milliseconds the decode took. */
  loopEndAt: number;
  decodeMs: number;
}

export async function denoiseOnCpu(
  m: CpuLoopModels, cond: UnetConditioning, start: ImageStart, latentDims: readonly number[], cfgScale: number, hooks: LoopHooks, now: () => number,
  cfgBatch?: CfgBatch, tiling?: TiledDecodeOptions, refiner?: RefinerStage,
): Promise<DenoisedImage> {
  // Progress counts the UNet-call steps of both stages.
  const steps = start.timesteps.length + (refiner?.timesteps.length ?? 0);
  let latents = await runSteps({ ...start, unet: m.unet, cond }, start.latents, latentDims, cfgScale, hooks, cfgBatch, 0, steps);
  // The refiner takes the base's latents as they are: scaled, not decoded, no noise added (diffusers' denoising_start).
  const handoverLatents = refiner && latents;
  if (refiner) latents = await runSteps(refiner, latents, latentDims, cfgScale, hooks, cfgBatch, start.timesteps.length, steps);
  const loopEndAt = now();
  await beforeDecode(hooks, steps);
  const t1 = now();
  const decoded = await decodeLatents(m.vaeDecoder, latents, latentDims, m.vaeScalingFactor, tiling);
  const decodeMs = now() - t1;
  await afterDecode(hooks);
  return { decoded, finalLatents: latents, handoverLatents, loopEndAt, decodeMs };
}

export interface LoopStage {
  unet: ModelRunner;
  cond: UnetConditioning;
  scheduler: Scheduler;
  timesteps: readonly number[];
  known?: KnownLatents;
  stepNoise: NoiseSource;
}

/** One stage's steps from `latents`; progress reports `done` + the steps run of `total`. */
export async function runSteps(
  s: LoopStage, latents: Float32Array, latentDims: readonly number[], cfgScale: number, hooks: LoopHooks, cfgBatch: CfgBatch | undefined, done: number, total: number,
): Promise<Float32Array> {
  const { scheduler, timesteps, known, stepNoise } = s;
  for (const [i, t] of timesteps.entries()) {
    await beforeStep(hooks);
    const modelInput = scheduler.scaleModelInput(latents, t);
    const noisePred = await predictNoise(s.unet, s.cond, modelInput, latentDims, t, cfgScale, cfgBatch);
    const stepped = scheduler.step(noisePred, t, latents, stepNoise);
    latents = stepped.prevSample;
    if (known) latents = blendKnown(scheduler, known, latents, timesteps[i + 1]);
    // The preview shows x₀ where the sampler predicts it (most do), else the latents themselves.
    await afterStep(hooks, done + i + 1, total, hooks.preview ? projectLatents(stepped.predOriginalSample ?? latents, latentDims) : undefined);
  }
  return latents;
}

/**
 * The inpainting blend of a 4-channel UNet: outside the mask, the latents become the init image's latents re-noised to
 * the next timestep (or the clean latents after the last step): (1 − m)·known + m·latents.
 */
function blendKnown(scheduler: Scheduler, known: KnownLatents, latents: Float32Array, nextT: number | undefined): Float32Array {
  const proper = nextT === undefined ? known.latents : scheduler.addNoise(known.latents, known.noise, nextT);
  const plane = known.mask.length;
  return latents.map((x, i) => {
    const m = known.mask[i % plane]!;
    return f32(f32(f32(1 - m) * proper[i]!) + f32(m * x));
  });
}
