// DDPMScheduler (diffusers 0.27), variance "fixed_small": the ancestral DDPM posterior step with seeded noise.
import { f32 } from '../float32-math';
import { previousTimestep, integerTimesteps } from './alpha-schedule';
import { clipRange, predictFromAlpha, type AlphaSchedulerConfig } from './ddim';
import { alphasCumprod, betasFor } from './noise-schedule';
import type { NoiseSource, Scheduler, SchedulerStep } from './scheduler';

interface DdpmConfig extends AlphaSchedulerConfig {
  variance_type?: string;
}

export class DdpmScheduler implements Scheduler {
  readonly order = 1;
  readonly initNoiseSigma = 1;
  timesteps: number[] = [];
  private steps = 0;
  private readonly alphasCumprod: Float32Array;

  constructor(readonly config: DdpmConfig) {
    if ((config.variance_type ?? 'fixed_small') !== 'fixed_small') throw new Error(`variance_type ${config.variance_type} is not supported`);
    this.alphasCumprod = alphasCumprod(betasFor(config));
  }

  setTimesteps(steps: number): void {
    this.steps = steps;
    this.timesteps = integerTimesteps(this.config, steps);
  }

  /** Stateless per step (PNDM counts its own warm-up): nothing to move. */
  setBeginIndex(): void {}

  scaleModelInput(sample: Float32Array): Float32Array {
    return sample;
  }

  step(modelOutput: Float32Array, timestep: number, sample: Float32Array, noise: NoiseSource): SchedulerStep {
    const prevT = previousTimestep(this.config, this.steps, timestep);
    const a = this.alphasCumprod[timestep]!;
    const aPrev = prevT >= 0 ? this.alphasCumprod[prevT]! : 1;
    const beta = f32(1 - a);
    const betaPrev = f32(1 - aPrev);
    const alphaT = f32(a / aPrev);
    const betaT = f32(1 - alphaT);
    const x0Coeff = f32(f32(f32(Math.sqrt(aPrev)) * betaT) / beta);
    const xCoeff = f32(f32(f32(Math.sqrt(alphaT)) * betaPrev) / beta);
    const n = sample.length;
    const prev = new Float32Array(n);
    const pred = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const x = sample[i]!;
      const [raw] = predictFromAlpha(this.config.prediction_type, x, modelOutput[i]!, a);
      const clip = clipRange(this.config);
      const x0 = clip === undefined ? raw : Math.min(clip, Math.max(-clip, raw));
      pred[i] = x0;
      prev[i] = f32(f32(x0Coeff * x0) + f32(xCoeff * x));
    }
    if (timestep > 0) {
      const variance = Math.max(f32(f32(f32(1 - aPrev) / f32(1 - a)) * f32(1 - f32(a / aPrev))), 1e-20);
      const std = f32(Math.sqrt(f32(variance)));
      const eps = noise.randn(n);
      for (let i = 0; i < n; i++) prev[i] = f32(prev[i]! + f32(std * eps[i]!));
    }
    return { prevSample: prev, predOriginalSample: pred };
  }

  addNoise(original: Float32Array, noise: Float32Array, timestep: number): Float32Array {
    const a = this.alphasCumprod[timestep]!;
    const sa = f32(Math.sqrt(a));
    const sb = f32(Math.sqrt(f32(1 - a)));
    return original.map((x, i) => f32(f32(sa * x) + f32(sb * noise[i]!)));
  }
}
