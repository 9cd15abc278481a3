// The training noise schedule (betas → ᾱ → σ) computed with torch's float32 arithmetic.
import { f32, fmaf } from '../float32-math';
import type { SchedulerConfig } from './scheduler';

/**
 * torch.linspace(start, end, n, dtype=float32) as torch 1.13's AVX2 CPU kernel computes it: the first half counts up
 * from `start`, the second half down from `end` (each a fused multiply-add); the vectorised loop takes 16 values per
 * iteration as two 8-lane vectors whose lanes are `base + k·step` from a base computed for the vector's first index,
 * and the tail is scalar.
 */
export function linspaceF32(start: number, end: number, n: number): Float32Array {
  const out = new Float32Array(n);
  const s = f32(start);
  const e = f32(end);
  const step = f32(f32(e - s) / (n - 1));
  const half = Math.floor(n / 2);
  // GCC contracts these multiply-adds into FMAs in the AVX2 build.
  const scalar = (i: number) => (i < half ? fmaf(step, i, s) : fmaf(-step, n - 1 - i, e));
  const LANES = 8;
  const vectorEnd = n - (n % (2 * LANES));
  for (let b = 0; b < vectorEnd; b += LANES) {
    const base = scalar(b);
    for (let k = 0; k < LANES; k++) out[b + k] = f32(base + f32(k * step)); // lanes: separate multiply and add
  }
  for (let i = vectorEnd; i < n; i++) out[i] = scalar(i);
  return out;
}

export function betasFor(config: SchedulerConfig): Float32Array {
  const n = config.num_train_timesteps;
  if (config.trained_betas) return Float32Array.from(config.trained_betas);
  if (config.beta_schedule === 'linear') return linspaceF32(config.beta_start, config.beta_end, n);
  if (config.beta_schedule === 'scaled_linear') {
    return linspaceF32(Math.sqrt(config.beta_start), Math.sqrt(config.beta_end), n).map((b) => f32(b * b));
  }
  throw new Error(`beta_schedule "${config.beta_schedule}" is not implemented`);
}

/** torch.cumprod(1 - betas) in float32 (the CPU kernel accumulates in double). */
export function alphasCumprod(betas: Float32Array): Float32Array {
  const out = new Float32Array(betas.length);
  let acc = 1;
  for (let i = 0; i < betas.length; i++) {
    acc *= f32(1 - betas[i]!);
    out[i] = acc;
  }
  return out;
}

/** σ(t) = √((1 − ᾱ)/ᾱ) for every training timestep, in float32. */
export function trainingSigmas(alphasCum: Float32Array): Float32Array {
  return alphasCum.map((a) => f32(Math.sqrt(f32(f32(1 - a) / a))));
}

/** np.interp over integer grid points 0..n-1 (timesteps may be fractional). */
export function interpSigma(sigmas: Float32Array, t: number): number {
  if (t <= 0) return sigmas[0]!;
  if (t >= sigmas.length - 1) return sigmas[sigmas.length - 1]!;
  const lo = Math.floor(t);
  const frac = t - lo;
  return frac === 0 ? sigmas[lo]! : sigmas[lo]! + frac * (sigmas[lo + 1]! - sigmas[lo]!);
}
