// EulerDiscreteScheduler (diffusers 0.27): first-order Euler on σ, the sampler SDXL-Lightning is distilled for.
import { f32 } from '../float32-math';
import type { NoiseSource, Scheduler, SchedulerConfig, SchedulerStep } from './scheduler';
import { initNoiseSigmaFor, predictOriginalSigma, scaleBySigma, sigmaSchedule, trainSigmasFor } from './sigma-schedule';

export class EulerDiscreteScheduler implements Scheduler {
  readonly order = 1;
  timesteps: number[] = [];
  /** σ per timestep, then a final 0 (float32 values). */
  sigmas: Float32Array = new Float32Array(0);
  private readonly trainSigmas: Float32Array;
  private stepIndex = 0;

  constructor(readonly config: SchedulerConfig) {
    this.trainSigmas = trainSigmasFor(config);
  }

  get initNoiseSigma(): number {
    return initNoiseSigmaFor(this.config, this.sigmas);
  }

  setTimesteps(steps: number): void {
    ({ timesteps: this.timesteps, sigmas: this.sigmas } = sigmaSchedule(this.config, steps, this.trainSigmas));
    this.stepIndex = 0;
  }

  private indexFor(timestep: number): number {
    const i = this.timesteps.indexOf(timestep);
    if (i < 0) throw new Error(`timestep ${timestep} is not in the schedule`);
    return i;
  }

  scaleModelInput(sample: Float32Array, timestep: number): Float32Array {
    return scaleBySigma(sample, this.sigmas[this.indexFor(timestep)]!);
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
      const x0 = predictOriginalSigma(this.config.prediction_type, x, modelOutput[i]!, sigmaHat);
      pred[i] = x0;
      const derivative = f32(f32(x - x0) / sigmaHat);
      prev[i] = f32(x + f32(derivative * dt));
    }
    this.stepIndex++;
    return { prevSample: prev, predOriginalSample: pred };
  }

  addNoise(original: Float32Array, noise: Float32Array, timestep: number): Float32Array {
    const sigma = this.sigmas[this.indexFor(timestep)]!;
    return original.map((x, i) => f32(x + f32(noise[i]! * sigma)));
  }
}
