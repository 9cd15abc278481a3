// Which timesteps an image-to-image run uses for a strength, as diffusers' get_timesteps — but never zero steps.

export interface StrengthSchedule {
  /** The tail of the scheduler's timesteps to run. */
  timesteps: number[];
  /** Index into the full schedule where the run starts (diffusers' set_begin_index). */
  beginIndex: number;
  /** Denoising steps actually run (UNet calls / order). */
  steps: number;
}

/**
 * diffusers: init = min(int(steps · strength), steps), start = steps − init, timesteps[start · order:]. For
 * strength < 1/steps that is zero steps (the init image comes back untouched); here at least one step runs.
 */
export function strengthSchedule(timesteps: readonly number[], order: number, steps: number, strength: number): StrengthSchedule {
  const init = Math.max(1, Math.min(Math.floor(steps * strength), steps));
  const start = steps - init;
  return { timesteps: timesteps.slice(start * order), beginIndex: start * order, steps: init };
}
