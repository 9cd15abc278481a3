// Base for σ-space ("K") schedulers: schedule set-up, σ-scaled model input, step index and add_noise in one place.
import { f32 } from '../float32-math';
import type { NoiseSource, Scheduler, SchedulerConfig, SchedulerStep } from './scheduler';
import { initNoiseSigmaFor, scaleBySigma, sigmaInputDivisor, sigmaSchedule, trainSigmasFor } from './sigma-schedule';

export abstract class SigmaScheduler implements Scheduler {
  abstract readonly order: number;
  timesteps: number[] = [];
  /** σ per UNet call, then a final 0 (float32 values). */
  sigmas: Float32Array = new Float32Array(0);
  protected readonly trainSigmas: Float32Array;
  /** Index of the UNet call about to be made (diffusers' step_index). */
  protected stepIndex = 0;

  constructor(readonly config: SchedulerConfig) {
    this.trainSigmas = trainSigmasFor(config);
  }

  get initNoiseSigma(): number {
    return initNoiseSigmaFor(this.config, this.sigmas);
  }

  setTimesteps(steps: number): void {
    ({ timesteps: this.timesteps, sigmas: this.sigmas } = sigmaSchedule(this.config, steps, this.trainSigmas));
    this.stepIndex = 0;
    this.reset();
  }

  setBeginIndex(index: number): void {
    this.stepIndex = index;
  }

  /** Clears per-run state (multistep history, the first-order half of a Heun step). */
  protected reset(): void {}

  scaleModelInput(sample: Float32Array): Float32Array {
    return scaleBySigma(sample, this.sigmas[this.stepIndex]!);
  }

  /** scaleModelInput's divisor at the current step (the device loop's model input). */
  modelInputDivisor(): number {
    return sigmaInputDivisor(this.sigmas[this.stepIndex]!);
  }

  abstract step(modelOutput: Float32Array, timestep: number, sample: Float32Array, noise: NoiseSource): SchedulerStep;

  addNoise(original: Float32Array, noise: Float32Array, timestep: number): Float32Array {
    const sigma = this.noiseCoefficients(timestep).b;
    return original.map((x, k) => f32(x + f32(noise[k]! * sigma)));
  }

  /** add_noise is x + σ_t·n. */
  noiseCoefficients(timestep: number): { a: number; b: number } {
    const i = this.timesteps.indexOf(timestep);
    if (i < 0) throw new Error(`timestep ${timestep} is not in the schedule`);
    return { a: 1, b: this.sigmas[i]! };
  }
}
