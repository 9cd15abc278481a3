// DPMSolverMultistepScheduler (diffusers 0.27): DPM-Solver++(2M), midpoint, optionally on Karras σ and/or as the SDE variant.
import { f32 } from '../float32-math';
import { alphaSigmaLambda, dataPrediction, dataPredictionCoefficients, dpmFirstOrder, dpmFirstOrderScalars, dpmSchedule, dpmSecondOrderMidpoint, dpmSecondOrderScalars } from './dpm-common';
import type { LinearStep, LinearStepper } from './linear-step';
import { DataPredictionScheduler } from './data-prediction-scheduler';
import { sdeFirstOrder, sdeSecondOrderMidpoint } from './sde-dpmsolver';
import type { NoiseSource, SchedulerConfig, SchedulerStep } from './scheduler';

export interface DpmConfig extends SchedulerConfig {
  algorithm_type?: string;
  solver_order?: number;
  solver_type?: string;
  lower_order_final?: boolean;
  euler_at_final?: boolean;
  final_sigmas_type?: string;
}

export class DpmSolverMultistepScheduler extends DataPredictionScheduler implements LinearStepper {
  readonly usesHistory = true;
  private readonly solverOrder: number;
  private modelOutputs: Float32Array[] = [];
  private lowerOrderNums = 0;

  constructor(override readonly config: DpmConfig) {
    super(config);
    const algorithm = config.algorithm_type ?? 'dpmsolver++';
    if (algorithm !== 'dpmsolver++' && algorithm !== 'sde-dpmsolver++') throw new Error(`algorithm_type ${algorithm} is not supported`);
    if ((config.solver_type ?? 'midpoint') !== 'midpoint') throw new Error(`solver_type ${config.solver_type} is not supported`);
    this.solverOrder = config.solver_order ?? 2;
    if (this.solverOrder > 2) throw new Error('solver_order 3 is not supported');
  }

  setTimesteps(steps: number): void {
    const last = this.config.final_sigmas_type === 'sigma_min' ? this.trainSigmas[0]! : 0;
    ({ timesteps: this.timesteps, sigmas: this.sigmas } = dpmSchedule(this.config, steps, this.trainSigmas, last));
    this.stepIndex = 0;
    this.modelOutputs = [];
    this.lowerOrderNums = 0;
  }



  get usesStepNoise(): boolean {
    return this.config.algorithm_type === 'sde-dpmsolver++';
  }

  /** Whether step i is first order: the first step, the final one (lower_order_final …), or solver_order 1. */
  private firstOrderAt(i: number): boolean {
    const last = this.timesteps.length - 1;
    const short = this.timesteps.length < 15;
    const lowerOrderFinal = i === last && (!!this.config.euler_at_final || (!!this.config.lower_order_final && short) || (this.config.final_sigmas_type ?? 'zero') === 'zero');
    return this.solverOrder === 1 || this.lowerOrderNums < 1 || lowerOrderFinal;
  }

  /** h and r0 of the second-order update at step i. */
  private secondOrderSpan(i: number): { h: number; r0: number } {
    const t = alphaSigmaLambda(this.sigmas[i + 1]!);
    const s0 = alphaSigmaLambda(this.sigmas[i]!);
    const s1 = alphaSigmaLambda(this.sigmas[i - 1]!);
    const h = f32(t.lambda - s0.lambda);
    return { h, r0: f32(f32(s0.lambda - s1.lambda) / h) };
  }

  linearStepSupported(): boolean {
    return !this.usesStepNoise && ['epsilon', 'v_prediction'].includes(this.config.prediction_type);
  }

  /** First order: ratio·x − b·x₀; second: ratio·x − b·x₀ − w·(x₀ − h), h the previous step's x₀. */
  linearStep(): LinearStep {
    const i = this.stepIndex;
    const { ax, ae } = dataPredictionCoefficients(this.config.prediction_type, this.sigmas[i]!);
    let k: LinearStep;
    if (this.firstOrderAt(i)) {
      const { ratio, b } = dpmFirstOrderScalars(this.sigmas[i]!, this.sigmas[i + 1]!);
      k = { ax, ae, cx: ratio, ce: 0, c0: -b, ch: 0, cn: 0 };
    } else {
      const { h, r0 } = this.secondOrderSpan(i);
      const { ratio, b, d1Weight } = dpmSecondOrderScalars(this.sigmas[i]!, this.sigmas[i + 1]!, h, r0);
      k = { ax, ae, cx: ratio, ce: 0, c0: f32(-b - d1Weight), ch: d1Weight, cn: 0 };
    }
    if (this.lowerOrderNums < this.solverOrder) this.lowerOrderNums++;
    this.stepIndex++;
    return k;
  }

  step(modelOutput: Float32Array, _timestep: number, sample: Float32Array, noise: NoiseSource): SchedulerStep {
    const i = this.stepIndex;
    // sde-dpmsolver++ draws on every step, the last one too (where σ_t = 0 leaves the draw unused).
    const eps = this.config.algorithm_type === 'sde-dpmsolver++' ? noise.randn(modelOutput.length) : undefined;
    const x0 = dataPrediction(this.config.prediction_type, sample, modelOutput, this.sigmas[i]!);
    const firstOrder = this.firstOrderAt(i);
    this.modelOutputs = [...this.modelOutputs, x0].slice(-this.solverOrder);

    let prev: Float32Array;
    if (firstOrder) {
      prev = eps
        ? sdeFirstOrder(sample, x0, this.sigmas[i]!, this.sigmas[i + 1]!, eps)
        : dpmFirstOrder(sample, x0, this.sigmas[i]!, this.sigmas[i + 1]!);
    } else {
      // (diffusers' lower_order_second changes nothing at solver_order 2: this is already the lowest multistep order.)
      const { h, r0 } = this.secondOrderSpan(i);
      prev = eps
        ? sdeSecondOrderMidpoint(sample, x0, this.modelOutputs[0]!, this.sigmas[i]!, this.sigmas[i + 1]!, h, r0, eps)
        : dpmSecondOrderMidpoint(sample, x0, x0, this.modelOutputs[0]!, this.sigmas[i]!, this.sigmas[i + 1]!, h, r0);
    }
    if (this.lowerOrderNums < this.solverOrder) this.lowerOrderNums++;
    this.stepIndex++;
    return { prevSample: prev, predOriginalSample: x0 };
  }

}
