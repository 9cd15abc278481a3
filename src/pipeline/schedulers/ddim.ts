// DDIMScheduler (diffusers 0.27) with η = 0 (as the SDXL pipelines call it): deterministic, in ᾱ space.
import { f32 } from '../float32-math';
import { previousTimestep, integerTimesteps } from './alpha-schedule';
import { AlphaScheduler } from './alpha-scheduler';
import type { NoiseSource, SchedulerConfig, SchedulerStep } from './scheduler';

export interface AlphaSchedulerConfig extends SchedulerConfig {
  set_alpha_to_one?: boolean;
  clip_sample?: boolean;
  clip_sample_range?: number;
}

/** clip_sample: clamp x₀ to ±clip_sample_range (diffusers clamps, then recomputes ε for DDIM). */
export function clipRange(config: AlphaSchedulerConfig): number | undefined {
  return config.clip_sample ? (config.clip_sample_range ?? 1) : undefined;
}

const sqrtF = (x: number) => f32(Math.sqrt(x));

/** x₀ and ε from the model output for ᾱ-space schedulers. */
export function predictFromAlpha(predictionType: string, x: number, out: number, alphaProd: number): [x0: number, eps: number] {
  const beta = f32(1 - alphaProd);
  switch (predictionType) {
    case 'epsilon':
      return [f32(f32(x - f32(sqrtF(beta) * out)) / sqrtF(alphaProd)), out];
    case 'v_prediction':
      return [f32(f32(sqrtF(alphaProd) * x) - f32(sqrtF(beta) * out)), f32(f32(sqrtF(alphaProd) * out) + f32(sqrtF(beta) * x))];
    case 'sample':
      return [out, f32(f32(x - f32(sqrtF(alphaProd) * out)) / sqrtF(beta))];
    default:
      throw new Error(`prediction_type ${predictionType} is not supported`);
  }
}

export class DdimScheduler extends AlphaScheduler {
  private steps = 0;
  private readonly finalAlphaCumprod: number;

  constructor(override readonly config: AlphaSchedulerConfig) {
    super(config);
    this.finalAlphaCumprod = config.set_alpha_to_one ? 1 : this.alphasCumprod[0]!;
  }

  setTimesteps(steps: number): void {
    this.steps = steps;
    this.timesteps = integerTimesteps(this.config, steps);
  }


  step(modelOutput: Float32Array, timestep: number, sample: Float32Array, _noise: NoiseSource): SchedulerStep {
    const prevT = previousTimestep(this.config, this.steps, timestep);
    const a = this.alphasCumprod[timestep]!;
    const aPrev = prevT >= 0 ? this.alphasCumprod[prevT]! : this.finalAlphaCumprod;
    const sqrtAPrev = sqrtF(aPrev);
    const dirCoeff = sqrtF(f32(1 - aPrev)); // η = 0, so σ_t = 0
    const clip = clipRange(this.config);
    const n = sample.length;
    const prev = new Float32Array(n);
    const pred = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      let [x0, eps] = predictFromAlpha(this.config.prediction_type, sample[i]!, modelOutput[i]!, a);
      if (clip !== undefined) {
        x0 = Math.min(clip, Math.max(-clip, x0));
        eps = f32(f32(sample[i]! - f32(sqrtF(a) * x0)) / sqrtF(f32(1 - a)));
      }
      pred[i] = x0;
      prev[i] = f32(f32(sqrtAPrev * x0) + f32(dirCoeff * eps));
    }
    return { prevSample: prev, predOriginalSample: pred };
  }

}
