// EulerDiscreteScheduler (diffusers 0.27): first-order Euler on σ, the sampler SDXL-Lightning is distilled for.
import { f32 } from '../float32-math';
import { alphasCumprod, betasFor, interpSigma, trainingSigmas } from './noise-schedule';
import type { NoiseSource, Scheduler, SchedulerConfig, SchedulerStep } from './scheduler';
import { spacedTimesteps } from './timestep-spacing';

export class EulerDiscreteScheduler implements Scheduler {
  readonly order = 1;
  timesteps: number[] = [];
  /** σ per timestep, then a final 0 (float32 values). */
  sigmas: Float32Array = new Float32Array(0);
  private readonly trainSigmas: Float32Array;
  private stepIndex = 0;

  constructor(readonly config: SchedulerConfig) {
    if ((config.interpolation_type ?? 'linear') !== 'linear') throw new Error(`interpolation_type ${config.interpolation_type} is not supported`);
    if (config.use_karras_sigmas) throw new Error('use_karras_sigmas is not supported by this Euler port yet');
    this.trainSigmas = trainingSigmas(alphasCumprod(betasFor(config)));
  }

  get initNoiseSigma(): number {
    let max = 0;
    for (const s of this.sigmas) max = Math.max(max, s);
    const spacing = this.config.timestep_spacing;
    return spacing === 'linspace' || spacing === 'trailing' ? max : f32(Math.sqrt(f32(f32(max * max) + 1)));
  }

  setTimesteps(steps: number): void {
    this.timesteps = spacedTimesteps(this.config, steps);
    const sigmas = new Float32Array(steps + 1);
    this.timesteps.forEach((t, i) => (sigmas[i] = interpSigma(this.trainSigmas, t)));
    this.sigmas = sigmas; // last entry stays 0
    this.stepIndex = 0;
  }

  private indexFor(timestep: number): number {
    const i = this.timesteps.indexOf(timestep);
    if (i < 0) throw new Error(`timestep ${timestep} is not in the schedule`);
    return i;
  }

  scaleModelInput(sample: Float32Array, timestep: number): Float32Array {
    const sigma = this.sigmas[this.indexFor(timestep)]!;
    const denom = f32(Math.sqrt(f32(f32(sigma * sigma) + 1)));
    return sample.map((x) => f32(x / denom));
  }

  step(modelOutput: Float32Array, timestep: number, sample: Float32Array, noise: NoiseSource): SchedulerStep {
    if (timestep !== this.timesteps[this.stepIndex]) this.stepIndex = this.indexFor(timestep);
    const sigma = this.sigmas[this.stepIndex]!;
    // diffusers always draws the churn noise; with s_churn = 0 it is unused, but the generator still advances.
    noise.randn(modelOutput.length);
    const sigmaHat = sigma; // γ = 0 (s_churn 0)
    const dt = f32(this.sigmas[this.stepIndex + 1]! - sigmaHat);
    const n = sample.length;
    const prev = new Float32Array(n);
    const pred = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const x = sample[i]!;
      const eps = modelOutput[i]!;
      const x0 = this.predictOriginal(x, eps, sigmaHat);
      pred[i] = x0;
      const derivative = f32(f32(x - x0) / sigmaHat);
      prev[i] = f32(x + f32(derivative * dt));
    }
    this.stepIndex++;
    return { prevSample: prev, predOriginalSample: pred };
  }

  private predictOriginal(x: number, out: number, sigma: number): number {
    switch (this.config.prediction_type) {
      case 'epsilon':
        return f32(x - f32(sigma * out));
      case 'v_prediction': {
        const s2 = f32(f32(sigma * sigma) + 1);
        return f32(f32(out * f32(-sigma / f32(Math.sqrt(s2)))) + f32(x / s2));
      }
      default:
        throw new Error(`prediction_type ${this.config.prediction_type} is not supported`);
    }
  }

  addNoise(original: Float32Array, noise: Float32Array, timestep: number): Float32Array {
    const sigma = this.sigmas[this.indexFor(timestep)]!;
    return original.map((x, i) => f32(x + f32(noise[i]! * sigma)));
  }
}
