// UniPCMultistepScheduler (diffusers 0.27): UniP predictor + UniC corrector, bh2, data prediction, order 2.
import { f32 } from '../float32-math';
import { alphaSigmaLambda, dataPrediction, dataPredictionCoefficients, dpmSchedule } from './dpm-common';
import { DataPredictionScheduler } from './data-prediction-scheduler';
import type { LinearStep, LinearStepper } from './linear-step';
import type { NoiseSource, SchedulerConfig, SchedulerStep } from './scheduler';

interface UniPcConfig extends SchedulerConfig {
  solver_order?: number;
  solver_type?: string;
  predict_x0?: boolean;
  lower_order_final?: boolean;
  disable_corrector?: number[];
}

const expm1F = (x: number) => f32(Math.expm1(x));

/** The b coefficients (bh2) and h·φ₁ for a step of log-SNR length h, predicting x₀ (hh = −h). */
function coefficients(h: number, order: number) {
  const hh = f32(-h);
  const hPhi1 = expm1F(hh);
  const bh = expm1F(hh);
  let hPhiK = f32(f32(hPhi1 / hh) - 1);
  let factorial = 1;
  const b: number[] = [];
  for (let i = 1; i <= order; i++) {
    b.push(f32(f32(hPhiK * factorial) / bh));
    factorial *= i + 1;
    hPhiK = f32(f32(hPhiK / hh) - f32(1 / factorial));
  }
  return { hPhi1, bh, b };
}

export class UniPcMultistepScheduler extends DataPredictionScheduler implements LinearStepper {
  readonly usesHistory = true;
  readonly usesCarry = true;
  readonly usesStepNoise = false;
  private readonly solverOrder: number;
  private modelOutputs: Float32Array[] = [];
  private lowerOrderNums = 0;
  private thisOrder = 1;
  private lastSample?: Float32Array;
  /** linearStep's state: whether a step ran (the corrector's last sample exists), and the next corrector's x₀ share. */
  private stepped = false;
  private kappa = 0;

  constructor(override readonly config: UniPcConfig) {
    super(config);
    if ((config.solver_type ?? 'bh2') !== 'bh2') throw new Error(`solver_type ${config.solver_type} is not supported`);
    if (config.predict_x0 === false) throw new Error('predict_x0 false is not supported');
    this.solverOrder = config.solver_order ?? 2;
    if (this.solverOrder > 2) throw new Error('solver_order 3 is not supported');
  }

  setTimesteps(steps: number): void {
    // UniPC ends at σ(t = 0), not at 0.
    const a0 = alphaCumprodAt0(this.trainSigmas);
    ({ timesteps: this.timesteps, sigmas: this.sigmas } = dpmSchedule(this.config, steps, this.trainSigmas, a0));
    this.stepIndex = 0;
    this.modelOutputs = [];
    this.lowerOrderNums = 0;
    this.lastSample = undefined;
    this.stepped = false;
    this.kappa = 0;
  }

  linearStepSupported(): boolean {
    return ['epsilon', 'v_prediction'].includes(this.config.prediction_type);
  }

  /**
   * The step as `step` computes it, in linear form. The corrected sample is xc = k + κ·x₀ when the corrector runs
   * (k: carried from the previous step) and x otherwise; the predictor makes x' = pr·xc + p0·x₀ + ph·h (h: the
   * previous x₀); and the next step's corrector is prepared as k' = qr·xc + q0·x₀ + qh·h, which needs nothing newer.
   */
  linearStep(): LinearStep {
    const i = this.stepIndex;
    const { ax, ae } = dataPredictionCoefficients(this.config.prediction_type, this.sigmas[i]!);
    const [sx, sk, s0] = this.correctorRunsAt(i) && this.stepped ? [0, 1, this.kappa] : [1, 0, 0];
    this.thisOrder = Math.min(this.orderAt(i), this.lowerOrderNums + 1);
    const p = this.predictorScalars(i, this.thisOrder);
    const q = i + 1 < this.timesteps.length && this.correctorRunsAt(i + 1) ? this.correctorScalars(i + 1, this.thisOrder) : undefined;
    this.kappa = q?.kappa ?? 0;
    this.stepped = true;
    if (this.lowerOrderNums < this.solverOrder) this.lowerOrderNums++;
    this.stepIndex++;
    const [qr, q0, qh] = q ? [q.ratio, q.x0, q.h] : [0, 0, 0];
    return {
      ax, ae, cx: p.ratio * sx, ce: 0, c0: p.ratio * s0 + p.x0, ch: p.h, cn: 0,
      carry: { ck: p.ratio * sk, dx: qr * sx, d0: qr * s0 + q0, dh: qh, dk: qr * sk },
    };
  }

