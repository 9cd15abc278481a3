// KDPM2DiscreteScheduler (diffusers 0.27): DPM-Solver-2 in σ space; the second UNet call sits at the log-midpoint σ.
import { f32 } from '../float32-math';
import type { NoiseSource, SchedulerStep } from './scheduler';
import type { SchedulerConfig } from './scheduler';
import { predictOriginalSigma, scaleBySigma, sigmaSchedule, sigmaToT, type SigmaSchedule } from './sigma-schedule';
import { SigmaScheduler } from './sigma-scheduler';
import { roundHalfEven } from './timestep-spacing';

/** The shared σ schedule, except that the KDPM2 classes round the timesteps of Karras σ (np.round, half to even). */
export function kdpm2Schedule(config: SchedulerConfig, steps: number, trainSigmas: Float32Array): SigmaSchedule {
  const base = sigmaSchedule(config, steps, trainSigmas);
  return config.use_karras_sigmas ? { ...base, timesteps: base.timesteps.map(roundHalfEven) } : base;
}

/** One KDPM2 half step, element-wise: base + (x − x₀(σ_in)) / divisor · dt, plus ε·σ_up when the ancestral noise is given. */
export function kdpm2Half(predictionType: SchedulerConfig['prediction_type'], sample: Float32Array, modelOutput: Float32Array, base: Float32Array, sigmaInput: number, divisor: number, dt: number, noise?: { eps: Float32Array; sigmaUp: number }): Float32Array {
  const prev = new Float32Array(sample.length);
  for (let k = 0; k < sample.length; k++) {
    const x = sample[k]!;
    const x0 = predictOriginalSigma(predictionType, x, modelOutput[k]!, sigmaInput);
    prev[k] = f32(base[k]! + f32(f32(f32(x - x0) / divisor) * dt));
    if (noise) prev[k] = f32(prev[k]! + f32(noise.eps[k]! * noise.sigmaUp));
  }
  return prev;
}

/** torch.lerp(a, b, 0.5) = b − (b − a)·0.5, then exp: the log-midpoint of two σ (0 when either is 0). */
export function logMidpoint(a: number, b: number): number {
  const la = f32(Math.log(a));
  const lb = f32(Math.log(b));
  if (!Number.isFinite(la) || !Number.isFinite(lb)) return 0;
  return f32(Math.exp(f32(lb - f32(f32(lb - la) * 0.5))));
}

/** torch.cat([x[:1], x[1:].repeat_interleave(2), x[-1:]]) */
export function interleave(values: ArrayLike<number>): Float32Array {
  const v = Array.from(values);
  return Float32Array.from([v[0]!, ...v.slice(1).flatMap((x) => [x, x]), v[v.length - 1]!]);
}

export class Kdpm2DiscreteScheduler extends SigmaScheduler {
  readonly order = 2;
  private sigmasInterpol: Float32Array = new Float32Array(0);
  private firstOrderSample?: Float32Array;

  override setTimesteps(steps: number): void {
    const base = kdpm2Schedule(this.config, steps, this.trainSigmas);
    const s = base.sigmas;
    const interpol = Array.from(s, (sigma, i) => logMidpoint(sigma, s[(i - 1 + s.length) % s.length]!));
    this.sigmas = interleave(s);
    this.sigmasInterpol = interleave(interpol);
    const tInterpol = interpol.map((v) => sigmaToT(v, this.trainSigmas));
    this.timesteps = [base.timesteps[0]!, ...base.timesteps.slice(1).flatMap((t, i) => [tInterpol[i + 1]!, t])];
    this.stepIndex = 0;
    this.firstOrderSample = undefined;
  }

  override scaleModelInput(sample: Float32Array): Float32Array {
    const sigma = this.firstOrderSample === undefined ? this.sigmas[this.stepIndex]! : this.sigmasInterpol[this.stepIndex]!;
    return scaleBySigma(sample, sigma);
  }

  step(modelOutput: Float32Array, _timestep: number, sample: Float32Array, _noise: NoiseSource): SchedulerStep {
    const first = this.firstOrderSample === undefined;
    const i = this.stepIndex;
    const sigma = first ? this.sigmas[i]! : this.sigmas[i - 1]!;
    const sigmaInterpol = first ? this.sigmasInterpol[i + 1]! : this.sigmasInterpol[i]!;
    const sigmaNext = first ? this.sigmas[i + 1]! : this.sigmas[i]!;
    const sigmaInput = first ? sigma : sigmaInterpol;
    const divisor = first ? sigma : sigmaInterpol;
    const dt = first ? f32(sigmaInterpol - sigma) : f32(sigmaNext - sigma);
    const prev = kdpm2Half(this.config.prediction_type, sample, modelOutput, first ? sample : this.firstOrderSample!, sigmaInput, divisor, dt);
    this.firstOrderSample = first ? sample : undefined;
    this.stepIndex++;
    return { prevSample: prev };
  }
}
