// Where the base hands over to the SDXL refiner, as diffusers 0.27.2 splits one schedule with denoising_end (base) and
// denoising_start (refiner), and the requests that split cannot serve, refused by field.
import type { FieldError } from '../schema/response';

/** OctoAI's high_noise_frac when a request sets use_refiner without one. */
export const DEFAULT_HIGH_NOISE_FRAC = 0.8;

/** Python's round(): halves go to the even neighbour (round(187.5) = 188, round(186.5) = 186). */
export function pythonRound(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** discrete_timestep_cutoff = int(round(T − frac·T)), computed in float64 as Python does. */
export function timestepCutoff(highNoiseFrac: number, numTrainTimesteps: number): number {
  return pythonRound(numTrainTimesteps - highNoiseFrac * numTrainTimesteps);
}

export interface RefinerSplit {
  /** The base's cutoff and the refiner's (each from its own scheduler config's num_train_timesteps: equal for SDXL). */
  cutoff: number;
  refinerCutoff: number;
  /** The base's timesteps: the head of its schedule with t ≥ cutoff (may be empty: it hands over its initial latents). */
  base: number[];
  /** The refiner's: the tail of its own schedule with t < cutoff. */
  refiner: number[];
  /**
   * The refiner scheduler's first step index: diffusers' index_for_timestep(refiner[0]) on a fresh scheduler (the
   * second occurrence when the timestep appears twice in the schedule).
   */
  refinerBeginIndex: number;
}

/**
 * The base loop keeps `timesteps[:count(t ≥ cutoff)]` (StableDiffusionXLPipeline, denoising_end); the refiner keeps
 * `timesteps[-count(t < cutoff):]` of its own schedule (StableDiffusionXLImg2ImgPipeline.get_timesteps with
 * denoising_start, first-order schedulers).
 */
export function splitTimesteps(baseSchedule: readonly number[], refinerSchedule: readonly number[], cutoff: number, refinerCutoff = cutoff): RefinerSplit {
  const baseCount = baseSchedule.filter((t) => t >= cutoff).length;
  const refinerCount = refinerSchedule.filter((t) => t < refinerCutoff).length;
  const refiner = refinerCount === 0 ? [] : refinerSchedule.slice(-refinerCount);
  const at = refiner.length ? refinerSchedule.flatMap((t, i) => (t === refiner[0] ? [i] : [])) : [];
  return { cutoff, refinerCutoff, base: baseSchedule.slice(0, baseCount), refiner, refinerBeginIndex: at.length > 1 ? at[1]! : (at[0] ?? 0) };
}

export interface RefinerCheck {
  highNoiseFrac: number;
  steps: number;
  sampler: string;
  /** UNet calls per step of the request's sampler (2: Heun, KDPM2, DPM++ SDE). */
  samplerOrder: number;
  /** Inpainting or outpainting (a mask_image): refused; image-to-image splits its strength tail like text-to-image. */
  hasMask: boolean;
  numTrainTimesteps: number;
  refinerNumTrainTimesteps: number;
  /** Both schedules, as the base's and the refiner's schedulers set them for `steps`. */
  baseSchedule: readonly number[];
  refinerSchedule: readonly number[];
}

const fieldError = (field: string, msg: string, type = 'value_error'): FieldError => ({ loc: ['body', field], msg, type });

/**
 * What a use_refiner request cannot be run as (empty: it can). Refused rather than run as diffusers would: a fraction
 * outside (0, 1) (diffusers then ignores denoising_end/start and re-runs the strength-0.3 tail on clean latents), a
 * split that leaves the refiner no step (diffusers' `timesteps[-0:]` then re-runs the whole schedule on clean latents),
 * second-order samplers (their paired calls do not split cleanly) and masks (diffusers' inpainting refiner re-blends
 * the mask with its own inputs: not implemented).
 */
export function refinerErrors(c: RefinerCheck): FieldError[] {
  const out: FieldError[] = [];
  if (c.hasMask) {
    out.push(fieldError('use_refiner', 'use_refiner is not supported yet with mask_image (inpainting and outpainting); remove one of them.', 'not_supported'));
  }
  if (c.samplerOrder !== 1) {
    out.push(fieldError('sampler', `use_refiner needs a first-order sampler; ${c.sampler} makes ${c.samplerOrder} UNet calls per step, which the hand-over would split.`, 'not_supported'));
  }
  if (!(c.highNoiseFrac > 0 && c.highNoiseFrac < 1)) {
    out.push(fieldError('high_noise_frac', `with use_refiner, high_noise_frac must be greater than 0 and less than 1 (got ${c.highNoiseFrac}).`));
  }
  // The split below is a first-order schedule's (a second-order one repeats timesteps in pairs).
  if (out.some((e) => e.loc[1] !== 'use_refiner')) return out;
  const split = splitTimesteps(c.baseSchedule, c.refinerSchedule, timestepCutoff(c.highNoiseFrac, c.numTrainTimesteps),
    timestepCutoff(c.highNoiseFrac, c.refinerNumTrainTimesteps));
  if (split.refiner.length === 0) {
    const lowest = Math.min(...c.refinerSchedule);
    out.push(fieldError('high_noise_frac', `high_noise_frac ${c.highNoiseFrac} leaves the refiner no step: it runs the timesteps below `
      + `round(${c.refinerNumTrainTimesteps}·(1 − ${c.highNoiseFrac})) = ${split.refinerCutoff}, and the ${c.steps}-step schedule's lowest is ${lowest}; `
      + 'lower high_noise_frac or raise steps.'));
  } else if (split.refinerBeginIndex + split.refiner.length > c.refinerSchedule.length) {
    out.push(fieldError('high_noise_frac', `high_noise_frac ${c.highNoiseFrac} starts the refiner at timestep ${split.refiner[0]}, which the `
      + `${c.steps}-step schedule holds twice (diffusers would step past the schedule's end); choose another high_noise_frac or steps.`));
  }
  return out;
}

/** A use_refiner request the pipeline refused, with its field errors (the engine answers them as a 422). */
export class RefinerRequestError extends Error {
  constructor(readonly detail: FieldError[]) {
    super(detail.map((d) => d.msg).join(' '));
    this.name = 'RefinerRequestError';
  }
}
