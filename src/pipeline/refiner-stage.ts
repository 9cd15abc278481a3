// The SDXL refiner as a second denoising stage: the request's checks, its conditioning once per request, and per image
// the hand-over (the base keeps t ≥ cutoff of its own timesteps, the strength tail in image-to-image; a fresh refiner
// scheduler runs t < cutoff of its full schedule from the base's latents as they are).
import type { Sampler } from '../schema/samplers';
import type { FieldError } from '../schema/response';
import type { ImageStart } from './image-start';
import type { EncodeOptions, TextEncoders } from './prompt-encoding';
import type { PromptFields } from './prompt-texts';
import { encodeRefinerConditioning } from './refiner-conditioning';
import { refinerErrors, RefinerRequestError, splitTimesteps, timestepCutoff } from './refiner-split';
import type { ModelRunner } from './runners';
import { createScheduler, type NoiseSource, type Scheduler, type SchedulerConfig } from './schedulers';
import type { UnetConditioning } from './unet-call';

export interface RefinerOptions {
  /** The refiner's UNet: 5 time ids (requires_aesthetics_score), encoder_hidden_states as wide as text_encoder_2's. */
  unet: ModelRunner;
  /** The refiner folder's scheduler/scheduler_config.json (diffusers gives the refiner pipeline its own scheduler). */
  schedulerConfig: SchedulerConfig;
  /** OctoAI's high_noise_frac: the base runs t ≥ round(T·(1 − f)), the refiner the rest (DEFAULT_HIGH_NOISE_FRAC = 0.8). */
  highNoiseFrac: number;
  aestheticScore?: number;
  negativeAestheticScore?: number;
  /** The refiner's model_index.json value (false for the SDXL refiner: a missing negative is encode("")). */
  forceZerosForEmptyPrompt?: boolean;
  /** Forced spacing for the refiner's scheduler; absent = its config's. */
  timestepSpacing?: string;
}

/** One image's second stage, run after the base's last step on its latents. */
export interface RefinerStage {
  unet: ModelRunner;
  cond: UnetConditioning;
  scheduler: Scheduler;
  timesteps: readonly number[];
  /** The image's generator, continuing where the base left it. */
  stepNoise: NoiseSource;
}

export interface RefinerRequest {
  sampler: Sampler;
  steps: number;
  /** Image inputs: image-to-image is split like text-to-image (its strength tail); a mask is refused. */
  images?: { mask?: unknown };
}

const schedule = (sampler: Sampler, config: SchedulerConfig, steps: number, spacing: string | undefined): Scheduler => {
  const s = createScheduler(sampler, config, { timestepSpacing: spacing });
  s.setTimesteps(steps);
  return s;
};

/** The field errors a use_refiner request gets before anything runs (empty: it can run); the engine may call it first. */
export function refinerRequestErrors(baseConfig: SchedulerConfig, req: RefinerRequest, r: RefinerOptions, baseSpacing?: string): FieldError[] {
  const base = schedule(req.sampler, baseConfig, req.steps, baseSpacing);
  const refiner = schedule(req.sampler, r.schedulerConfig, req.steps, r.timestepSpacing);
  return refinerErrors({
    highNoiseFrac: r.highNoiseFrac, steps: req.steps, sampler: req.sampler, samplerOrder: base.order, hasMask: !!req.images?.mask,
    numTrainTimesteps: baseConfig.num_train_timesteps, refinerNumTrainTimesteps: r.schedulerConfig.num_train_timesteps,
    baseSchedule: base.timesteps, refinerSchedule: refiner.timesteps,
  });
}

/** The refiner's per-request part: checked (RefinerRequestError), then its conditioning encoded once. */
export interface RefinerPlan {
  handOver(start: ImageStart): { base: ImageStart; refiner: RefinerStage };
}

export async function planRefiner(
  enc: Pick<TextEncoders, 'tokenizer2' | 'textEncoder2'>, baseConfig: SchedulerConfig, req: RefinerRequest & PromptFields & { height: number; width: number },
  r: RefinerOptions, guidance: boolean, encodeOpts: EncodeOptions, baseSpacing?: string,
): Promise<RefinerPlan> {
  const errors = refinerRequestErrors(baseConfig, req, r, baseSpacing);
  if (errors.length) throw new RefinerRequestError(errors);
  const cond = await encodeRefinerConditioning(enc, req, guidance, encodeOpts, {
    aestheticScore: r.aestheticScore ?? 6, negativeAestheticScore: r.negativeAestheticScore ?? 2.5, forceZerosForEmptyPrompt: r.forceZerosForEmptyPrompt ?? false,
  }, req.height, req.width);
  return {
    handOver(start) {
      const scheduler = schedule(req.sampler, r.schedulerConfig, req.steps, r.timestepSpacing);
      const split = splitTimesteps(start.timesteps, scheduler.timesteps, timestepCutoff(r.highNoiseFrac, baseConfig.num_train_timesteps),
        timestepCutoff(r.highNoiseFrac, r.schedulerConfig.num_train_timesteps));
      scheduler.setBeginIndex(split.refinerBeginIndex);
      return {
        base: { ...start, timesteps: split.base },
        refiner: { unet: r.unet, cond, scheduler, timesteps: split.refiner, stepNoise: start.stepNoise },
      };
    },
  };
}
