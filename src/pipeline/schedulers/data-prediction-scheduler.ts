// Base for the DPM-Solver family and UniPC: integer timesteps with σ, identity input scaling, α/σ add_noise.
import { f32 } from '../float32-math';
import { alphaSigmaLambda } from './dpm-common';
import type { NoiseSource, Scheduler, SchedulerConfig, SchedulerStep } from './scheduler';
import { trainSigmasFor } from './sigma-schedule';

export abstract class DataPredictionScheduler implements Scheduler {
  readonly order = 1;
  readonly initNoiseSigma = 1;
  timesteps: number[] = [];
  /** σ per step, then the final σ (0, or σ_min for UniPC). */
  sigmas: Float32Array = new Float32Array(0);
  protected readonly trainSigmas: Float32Array;
  protected stepIndex = 0;

  constructor(readonly config: SchedulerConfig) {
    this.trainSigmas = trainSigmasFor(config);
  }

  abstract setTimesteps(steps: number): void;
  abstract step(modelOutput: Float32Array, timestep: number, sample: Float32Array, noise: NoiseSource): SchedulerStep;

  setBeginIndex(index: number): void {
    this.stepIndex = index;
  }

  scaleModelInput(sample: Float32Array): Float32Array {
    return sample;
  }

  /** α_t·x₀ + σ_t·ε for the timestep's σ. */
  addNoise(original: Float32Array, noise: Float32Array, timestep: number): Float32Array {
    const { a: alpha, b: sigmaT } = this.noiseCoefficients(timestep);
    return original.map((x, i) => f32(f32(alpha * x) + f32(sigmaT * noise[i]!)));
  }

  noiseCoefficients(timestep: number): { a: number; b: number } {
    const { alpha, sigmaT } = alphaSigmaLambda(this.sigmas[this.timesteps.indexOf(timestep)]!);
    return { a: alpha, b: sigmaT };
  }

  modelInputDivisor(): number {
    return 1;
  }
}
