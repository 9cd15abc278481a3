// Shared set-up for σ-space ("K") schedulers: spaced timesteps, their σ from the training schedule, Karras σ.
import { f32 } from '../float32-math';
import { alphasCumprod, betasFor, interpSigma, trainingSigmas } from './noise-schedule';
import type { SchedulerConfig } from './scheduler';
import { spacedTimesteps } from './timestep-spacing';

export interface SigmaSchedule {
  timesteps: number[];
  /** σ per timestep followed by a final 0, as float32 values. */
  sigmas: Float32Array;
}

/** log-σ interpolation back to a (fractional) timestep, as diffusers' _sigma_to_t (numpy float32 arithmetic). */
export function sigmaToT(sigma: number, trainSigmas: Float32Array): number {
  const logSigma = f32(Math.log(Math.max(sigma, 1e-10)));
  const logs = Array.from(trainSigmas, (v) => f32(Math.log(v)));
  let low = 0;
  for (let i = 0; i < logs.length; i++) if (f32(logSigma - logs[i]!) >= 0) low = i;
  low = Math.min(low, logs.length - 2);
  const high = low + 1;
  const w = Math.min(1, Math.max(0, f32(f32(logs[low]! - logSigma) / f32(logs[low]! - logs[high]!))));
  return f32(f32(f32(1 - w) * low) + f32(w * high));
}

/** diffusers' _convert_to_karras (ρ = 7) between the given σ's end points. */
export function karrasSigmas(inSigmas: ArrayLike<number>, steps: number): number[] {
  const sigmaMin = inSigmas[inSigmas.length - 1]!;
  const sigmaMax = inSigmas[0]!;
  const rho = 7;
  const minInv = sigmaMin ** (1 / rho);
  const maxInv = sigmaMax ** (1 / rho);
  return Array.from({ length: steps }, (_, i) => (maxInv + (steps === 1 ? 0 : i / (steps - 1)) * (minInv - maxInv)) ** rho);
}

export function trainSigmasFor(config: SchedulerConfig): Float32Array {
  return trainingSigmas(alphasCumprod(betasFor(config)));
}

/** Timesteps and σ as Euler/Heun/LMS/KDPM2 build them in set_timesteps (interpolation "linear"). */
export function sigmaSchedule(config: SchedulerConfig, steps: number, trainSigmas: Float32Array): SigmaSchedule {
  if ((config.interpolation_type ?? 'linear') !== 'linear') throw new Error(`interpolation_type ${config.interpolation_type} is not supported`);
  let timesteps = spacedTimesteps(config, steps);
  let sigmas = timesteps.map((t) => interpSigma(trainSigmas, t));
  if (config.use_karras_sigmas) {
    sigmas = karrasSigmas(sigmas, steps);
    timesteps = sigmas.map((s) => f32(sigmaToT(s, trainSigmas)));
  }
  const out = new Float32Array(steps + 1);
  sigmas.forEach((s, i) => (out[i] = s));
  return { timesteps, sigmas: out };
}

/** init_noise_sigma: σmax for linspace/trailing spacing, else √(σmax² + 1). */
export function initNoiseSigmaFor(config: SchedulerConfig, sigmas: ArrayLike<number>): number {
  let max = 0;
  for (let i = 0; i < sigmas.length; i++) max = Math.max(max, sigmas[i]!);
  const spacing = config.timestep_spacing;
  return spacing === 'linspace' || spacing === 'trailing' ? max : f32(Math.sqrt(f32(f32(max * max) + 1)));
}

/** x / √(σ² + 1) in float32. */
export function scaleBySigma(sample: Float32Array, sigma: number): Float32Array {
  const denom = sigmaInputDivisor(sigma);
  return sample.map((x) => f32(x / denom));
}

/** √(σ² + 1) in float32: what σ-space schedulers divide the model input by. */
export function sigmaInputDivisor(sigma: number): number {
  return f32(Math.sqrt(f32(f32(sigma * sigma) + 1)));
}

/** x₀ from the model output for σ-space schedulers (epsilon or v-prediction). */
export function predictOriginalSigma(predictionType: string, x: number, out: number, sigma: number): number {
  switch (predictionType) {
    case 'epsilon':
      return f32(x - f32(sigma * out));
    case 'v_prediction': {
      const s2 = f32(f32(sigma * sigma) + 1);
      return f32(f32(out * f32(-sigma / f32(Math.sqrt(s2)))) + f32(x / s2));
    }
    default:
      throw new Error(`prediction_type ${predictionType} is not supported`);
  }
}

/** [x0, x1, x1, …, x(n−2), x(n−2), x(n−1)]: the σ list of Heun and DPM++ SDE, each interior σ used by two UNet calls. */
export function repeatInterior(values: ArrayLike<number>): Float32Array {
  const v = Array.from(values);
  return Float32Array.from([v[0]!, ...v.slice(1, -1).flatMap((x) => [x, x]), v[v.length - 1]!]);
}
