// Base for ᾱ-space schedulers (DDIM, DDPM, PNDM): the training ᾱ, identity input scaling, ᾱ-space add_noise.
import { f32 } from '../float32-math';
import { alphasCumprod, betasFor } from './noise-schedule';
import type { NoiseSource, Scheduler, SchedulerConfig, SchedulerStep } from './scheduler';

export abstract class AlphaScheduler implements Scheduler {
  readonly order = 1;
  readonly initNoiseSigma = 1;
  timesteps: number[] = [];
  protected readonly alphasCumprod: Float32Array;

  constructor(readonly config: SchedulerConfig) {
    this.alphasCumprod = alphasCumprod(betasFor(config));
  }

  abstract setTimesteps(steps: number): void;
  abstract step(modelOutput: Float32Array, timestep: number, sample: Float32Array, noise: NoiseSource): SchedulerStep;

  /** These step by timestep value, not by index (PNDM counts its own warm-up): nothing to move. */
  setBeginIndex(): void {}

  scaleModelInput(sample: Float32Array): Float32Array {
    return sample;
  }

  /** √ᾱ·x₀ + √(1 − ᾱ)·ε */
  addNoise(original: Float32Array, noise: Float32Array, timestep: number): Float32Array {
    const { a: sa, b: sb } = this.noiseCoefficients(timestep);
    return original.map((x, i) => f32(f32(sa * x) + f32(sb * noise[i]!)));
  }

  noiseCoefficients(timestep: number): { a: number; b: number } {
    const a = this.alphasCumprod[timestep]!;
    return { a: f32(Math.sqrt(a)), b: f32(Math.sqrt(f32(1 - a))) };
  }

  modelInputDivisor(): number {
    return 1;
  }
}
