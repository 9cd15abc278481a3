// DDIMScheduler (diffusers 0.27) with η = 0 (as the SDXL pipelines call it): deterministic, in ᾱ space.
import { f32 } from '../float32-math';
import { previousTimestep, integerTimesteps } from './alpha-schedule';
import { AlphaScheduler } from './alpha-scheduler';
import type { LinearStep, LinearStepper } from './linear-step';
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

export class DdimScheduler extends AlphaScheduler implements LinearStepper {
  readonly usesStepNoise = false;
  readonly usesHistory = false;
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


  /** ᾱ at t, √ᾱ at the previous timestep and the direction coefficient √(1 − ᾱ_prev) (η = 0, so σ_t = 0). */
  private stepScalars(timestep: number): { a: number; sqrtAPrev: number; dirCoeff: number } {
    const prevT = previousTimestep(this.config, this.steps, timestep);
    const aPrev = prevT >= 0 ? this.alphasCumprod[prevT]! : this.finalAlphaCumprod;
    return { a: this.alphasCumprod[timestep]!, sqrtAPrev: sqrtF(aPrev), dirCoeff: sqrtF(f32(1 - aPrev)) };
  }

  linearStepSupported(): boolean {
    return clipRange(this.config) === undefined && ['epsilon', 'v_prediction'].includes(this.config.prediction_type);
  }

  /** x' = √ᾱ_prev·x₀ + √(1 − ᾱ_prev)·ε, with x₀ and ε linear in x and the model output (predictFromAlpha). */
  linearStep(timestep: number): LinearStep {
    const { a, sqrtAPrev, dirCoeff } = this.stepScalars(timestep);
    const sa = sqrtF(a);
    const sb = sqrtF(f32(1 - a));
    if (this.config.prediction_type === 'epsilon') {
      return { ax: f32(1 / sa), ae: f32(-sb / sa), cx: 0, ce: dirCoeff, c0: sqrtAPrev, ch: 0, cn: 0 };
    }
    // v: x₀ = √ᾱ·x − √(1−ᾱ)·v, ε = √ᾱ·v + √(1−ᾱ)·x
    return { ax: sa, ae: -sb, cx: f32(dirCoeff * sb), ce: f32(dirCoeff * sa), c0: sqrtAPrev, ch: 0, cn: 0 };
  }

  step(modelOutput: Float32Array, timestep: number, sample: Float32Array, _noise: NoiseSource): SchedulerStep {
    const { a, sqrtAPrev, dirCoeff } = this.stepScalars(timestep);
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
