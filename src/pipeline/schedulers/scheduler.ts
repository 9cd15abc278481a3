// diffusers' scheduler contract, so samplers are interchangeable in the denoising loop.

/** Where stochastic samplers draw noise: the request's torch-compatible generator. */
export interface NoiseSource {
  randn(numel: number): Float32Array;
}

export interface SchedulerStep {
  prevSample: Float32Array;
  predOriginalSample?: Float32Array;
}

export interface Scheduler {
  /** The timesteps to run, in order (values as the scheduler holds them). */
  readonly timesteps: readonly number[];
  readonly initNoiseSigma: number;
  /** UNet calls per step (2 for second-order samplers). */
  readonly order: number;
  setTimesteps(numInferenceSteps: number): void;
  /** Start the run at this index of `timesteps` (image-to-image skips the first ones), as set_begin_index. */
  setBeginIndex(index: number): void;
  scaleModelInput(sample: Float32Array, timestep: number): Float32Array;
  step(modelOutput: Float32Array, timestep: number, sample: Float32Array, noise: NoiseSource): SchedulerStep;
  addNoise(original: Float32Array, noise: Float32Array, timestep: number): Float32Array;
}

/** The subset of a diffusers scheduler_config.json the schedulers read. */
export interface SchedulerConfig {
  num_train_timesteps: number;
  beta_start: number;
  beta_end: number;
  beta_schedule: 'scaled_linear' | 'linear' | string;
  prediction_type: 'epsilon' | 'v_prediction' | 'sample' | string;
  timestep_spacing: 'trailing' | 'leading' | 'linspace' | string;
  steps_offset: number;
  interpolation_type?: string;
  use_karras_sigmas?: boolean;
  timestep_type?: string;
  trained_betas?: number[] | null;
}
