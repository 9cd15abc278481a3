// EulerDiscreteScheduler (diffusers 0.27): first-order Euler on σ, the sampler SDXL-Lightning is distilled for.
import { f32 } from '../float32-math';
import { eulerLinearStep, type LinearStep, type LinearStepper } from './linear-step';
import type { NoiseSource, SchedulerStep } from './scheduler';
import { predictOriginalSigma } from './sigma-schedule';
import { SigmaScheduler } from './sigma-scheduler';

export class EulerDiscreteScheduler extends SigmaScheduler implements LinearStepper {
  readonly order = 1;
  readonly usesStepNoise = false;
  readonly usesHistory = false;

  step(modelOutput: Float32Array, _timestep: number, sample: Float32Array, noise: NoiseSource): SchedulerStep {
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
      prev[i] = f32(x + f32(f32(f32(x - x0) / sigmaHat) * dt));
    }
    this.stepIndex++;
    return { prevSample: prev, predOriginalSample: pred };
  }

  linearStepSupported(): boolean {
    return ['epsilon', 'v_prediction'].includes(this.config.prediction_type);
  }

  /** The churn draw `step` makes is never used; the device loop skips it (nothing draws after the last step). */
  linearStep(): LinearStep {
    const sigma = this.sigmas[this.stepIndex]!;
    const dt = f32(this.sigmas[this.stepIndex + 1]! - sigma);
    this.stepIndex++;
    return eulerLinearStep(this.config.prediction_type, sigma, dt);
  }
}
