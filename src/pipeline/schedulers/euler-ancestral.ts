// EulerAncestralDiscreteScheduler (diffusers 0.27): Euler to σ_down, then fresh noise scaled by σ_up.
import { f32 } from '../float32-math';
import { eulerLinearStep, type LinearStep, type LinearStepper } from './linear-step';
import type { NoiseSource, SchedulerStep } from './scheduler';
import { predictOriginalSigma } from './sigma-schedule';
import { SigmaScheduler } from './sigma-scheduler';

/** σ_up and σ_down of an ancestral step from σ to σ_next, in float32. */
export function ancestralSigmas(from: number, to: number): { sigmaUp: number; sigmaDown: number } {
  const to2 = f32(to * to);
  const from2 = f32(from * from);
  const sigmaUp = f32(Math.sqrt(f32(f32(to2 * f32(from2 - to2)) / from2)));
  const sigmaDown = f32(Math.sqrt(f32(to2 - f32(sigmaUp * sigmaUp))));
  return { sigmaUp, sigmaDown };
}

export class EulerAncestralDiscreteScheduler extends SigmaScheduler implements LinearStepper {
  readonly order = 1;
  readonly usesStepNoise = true;
  readonly usesHistory = false;

  step(modelOutput: Float32Array, _timestep: number, sample: Float32Array, noise: NoiseSource): SchedulerStep {
    const from = this.sigmas[this.stepIndex]!;
    const { sigmaUp, sigmaDown } = ancestralSigmas(from, this.sigmas[this.stepIndex + 1]!);
    const dt = f32(sigmaDown - from);
    const n = sample.length;
    const prev = new Float32Array(n);
    const pred = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const x = sample[i]!;
      const x0 = predictOriginalSigma(this.config.prediction_type, x, modelOutput[i]!, from);
      pred[i] = x0;
      prev[i] = f32(x + f32(f32(f32(x - x0) / from) * dt));
    }
    const eps = noise.randn(n);
    for (let i = 0; i < n; i++) prev[i] = f32(prev[i]! + f32(eps[i]! * sigmaUp));
    this.stepIndex++;
    return { prevSample: prev, predOriginalSample: pred };
  }

  linearStepSupported(): boolean {
    return ['epsilon', 'v_prediction'].includes(this.config.prediction_type);
  }

  linearStep(): LinearStep {
    const from = this.sigmas[this.stepIndex]!;
    const { sigmaUp, sigmaDown } = ancestralSigmas(from, this.sigmas[this.stepIndex + 1]!);
    this.stepIndex++;
    return eulerLinearStep(this.config.prediction_type, from, f32(sigmaDown - from), sigmaUp);
  }
}
