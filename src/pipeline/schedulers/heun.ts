// HeunDiscreteScheduler (diffusers 0.27): Euler predictor + trapezoidal corrector, two UNet calls per step.
import { f32 } from '../float32-math';
import type { NoiseSource, SchedulerStep } from './scheduler';
import { predictOriginalSigma, repeatInterior, sigmaSchedule } from './sigma-schedule';
import { SigmaScheduler } from './sigma-scheduler';

export class HeunDiscreteScheduler extends SigmaScheduler {
  readonly order = 2;
  private firstOrder?: { derivative: Float32Array; dt: number; sample: Float32Array };

  /** σ0, σ1, σ1, σ2, σ2, …, 0: each interior σ (and timestep) twice, as diffusers interleaves them. */
  override setTimesteps(steps: number): void {
    const base = sigmaSchedule(this.config, steps, this.trainSigmas);
    this.sigmas = repeatInterior(base.sigmas);
    this.timesteps = [base.timesteps[0]!, ...base.timesteps.slice(1).flatMap((t) => [t, t])];
    this.stepIndex = 0;
    this.firstOrder = undefined;
  }

  step(modelOutput: Float32Array, _timestep: number, sample: Float32Array, _noise: NoiseSource): SchedulerStep {
    const n = sample.length;
    const prev = new Float32Array(n);
    const first = this.firstOrder === undefined;
    const sigma = first ? this.sigmas[this.stepIndex]! : this.sigmas[this.stepIndex - 1]!;
    const sigmaNext = first ? this.sigmas[this.stepIndex + 1]! : this.sigmas[this.stepIndex]!;
    const sigmaInput = first ? sigma : sigmaNext;
    const derivative = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const x = sample[i]!;
      const x0 = predictOriginalSigma(this.config.prediction_type, x, modelOutput[i]!, sigmaInput);
      derivative[i] = f32(f32(x - x0) / (first ? sigma : sigmaNext));
    }
    if (first) {
      const dt = f32(sigmaNext - sigma);
      this.firstOrder = { derivative, dt, sample };
      for (let i = 0; i < n; i++) prev[i] = f32(sample[i]! + f32(derivative[i]! * dt));
    } else {
      const { derivative: d0, dt, sample: x0 } = this.firstOrder!;
      this.firstOrder = undefined;
      for (let i = 0; i < n; i++) prev[i] = f32(x0[i]! + f32(f32(f32(d0[i]! + derivative[i]!) / 2) * dt));
    }
    this.stepIndex++;
    return { prevSample: prev };
  }

}
