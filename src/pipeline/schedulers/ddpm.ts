// DDPMScheduler (diffusers 0.27), variance "fixed_small": the ancestral DDPM posterior step with seeded noise.
import { f32 } from '../float32-math';
import { previousTimestep, integerTimesteps } from './alpha-schedule';
import { clipRange, predictFromAlpha, type AlphaSchedulerConfig } from './ddim';
import { AlphaScheduler } from './alpha-scheduler';
import type { NoiseSource, SchedulerStep } from './scheduler';

interface DdpmConfig extends AlphaSchedulerConfig {
  variance_type?: string;
}

export class DdpmScheduler extends AlphaScheduler {
  private steps = 0;

  constructor(override readonly config: DdpmConfig) {
    super(config);
    if ((config.variance_type ?? 'fixed_small') !== 'fixed_small') throw new Error(`variance_type ${config.variance_type} is not supported`);
  }

  setTimesteps(steps: number): void {
    this.steps = steps;
    this.timesteps = integerTimesteps(this.config, steps);
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

}
