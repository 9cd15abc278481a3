// LMSDiscreteScheduler (diffusers 0.27): linear multistep (order 4) on σ with exactly integrated coefficients.
import { f32 } from '../float32-math';
import type { NoiseSource, SchedulerConfig, SchedulerStep } from './scheduler';
import { predictOriginalSigma } from './sigma-schedule';
import { SigmaScheduler } from './sigma-scheduler';

// 4-point Gauss–Legendre: exact for the degree ≤ 3 Lagrange polynomials LMS integrates (scipy's quad is too).
const GL_X = [-0.8611363115940526, -0.3399810435848563, 0.3399810435848563, 0.8611363115940526];
const GL_W = [0.3478548451374538, 0.6521451548625461, 0.6521451548625461, 0.3478548451374538];

export class LmsDiscreteScheduler extends SigmaScheduler {
  readonly order = 1;
  private derivatives: Float32Array[] = [];

  constructor(config: SchedulerConfig, private readonly lmsOrder = 4) {
    super(config);
  }

  protected override reset(): void {
    this.derivatives = [];
  }

  /** ∫ from σ_t to σ_{t+1} of the Lagrange basis polynomial for `current` over the last `order` σ's. */
  private coefficient(order: number, t: number, current: number): number {
    const s = this.sigmas;
    const basis = (tau: number) => {
      let prod = 1;
      for (let k = 0; k < order; k++) {
        if (k === current) continue;
        prod *= (tau - s[t - k]!) / (s[t - current]! - s[t - k]!);
      }
      return prod;
    };
    const a = s[t]!;
    const b = s[t + 1]!;
    const half = (b - a) / 2;
    const mid = (a + b) / 2;
    return half * GL_X.reduce((acc, x, i) => acc + GL_W[i]! * basis(mid + half * x), 0);
  }

  step(modelOutput: Float32Array, _timestep: number, sample: Float32Array, _noise: NoiseSource): SchedulerStep {
    const n = sample.length;
    const sigma = this.sigmas[this.stepIndex]!;
    const pred = new Float32Array(n);
    const derivative = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const x = sample[i]!;
      pred[i] = predictOriginalSigma(this.config.prediction_type, x, modelOutput[i]!, sigma);
      derivative[i] = f32(f32(x - pred[i]!) / sigma);
    }
    this.derivatives.push(derivative);
    if (this.derivatives.length > this.lmsOrder) this.derivatives.shift();
    const order = Math.min(this.stepIndex + 1, this.lmsOrder);
    const coeffs = Array.from({ length: order }, (_, k) => f32(this.coefficient(order, this.stepIndex, k)));
    const recent = [...this.derivatives].reverse();
    const prev = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      let sum = 0;
      for (let k = 0; k < order; k++) sum = f32(sum + f32(coeffs[k]! * recent[k]![i]!));
      prev[i] = f32(sample[i]! + sum);
    }
    this.stepIndex++;
    return { prevSample: prev, predOriginalSample: pred };
  }

}
