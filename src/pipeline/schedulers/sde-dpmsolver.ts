// The sde-dpmsolver++ updates of DPMSolverMultistepScheduler (diffusers 0.27): DPM-Solver++ plus fresh seeded noise.
import { f32 } from '../float32-math';
import { alphaSigmaLambda } from './dpm-common';

/** e^{−h}·σ_t/σ_s, α_t(1 − e^{−2h}) and σ_t√(1 − e^{−2h}): the scalars every sde-dpmsolver++ update uses. */
function sdeCoefficients(sigmaS: number, sigmaT: number, h: number) {
  const s = alphaSigmaLambda(sigmaS);
  const t = alphaSigmaLambda(sigmaT);
  const decay = f32(1 - f32(Math.exp(f32(-2 * h))));
  return {
    keep: f32(f32(t.sigmaT / s.sigmaT) * f32(Math.exp(-h))),
    data: f32(t.alpha * decay),
    noise: f32(t.sigmaT * f32(Math.sqrt(decay))),
  };
}

/** First order: x_t = (σ_t/σ_s)e^{−h}·x + α_t(1 − e^{−2h})·x₀ + σ_t√(1 − e^{−2h})·ε. */
export function sdeFirstOrder(sample: Float32Array, x0: Float32Array, sigmaS: number, sigmaT: number, eps: Float32Array): Float32Array {
  const h = f32(alphaSigmaLambda(sigmaT).lambda - alphaSigmaLambda(sigmaS).lambda);
  const c = sdeCoefficients(sigmaS, sigmaT, h);
  return sample.map((x, i) => f32(f32(f32(c.keep * x) + f32(c.data * x0[i]!)) + f32(c.noise * eps[i]!)));
}

/** Second order, midpoint: the first-order update plus ½α_t(1 − e^{−2h})·D1, D1 = (m0 − m1)/r0. */
export function sdeSecondOrderMidpoint(
  sample: Float32Array, m0: Float32Array, m1: Float32Array, sigmaS0: number, sigmaT: number, h: number, r0: number, eps: Float32Array,
): Float32Array {
  const c = sdeCoefficients(sigmaS0, sigmaT, h);
  const inv = f32(1 / r0);
  const half = f32(0.5 * c.data);
  return sample.map((x, i) => {
    const d1 = f32(inv * f32(m0[i]! - m1[i]!));
    return f32(f32(f32(f32(c.keep * x) + f32(c.data * m0[i]!)) + f32(half * d1)) + f32(c.noise * eps[i]!));
  });
}
