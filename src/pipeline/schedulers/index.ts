// Maps an API sampler name to a scheduler built like diffusers' `Class.from_config(model_config, **overrides)`.
import type { Sampler } from '../../schema/samplers';
import { DdimScheduler } from './ddim';
import { DdpmScheduler } from './ddpm';
import { DpmSolverMultistepScheduler } from './dpm-solver-multistep';
import { DpmSolverSinglestepScheduler } from './dpm-solver-singlestep';
import { DpmSolverSdeScheduler } from './dpm-sde';
import { EulerAncestralDiscreteScheduler } from './euler-ancestral';
import { EulerDiscreteScheduler } from './euler-discrete';
import { HeunDiscreteScheduler } from './heun';
import { Kdpm2DiscreteScheduler } from './kdpm2';
import { Kdpm2AncestralDiscreteScheduler } from './kdpm2-ancestral';
import { LmsDiscreteScheduler } from './lms';
import { PndmScheduler } from './pndm';
import type { Scheduler, SchedulerConfig } from './scheduler';
import { UniPcMultistepScheduler } from './unipc';

type Config = SchedulerConfig & Record<string, unknown>;

interface SamplerSpec {
  make(config: Config): Scheduler;
  /** The class's own __init__ defaults (diffusers 0.27.2) that differ between classes; the model config overrides them. */
  defaults: Record<string, unknown>;
  /** What the API name adds on top (e.g. Karras σ). */
  overrides?: Record<string, unknown>;
}

const dpmDefaults = { solver_order: 2, algorithm_type: 'dpmsolver++', solver_type: 'midpoint', lower_order_final: true, euler_at_final: false, final_sigmas_type: 'zero', use_karras_sigmas: false, timestep_spacing: 'linspace', steps_offset: 0 };

const kDefaults = { use_karras_sigmas: false, timestep_spacing: 'linspace', steps_offset: 0 };
const heunDefaults = { use_karras_sigmas: false, clip_sample: false, timestep_spacing: 'linspace', steps_offset: 0 };
const sde = { algorithm_type: 'sde-dpmsolver++' };
const karras = { use_karras_sigmas: true };

// The SDK's extra names follow diffusers' A1111 mapping table: "K_" is k-diffusion's prefix, so K_HEUN is plain Heun
// and LMS is KLMS; only names ending in _KARRAS get Karras σ.
const SPECS: Record<Sampler, SamplerSpec> = {
  DDIM: { make: (c) => new DdimScheduler(c), defaults: { clip_sample: true, set_alpha_to_one: true, steps_offset: 0, timestep_spacing: 'leading' } },
  DDPM: { make: (c) => new DdpmScheduler(c), defaults: { clip_sample: true, variance_type: 'fixed_small', steps_offset: 0, timestep_spacing: 'leading' } },
  PNDM: { make: (c) => new PndmScheduler(c), defaults: { skip_prk_steps: false, set_alpha_to_one: false, steps_offset: 0, timestep_spacing: 'leading' } },
  KLMS: { make: (c) => new LmsDiscreteScheduler(c), defaults: kDefaults },
  K_EULER: { make: (c) => new EulerDiscreteScheduler(c), defaults: { use_karras_sigmas: false, interpolation_type: 'linear', timestep_spacing: 'linspace', steps_offset: 0 } },
  K_EULER_ANCESTRAL: { make: (c) => new EulerAncestralDiscreteScheduler(c), defaults: { timestep_spacing: 'linspace', steps_offset: 0 } },
  DPM_SOLVER_MULTISTEP: { make: (c) => new DpmSolverMultistepScheduler(c), defaults: dpmDefaults },
  DPM_PLUS_PLUS_2M_KARRAS: { make: (c) => new DpmSolverMultistepScheduler(c), defaults: dpmDefaults, overrides: karras },
  DPM_SINGLE: { make: (c) => new DpmSolverSinglestepScheduler(c), defaults: { ...dpmDefaults, lower_order_final: false } },
  UNI_PC: { make: (c) => new UniPcMultistepScheduler(c), defaults: { solver_order: 2, predict_x0: true, solver_type: 'bh2', lower_order_final: true, disable_corrector: [], use_karras_sigmas: false, timestep_spacing: 'linspace', steps_offset: 0 } },
  DPM_2: { make: (c) => new Kdpm2DiscreteScheduler(c), defaults: kDefaults },
  DPM_2_ANCESTRAL: { make: (c) => new Kdpm2AncestralDiscreteScheduler(c), defaults: kDefaults },
  HEUN: { make: (c) => new HeunDiscreteScheduler(c), defaults: heunDefaults },
  DPM_PLUS_PLUS_SDE_KARRAS: { make: (c) => new DpmSolverSdeScheduler(c), defaults: kDefaults, overrides: karras },
  K_HEUN: { make: (c) => new HeunDiscreteScheduler(c), defaults: heunDefaults },
  LMS: { make: (c) => new LmsDiscreteScheduler(c), defaults: kDefaults },
  DPM_PLUS_PLUS_2M_SDE: { make: (c) => new DpmSolverMultistepScheduler(c), defaults: dpmDefaults, overrides: sde },
  DPM_PLUS_PLUS_2M_SDE_KARRAS: { make: (c) => new DpmSolverMultistepScheduler(c), defaults: dpmDefaults, overrides: { ...sde, ...karras } },
  DPM_2_KARRAS: { make: (c) => new Kdpm2DiscreteScheduler(c), defaults: kDefaults, overrides: karras },
  DPM_2_ANCESTRAL_KARRAS: { make: (c) => new Kdpm2AncestralDiscreteScheduler(c), defaults: kDefaults, overrides: karras },
};

export const IMPLEMENTED_SAMPLERS = Object.keys(SPECS) as Sampler[];

export interface SchedulerOptions {
  /**
   * Force a timestep spacing, as a distilled checkpoint needs (SDXL-Lightning is trained on "trailing"); without it
   * the model's scheduler_config.json decides, else the class's own default.
   */
  timestepSpacing?: string;
}

export function createScheduler(sampler: Sampler, modelConfig: SchedulerConfig, options: SchedulerOptions = {}): Scheduler {
  const spec = SPECS[sampler];
  const config = {
    ...spec.defaults,
    ...modelConfig,
    ...spec.overrides,
    ...(options.timestepSpacing ? { timestep_spacing: options.timestepSpacing } : {}),
  } as Config;
  return spec.make(config);
}

export type { NoiseSource, Scheduler, SchedulerConfig } from './scheduler';