  /** Whether step i runs UniC (on the sample the step before it corrected). */
  private correctorRunsAt(i: number): boolean {
    return i > 0 && !(this.config.disable_corrector ?? []).includes(i - 1);
  }

  private orderAt(i: number): number {
    return this.config.lower_order_final ?? true ? Math.min(this.solverOrder, this.timesteps.length - i) : this.solverOrder;
  }

  /** predict() as x' = ratio·xc + x0·x₀ + h·(previous x₀). */
  private predictorScalars(i: number, order: number): { ratio: number; x0: number; h: number } {
    const t = alphaSigmaLambda(this.sigmas[i + 1]!);
    const s0 = alphaSigmaLambda(this.sigmas[i]!);
    const h = f32(t.lambda - s0.lambda);
    const { hPhi1, bh } = coefficients(h, order);
    const ratio = f32(t.sigmaT / s0.sigmaT);
    const a = f32(t.alpha * hPhi1);
    if (order === 1) return { ratio, x0: -a, h: 0 };
    const rk = f32(f32(alphaSigmaLambda(this.sigmas[i - 1]!).lambda - s0.lambda) / h);
    const w = f32(t.alpha * bh) * 0.5 / rk;
    return { ratio, x0: -a + w, h: -w };
  }

  /**
   * correct() at step j, given the step before it: xc_j = ratio·xc + x0·x₀ + h·(its previous x₀) + κ·x₀_j, where xc,
   * x₀ are step j−1's corrected sample and x₀ (diffusers' last_sample and m0), and its previous x₀ is m1.
   */
  private correctorScalars(j: number, order: number): { ratio: number; x0: number; h: number; kappa: number } {
    const t = alphaSigmaLambda(this.sigmas[j]!);
    const s0 = alphaSigmaLambda(this.sigmas[j - 1]!);
    const h = f32(t.lambda - s0.lambda);
    const { hPhi1, bh, b } = coefficients(h, order);
    const ratio = f32(t.sigmaT / s0.sigmaT);
    const a = f32(t.alpha * hPhi1);
    const ab = f32(t.alpha * bh);
    if (order === 1) return { ratio, x0: -a + ab * 0.5, h: 0, kappa: -ab * 0.5 };
    const rk = f32(f32(alphaSigmaLambda(this.sigmas[j - 2]!).lambda - s0.lambda) / h);
    const det = rk === 1 ? NaN : 1 - rk;
    const [rho0, rhoLast] = [f32((b[0]! - b[1]!) / det), f32((b[1]! - rk * b[0]!) / det)];
    const w = ab * rho0 / rk;
    return { ratio, x0: -a + w + ab * rhoLast, h: -w, kappa: -ab * rhoLast };
  }



  step(modelOutput: Float32Array, _timestep: number, sample: Float32Array, _noise: NoiseSource): SchedulerStep {
    const i = this.stepIndex;
    const useCorrector = i > 0 && !(this.config.disable_corrector ?? []).includes(i - 1) && this.lastSample !== undefined;
    const x0 = dataPrediction(this.config.prediction_type, sample, modelOutput, this.sigmas[i]!);
    let x = sample;
    if (useCorrector) x = this.correct(x0, this.lastSample!, sample, this.thisOrder);
    this.modelOutputs = [...this.modelOutputs, x0].slice(-this.solverOrder);
    const order = this.config.lower_order_final ?? true ? Math.min(this.solverOrder, this.timesteps.length - i) : this.solverOrder;
    this.thisOrder = Math.min(order, this.lowerOrderNums + 1);
    this.lastSample = x;
    const prev = this.predict(x, this.thisOrder);
    if (this.lowerOrderNums < this.solverOrder) this.lowerOrderNums++;
    this.stepIndex++;
    return { prevSample: prev, predOriginalSample: x0 };
  }

