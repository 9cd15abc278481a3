// Shared set-up for ᾱ-space schedulers (DDIM, DDPM): integer timesteps and the previous timestep rule.
import type { SchedulerConfig } from './scheduler';
import { spacedTimesteps } from './timestep-spacing';

export function integerTimesteps(config: SchedulerConfig, steps: number): number[] {
  return spacedTimesteps(config, steps, true);
}

/** t − T // N, the "previous timestep" DDIM and DDPM step to. */
export function previousTimestep(config: SchedulerConfig, steps: number, t: number): number {
  return t - Math.floor(config.num_train_timesteps / steps);
}
