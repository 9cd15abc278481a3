// Pieces shared by the DPM-Solver family and UniPC: their timestep spacing, α/σ/λ of a σ, and the x₀ prediction.
import { f32 } from '../float32-math';
import { interpSigma } from './noise-schedule';
import type { SchedulerConfig } from './scheduler';
import { karrasSigmas, sigmaToT } from './sigma-schedule';
import { roundHalfEven } from './timestep-spacing';

/** These classes space N + 1 points and drop the last for linspace/leading (unlike the K schedulers). */
export function dpmTimesteps(config: SchedulerConfig, steps: number, spacing = config.timestep_spacing): number[] {
  const T = config.num_train_timesteps;
  switch (spacing) {
    case 'trailing': {
      const ratio = T / steps;
      return Array.from({ length: steps }, (_, i) => roundHalfEven(T - i * ratio) - 1);
    }
    case 'leading': {
      const ratio = Math.floor(T / (steps + 1));
      return Array.from({ length: steps }, (_, i) => (steps - i) * ratio + config.steps_offset);
    }
    case 'linspace':
      return Array.from({ length: steps }, (_, i) => roundHalfEven(((T - 1) * (steps - i)) / steps));
    default:
      throw new Error(`timestep_spacing ${spacing} is not supported`);
  }
}

/** Integer timesteps and σ (plus the final σ) as the DPM-Solver classes and UniPC build them. */
export function dpmSchedule(
  config: SchedulerConfig, steps: number, trainSigmas: Float32Array, finalSigma: number, spacing?: string,
): { timesteps: number[]; sigmas: Float32Array } {
  let timesteps: number[];
  let sigmas: number[];
  if (config.use_karras_sigmas) {
    sigmas = karrasSigmas(Array.from(trainSigmas).reverse(), steps);
    timesteps = sigmas.map((s) => roundHalfEven(sigmaToT(s, trainSigmas)));
  } else {
    timesteps = dpmTimesteps(config, steps, spacing);
    sigmas = timesteps.map((t) => interpSigma(trainSigmas, t));
  }
  return { timesteps, sigmas: Float32Array.from([...sigmas, finalSigma]) };
}

const logF = (x: number) => f32(Math.log(x));

/** α_t = 1/√(σ²+1), σ_t = σ·α_t, λ = log α_t − log σ_t, all in float32. */
export function alphaSigmaLambda(sigma: number): { alpha: number; sigmaT: number; lambda: number } {
  const alpha = f32(1 / f32(Math.sqrt(f32(f32(sigma * sigma) + 1))));
  const sigmaT = f32(sigma * alpha);
  return { alpha, sigmaT, lambda: f32(logF(alpha) - logF(sigmaT)) };
}

/** convert_model_output for the data-prediction solvers: x₀ from ε (or v). */
export function dataPrediction(predictionType: string, sample: Float32Array, modelOutput: Float32Array, sigma: number): Float32Array {
  const { alpha, sigmaT } = alphaSigmaLambda(sigma);
  return sample.map((x, i) => {
    const out = modelOutput[i]!;
    if (predictionType === 'v_prediction') return f32(f32(alpha * x) - f32(sigmaT * out));
    if (predictionType !== 'epsilon') throw new Error(`prediction_type ${predictionType} is not supported`);
    return f32(f32(x - f32(sigmaT * out)) / alpha);
  });
}

/** x₀ = ax·x + ae·out, convert_model_output's coefficients (the device loop's form of dataPrediction). */
export function dataPredictionCoefficients(predictionType: string, sigma: number): { ax: number; ae: number } {
  const { alpha, sigmaT } = alphaSigmaLambda(sigma);
  if (predictionType === 'v_prediction') return { ax: alpha, ae: -sigmaT };
  if (predictionType !== 'epsilon') throw new Error(`prediction_type ${predictionType} is not supported`);
  return { ax: f32(1 / alpha), ae: f32(-sigmaT / alpha) };
}

/** The scalars of a first-order DPM-Solver++ update from σ_s to σ_t: x_t = ratio·x − b·x₀. */
export function dpmFirstOrderScalars(sigmaS: number, sigmaT: number): { ratio: number; b: number } {
  const s = alphaSigmaLambda(sigmaS);
  const t = alphaSigmaLambda(sigmaT);
  const h = f32(t.lambda - s.lambda);
  return { ratio: f32(t.sigmaT / s.sigmaT), b: f32(t.alpha * f32(f32(Math.exp(-h)) - 1)) };
}

/** DPM-Solver++ first-order update from σ_s to σ_t: (σ_t/σ_s)·x − α_t(e^{−h} − 1)·x₀. */
export function dpmFirstOrder(sample: Float32Array, x0: Float32Array, sigmaS: number, sigmaT: number): Float32Array {
  const { ratio, b } = dpmFirstOrderScalars(sigmaS, sigmaT);
  return sample.map((x, i) => f32(f32(ratio * x) - f32(b * x0[i]!)));
}

/** The scalars of the midpoint update below: ratio = σ_t/σ_from, B, and ½B/r0 (the weight of m0 − m1). */
export function dpmSecondOrderScalars(sigmaFrom: number, sigmaT: number, h: number, r0: number): { ratio: number; b: number; d1Weight: number } {
  const from = alphaSigmaLambda(sigmaFrom);
  const t = alphaSigmaLambda(sigmaT);
  const b = f32(t.alpha * f32(f32(Math.exp(-h)) - 1));
  return { ratio: f32(t.sigmaT / from.sigmaT), b, d1Weight: f32(f32(0.5 * b) * f32(1 / r0)) };
}

/**
 * DPM-Solver++ second-order (midpoint) update to σ_t from `sample` at σ_from, with data predictions m0 (at σ_s0)
 * and m1 (at σ_s1): x_t = (σ_t/σ_from)·x − B·D0 − ½B·D1, B = α_t(e^{−h} − 1).
 */
export function dpmSecondOrderMidpoint(
  sample: Float32Array, d0: Float32Array, m0: Float32Array, m1: Float32Array,
  sigmaFrom: number, sigmaT: number, h: number, r0: number,
): Float32Array {
  const { ratio, b } = dpmSecondOrderScalars(sigmaFrom, sigmaT, h, r0);
  const inv = f32(1 / r0);
  const halfB = f32(0.5 * b);
  return sample.map((x, i) => {
    const d1 = f32(inv * f32(m0[i]! - m1[i]!));
    return f32(f32(f32(ratio * x) - f32(b * d0[i]!)) - f32(halfB * d1));
  });
}
