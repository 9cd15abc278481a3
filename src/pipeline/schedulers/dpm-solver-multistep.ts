// DPMSolverMultistepScheduler (diffusers 0.27): DPM-Solver++(2M), midpoint, optionally on Karras σ (DPM++ 2M Karras).
import { f32 } from '../float32-math';
import { interpSigma } from './noise-schedule';
import type { NoiseSource, Scheduler, SchedulerConfig, SchedulerStep } from './scheduler';
import { karrasSigmas, sigmaToT, trainSigmasFor } from './sigma-schedule';
import { roundHalfEven } from './timestep-spacing';

interface DpmConfig extends SchedulerConfig {
  algorithm_type?: string;
  solver_order?: number;
  solver_type?: string;
  lower_order_final?: boolean;
  euler_at_final?: boolean;
  final_sigmas_type?: string;
}

const logF = (x: number) => f32(Math.log(x));

/** α_t = 1/√(σ²+1), σ_t = σ·α_t, λ = log α_t − log σ_t, all in float32. */
function alphaSigmaLambda(sigma: number): { alpha: number; sigmaT: number; lambda: number } {
  const alpha = f32(1 / f32(Math.sqrt(f32(f32(sigma * sigma) + 1))));
  const sigmaT = f32(sigma * alpha);
  return { alpha, sigmaT, lambda: f32(logF(alpha) - logF(sigmaT)) };
}

export class DpmSolverMultistepScheduler implements Scheduler {
  readonly order = 1;
  readonly initNoiseSigma = 1;
  timesteps: number[] = [];
  sigmas: Float32Array = new Float32Array(0);
  private readonly trainSigmas: Float32Array;
  private readonly solverOrder: number;
  private stepIndex = 0;
  private modelOutputs: (Float32Array | undefined)[] = [];
  private lowerOrderNums = 0;

  constructor(readonly config: DpmConfig) {
    if ((config.algorithm_type ?? 'dpmsolver++') !== 'dpmsolver++') throw new Error(`algorithm_type ${config.algorithm_type} is not supported`);
    if ((config.solver_type ?? 'midpoint') !== 'midpoint') throw new Error(`solver_type ${config.solver_type} is not supported`);
    this.solverOrder = config.solver_order ?? 2;
    if (this.solverOrder > 2) throw new Error('solver_order 3 is not supported');
    this.trainSigmas = trainSigmasFor(config);
  }

  /** This class spaces N + 1 points and drops the last for linspace/leading (unlike the K schedulers). */
  private spacing(steps: number): number[] {
    const T = this.config.num_train_timesteps;
    switch (this.config.timestep_spacing) {
      case 'trailing': {
        const ratio = T / steps;
        return Array.from({ length: steps }, (_, i) => roundHalfEven(T - i * ratio) - 1);
      }
      case 'leading': {
        const ratio = Math.floor(T / (steps + 1));
        return Array.from({ length: steps }, (_, i) => (steps - i) * ratio + this.config.steps_offset);
      }
      case 'linspace':
        return Array.from({ length: steps }, (_, i) => roundHalfEven(((T - 1) * (steps - i)) / steps));
      default:
        throw new Error(`timestep_spacing ${this.config.timestep_spacing} is not supported`);
    }
  }

  setTimesteps(steps: number): void {
    let sigmas: number[];
    if (this.config.use_karras_sigmas) {
      sigmas = karrasSigmas(Array.from(this.trainSigmas).reverse(), steps);
      this.timesteps = sigmas.map((s) => roundHalfEven(sigmaToT(s, this.trainSigmas)));
    } else {
      this.timesteps = this.spacing(steps);
      sigmas = this.timesteps.map((t) => interpSigma(this.trainSigmas, t));
    }
    const last = this.config.final_sigmas_type === 'sigma_min' ? this.trainSigmas[0]! : 0;
    this.sigmas = Float32Array.from([...sigmas, last]);
    this.stepIndex = 0;
    this.modelOutputs = new Array(this.solverOrder).fill(undefined);
    this.lowerOrderNums = 0;
  }

  scaleModelInput(sample: Float32Array): Float32Array {
    return sample;
  }

  step(modelOutput: Float32Array, _timestep: number, sample: Float32Array, _noise: NoiseSource): SchedulerStep {
    const n = sample.length;
    const last = this.timesteps.length - 1;
    const short = this.timesteps.length < 15;
    const lowerOrderFinal = this.stepIndex === last && (!!this.config.euler_at_final || (!!this.config.lower_order_final && short) || (this.config.final_sigmas_type ?? 'zero') === 'zero');
    const lowerOrderSecond = this.stepIndex === last - 1 && !!this.config.lower_order_final && short;

    // convert_model_output: the data prediction x₀.
    const s = alphaSigmaLambda(this.sigmas[this.stepIndex]!);
    const x0 = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const x = sample[i]!;
      const out = modelOutput[i]!;
      x0[i] = this.config.prediction_type === 'v_prediction'
        ? f32(f32(s.alpha * x) - f32(s.sigmaT * out))
        : f32(f32(x - f32(s.sigmaT * out)) / s.alpha);
    }
    this.modelOutputs.shift();
    this.modelOutputs.push(x0);

    const t = alphaSigmaLambda(this.sigmas[this.stepIndex + 1]!);
    const h = f32(t.lambda - s.lambda);
    const ratio = f32(t.sigmaT / s.sigmaT);
    const b = f32(t.alpha * f32(f32(Math.exp(-h)) - 1));
    const prev = new Float32Array(n);
    if (this.solverOrder === 1 || this.lowerOrderNums < 1 || lowerOrderFinal) {
      for (let i = 0; i < n; i++) prev[i] = f32(f32(ratio * sample[i]!) - f32(b * x0[i]!));
    } else if (this.solverOrder === 2 || this.lowerOrderNums < 2 || lowerOrderSecond) {
      const s1 = alphaSigmaLambda(this.sigmas[this.stepIndex - 1]!);
      const r0 = f32(f32(s.lambda - s1.lambda) / h);
      const inv = f32(1 / r0);
      const halfB = f32(0.5 * b);
      const m1 = this.modelOutputs[this.modelOutputs.length - 2]!;
      for (let i = 0; i < n; i++) {
        const d1 = f32(inv * f32(x0[i]! - m1[i]!));
        prev[i] = f32(f32(f32(ratio * sample[i]!) - f32(b * x0[i]!)) - f32(halfB * d1));
      }
    }
    if (this.lowerOrderNums < this.solverOrder) this.lowerOrderNums++;
    this.stepIndex++;
    return { prevSample: prev, predOriginalSample: x0 };
  }

  addNoise(original: Float32Array, noise: Float32Array, timestep: number): Float32Array {
    const { alpha, sigmaT } = alphaSigmaLambda(this.sigmas[this.timesteps.indexOf(timestep)]!);
    return original.map((x, i) => f32(f32(alpha * x) + f32(sigmaT * noise[i]!)));
  }
}