  /** UniP: x_t = (σ_t/σ_s0)·x − α_t·hφ₁·m0 − α_t·B_h·ρ·D1 (ρ = ½ at order 2). */
  private predict(x: Float32Array, order: number): Float32Array {
    const i = this.stepIndex;
    const t = alphaSigmaLambda(this.sigmas[i + 1]!);
    const s0 = alphaSigmaLambda(this.sigmas[i]!);
    const h = f32(t.lambda - s0.lambda);
    const { hPhi1, bh } = coefficients(h, order);
    const m0 = this.modelOutputs[this.modelOutputs.length - 1]!;
    const ratio = f32(t.sigmaT / s0.sigmaT);
    const a = f32(t.alpha * hPhi1);
    const ab = f32(t.alpha * bh);
    if (order === 1) return x.map((v, k) => f32(f32(ratio * v) - f32(a * m0[k]!)));
    const s1 = alphaSigmaLambda(this.sigmas[i - 1]!);
    const rk = f32(f32(s1.lambda - s0.lambda) / h);
    const m1 = this.modelOutputs[this.modelOutputs.length - 2]!;
    return x.map((v, k) => {
      const d1 = f32(f32(m1[k]! - m0[k]!) / rk);
      const predRes = f32(0.5 * d1);
      return f32(f32(f32(ratio * v) - f32(a * m0[k]!)) - f32(ab * predRes));
    });
  }

  /** UniC: corrects this_sample with the new model output, using the previous step's order. */
  private correct(modelT: Float32Array, lastSample: Float32Array, _thisSample: Float32Array, order: number): Float32Array {
    const i = this.stepIndex;
    const t = alphaSigmaLambda(this.sigmas[i]!);
    const s0 = alphaSigmaLambda(this.sigmas[i - 1]!);
    const h = f32(t.lambda - s0.lambda);
    const { hPhi1, bh, b } = coefficients(h, order);
    const m0 = this.modelOutputs[this.modelOutputs.length - 1]!;
    const ratio = f32(t.sigmaT / s0.sigmaT);
    const a = f32(t.alpha * hPhi1);
    const ab = f32(t.alpha * bh);
    let rhos: number[];
    let rk = 1;
    if (order === 1) {
      rhos = [0.5];
    } else {
      const s1 = alphaSigmaLambda(this.sigmas[i - 2]!);
      rk = f32(f32(s1.lambda - s0.lambda) / h);
      // Solve [[1, 1], [rk, 1]]·ρ = b.
      const det = rk === 1 ? NaN : 1 - rk;
      rhos = [f32((b[0]! - b[1]!) / det), f32((b[1]! - rk * b[0]!) / det)];
    }
    const m1 = order > 1 ? this.modelOutputs[this.modelOutputs.length - 2]! : undefined;
    const rhoLast = f32(rhos[rhos.length - 1]!);
    return lastSample.map((v, k) => {
      const corrRes = m1 ? f32(rhos[0]! * f32(f32(m1[k]! - m0[k]!) / rk)) : 0;
      const d1t = f32(modelT[k]! - m0[k]!);
      return f32(f32(f32(ratio * v) - f32(a * m0[k]!)) - f32(ab * f32(corrRes + f32(rhoLast * d1t))));
    });
  }

}

/** σ at t = 0 (σ_min), the final σ UniPC steps to. */
function alphaCumprodAt0(trainSigmas: Float32Array): number {
  return trainSigmas[0]!;
}
