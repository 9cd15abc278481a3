// Maps an API sampler name to a scheduler built from the model's scheduler_config.json.
import type { Sampler } from '../../schema/samplers';
import { EulerDiscreteScheduler } from './euler-discrete';
import type { Scheduler, SchedulerConfig } from './scheduler';

export function createScheduler(sampler: Sampler, config: SchedulerConfig): Scheduler {
  switch (sampler) {
    case 'K_EULER':
      return new EulerDiscreteScheduler(config);
    default:
      throw new Error(`sampler ${sampler} is not implemented yet`);
  }
}

export type { NoiseSource, Scheduler, SchedulerConfig } from './scheduler';
