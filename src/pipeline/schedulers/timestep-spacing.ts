// diffusers' timestep spacings ("trailing", "leading", "linspace") for discrete-time schedulers.
import type { SchedulerConfig } from './scheduler';

/**
 * Timesteps high → low as float32 values, exactly as diffusers' set_timesteps builds them. `integer` is for the
 * schedulers that keep int64 timesteps (DDIM, DDPM, PNDM, DPM-Solver, UniPC): their linspace spacing is rounded.
 */
export function spacedTimesteps(config: SchedulerConfig, steps: number, integer = false): number[] {
  const T = config.num_train_timesteps;
  const f32 = Math.fround;
  switch (config.timestep_spacing) {
    case 'trailing': {
      const ratio = T / steps;
      const out: number[] = [];
      // np.round(np.arange(T, 0, -ratio)) - 1; np.round rounds half to even.
      for (let v = T, i = 0; v > 0 && i < steps; i++, v = T - i * ratio) out.push(f32(roundHalfEven(v)) - 1);
      return out;
    }
    case 'leading': {
      const ratio = Math.floor(T / steps);
      return Array.from({ length: steps }, (_, i) => f32((steps - 1 - i) * ratio + config.steps_offset));
    }
    case 'linspace':
      return Array.from({ length: steps }, (_, i) => {
        const v = ((T - 1) * (steps - 1 - i)) / (steps - 1 || 1);
        return integer ? roundHalfEven(v) : f32(v);
      });
    default:
      throw new Error(`timestep_spacing "${config.timestep_spacing}" is not supported`);
  }
}

export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}
