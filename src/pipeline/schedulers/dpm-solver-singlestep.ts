// DPMSolverSinglestepScheduler (diffusers 0.27.2): DPM-Solver++ order 2 alternating 1st/2nd-order single steps.
// In 0.27.2 this class has no timestep_spacing option: it always spaces N + 1 points with linspace.
import { f32 } from '../float32-math';
import { alphaSigmaLambda, dataPrediction, dpmFirstOrder, dpmSchedule, dpmSecondOrderMidpoint } from './dpm-common';
import type { DpmConfig } from './dpm-solver-multistep';
import { DataPredictionScheduler } from './data-prediction-scheduler';
import type { NoiseSource, SchedulerStep } from './scheduler';

export class DpmSolverSinglestepScheduler extends DataPredictionScheduler {
  /** The solver order used at each step ([1, 2, 1, 1] for 4 steps). */
  orderList: number[] = [];
  private modelOutputs: (Float32Array | undefined)[] = [undefined, undefined];
  private firstSample?: Float32Array;

  constructor(override readonly config: DpmConfig) {
    super(config);
    if ((config.algorithm_type ?? 'dpmsolver++') !== 'dpmsolver++') throw new Error(`algorithm_type ${config.algorithm_type} is not supported`);
    if ((config.solver_order ?? 2) !== 2) throw new Error('only solver_order 2 is supported');
  }

  setTimesteps(steps: number): void {
    const last = this.config.final_sigmas_type === 'sigma_min' ? this.trainSigmas[0]! : 0;
    ({ timesteps: this.timesteps, sigmas: this.sigmas } = dpmSchedule(this.config, steps, this.trainSigmas, last, 'linspace'));
    // diffusers forces lower_order_final on with final σ 0, so the orders are [1, 2] repeated and the last is 1.
    this.orderList = Array.from({ length: steps }, (_, i) => (i % 2 === 0 ? 1 : 2));
    if ((this.config.final_sigmas_type ?? 'zero') === 'zero') this.orderList[steps - 1] = 1;
    this.stepIndex = 0;
    this.modelOutputs = [undefined, undefined];
    this.firstSample = undefined;
  }



  step(modelOutput: Float32Array, _timestep: number, sample: Float32Array, _noise: NoiseSource): SchedulerStep {
    const i = this.stepIndex;
    const x0 = dataPrediction(this.config.prediction_type, sample, modelOutput, this.sigmas[i]!);
    this.modelOutputs = [this.modelOutputs[1], x0];
    let order = this.orderList[i]!;
    while (order > 1 && this.modelOutputs[2 - order] === undefined) order--;
    if (order === 1) this.firstSample = sample;
    let prev: Float32Array;
    if (order === 1) {
      prev = dpmFirstOrder(this.firstSample!, x0, this.sigmas[i]!, this.sigmas[i + 1]!);
    } else {
      const t = alphaSigmaLambda(this.sigmas[i + 1]!);
      const s0 = alphaSigmaLambda(this.sigmas[i]!);
      const s1 = alphaSigmaLambda(this.sigmas[i - 1]!);
      const h = f32(t.lambda - s1.lambda);
      const r0 = f32(f32(s0.lambda - s1.lambda) / h);
      const m1 = this.modelOutputs[0]!;
      prev = dpmSecondOrderMidpoint(this.firstSample!, m1, x0, m1, this.sigmas[i - 1]!, this.sigmas[i + 1]!, h, r0);
    }
    this.stepIndex++;
    return { prevSample: prev, predOriginalSample: x0 };
  }

}
