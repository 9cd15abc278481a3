// Maps an API sampler name to a scheduler built from the model's scheduler_config.json.
import type { Sampler } from '../../schema/samplers';
import { DdimScheduler } from './ddim';
import { DdpmScheduler } from './ddpm';
import { DpmSolverMultistepScheduler } from './dpm-solver-multistep';
import { EulerAncestralDiscreteScheduler } from './euler-ancestral';
import { EulerDiscreteScheduler } from './euler-discrete';
import { HeunDiscreteScheduler } from './heun';
import { LmsDiscreteScheduler } from './lms';
import type { Scheduler, SchedulerConfig } from './scheduler';

const FACTORIES: Partial<Record<Sampler, (c: SchedulerConfig) => Scheduler>> = {
  DDIM: (c) => new DdimScheduler(c),
  DDPM: (c) => new DdpmScheduler(c),
  KLMS: (c) => new LmsDiscreteScheduler(c),
  K_EULER: (c) => new EulerDiscreteScheduler(c),
  K_EULER_ANCESTRAL: (c) => new EulerAncestralDiscreteScheduler(c),
  HEUN: (c) => new HeunDiscreteScheduler(c),
  DPM_SOLVER_MULTISTEP: (c) => new DpmSolverMultistepScheduler(c),
  DPM_PLUS_PLUS_2M_KARRAS: (c) => new DpmSolverMultistepScheduler({ ...c, use_karras_sigmas: true }),
};

export const IMPLEMENTED_SAMPLERS = Object.keys(FACTORIES) as Sampler[];

export function createScheduler(sampler: Sampler, config: SchedulerConfig): Scheduler {
  const make = FACTORIES[sampler];
  if (!make) throw new Error(`sampler ${sampler} is not implemented yet`);
  return make(config);
}

export type { NoiseSource, Scheduler, SchedulerConfig } from './scheduler';
