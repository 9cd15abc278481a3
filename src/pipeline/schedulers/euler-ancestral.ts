// EulerAncestralDiscreteScheduler (diffusers 0.27): Euler to σ_down, then fresh noise scaled by σ_up.
import { f32 } from '../float32-math';
import type { NoiseSource, SchedulerStep } from './scheduler';
import { predictOriginalSigma } from './sigma-schedule';
import { SigmaScheduler } from './sigma-scheduler';

export class EulerAncestralDiscreteScheduler extends SigmaScheduler {
  readonly order = 1;

  step(modelOutput: Float32Array, _timestep: number, sample: Float32Array, noise: NoiseSource): SchedulerStep {
    const from = this.sigmas[this.stepIndex]!;
    const to = this.sigmas[this.stepIndex + 1]!;
    const to2 = f32(to * to);
    const from2 = f32(from * from);
    const sigmaUp = f32(Math.sqrt(f32(f32(to2 * f32(from2 - to2)) / from2)));
    const sigmaDown = f32(Math.sqrt(f32(to2 - f32(sigmaUp * sigmaUp))));
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
}
