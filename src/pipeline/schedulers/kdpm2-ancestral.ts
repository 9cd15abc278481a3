// KDPM2AncestralDiscreteScheduler (diffusers 0.27): DPM-Solver-2 towards σ_down, then seeded noise scaled by σ_up.
import { f32 } from '../float32-math';
import { interleave, kdpm2Half, kdpm2Schedule, logMidpoint } from './kdpm2';
import type { NoiseSource, SchedulerStep } from './scheduler';
import { scaleBySigma, sigmaToT } from './sigma-schedule';
import { SigmaScheduler } from './sigma-scheduler';

export class Kdpm2AncestralDiscreteScheduler extends SigmaScheduler {
  readonly order = 2;
  private sigmasInterpol: Float32Array = new Float32Array(0);
  private sigmasUp: Float32Array = new Float32Array(0);
  private sigmasDown: Float32Array = new Float32Array(0);
  private firstOrderSample?: Float32Array;

  override setTimesteps(steps: number): void {
    const base = kdpm2Schedule(this.config, steps, this.trainSigmas);
    const s = base.sigmas;
    const up = Array.from(s, (sigma, i) => {
      const next = i + 1 < s.length ? s[i + 1]! : 0;
      const n2 = f32(next * next);
      return f32(Math.sqrt(f32(f32(n2 * f32(f32(sigma * sigma) - n2)) / f32(sigma * sigma))));
    });
    const down = Array.from(s, (_, i) => {
      if (i === s.length - 1) return 0;
      const next = s[i + 1]!;
      return f32(Math.sqrt(f32(f32(next * next) - f32(up[i]! * up[i]!))));
    });
    const interpol = Array.from(s, (sigma, i) => (i >= s.length - 2 ? 0 : logMidpoint(sigma, down[i]!)));
    this.sigmas = interleave(s);
    this.sigmasInterpol = interleave(interpol);
    this.sigmasUp = interleave(up.map((v) => (Number.isNaN(v) ? 0 : v)));
    this.sigmasDown = interleave(down);
    const tInterpol = interpol.map((v) => sigmaToT(v, this.trainSigmas));
    this.timesteps = [base.timesteps[0]!, ...base.timesteps.slice(1).flatMap((t, i) => [tInterpol[i]!, t])];
    this.stepIndex = 0;
    this.firstOrderSample = undefined;
  }

  override scaleModelInput(sample: Float32Array): Float32Array {
    const sigma = this.firstOrderSample === undefined ? this.sigmas[this.stepIndex]! : this.sigmasInterpol[this.stepIndex - 1]!;
    return scaleBySigma(sample, sigma);
  }

  step(modelOutput: Float32Array, _timestep: number, sample: Float32Array, noise: NoiseSource): SchedulerStep {
    const first = this.firstOrderSample === undefined;
    const i = this.stepIndex;
    const sigma = first ? this.sigmas[i]! : this.sigmas[i - 1]!;
    const sigmaInterpol = first ? this.sigmasInterpol[i]! : this.sigmasInterpol[i - 1]!;
    const sigmaUp = first ? this.sigmasUp[i]! : this.sigmasUp[i - 1]!;
    const sigmaDown = this.sigmasDown[i - 1] ?? 0;
    // diffusers draws on every call, using the draw only on the second-order ones.
    const eps = noise.randn(modelOutput.length);
    const sigmaInput = first ? sigma : sigmaInterpol;
    const divisor = first ? sigma : sigmaInterpol;
    const dt = first ? f32(sigmaInterpol - sigma) : f32(sigmaDown - sigma);
    const base = first ? sample : this.firstOrderSample!;
    const prev = kdpm2Half(this.config.prediction_type, sample, modelOutput, base, sigmaInput, divisor, dt, first ? undefined : { eps, sigmaUp });
    this.firstOrderSample = first ? sample : undefined;
    this.stepIndex++;
    return { prevSample: prev };
  }
}
