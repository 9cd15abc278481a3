// PNDMScheduler (diffusers 0.27) with skip_prk_steps: PLMS, a 4th-order linear multistep in ε with a warm-up step.
import { f32 } from '../float32-math';
import type { AlphaSchedulerConfig } from './ddim';
import { AlphaScheduler } from './alpha-scheduler';
import type { NoiseSource, SchedulerStep } from './scheduler';
import { roundHalfEven } from './timestep-spacing';

export class PndmScheduler extends AlphaScheduler {
  private steps = 0;
  private readonly finalAlphaCumprod: number;
  private ets: Float32Array[] = [];
  private counter = 0;
  private curSample?: Float32Array;

  constructor(override readonly config: AlphaSchedulerConfig & { skip_prk_steps?: boolean }) {
    super(config);
    if (config.skip_prk_steps === false) throw new Error('PNDM with Runge–Kutta warm-up steps (skip_prk_steps false) is not supported');
    if (config.prediction_type !== 'epsilon') throw new Error(`prediction_type ${config.prediction_type} is not supported by PNDM`);
    this.finalAlphaCumprod = config.set_alpha_to_one ? 1 : this.alphasCumprod[0]!;
  }

  setTimesteps(steps: number): void {
    const T = this.config.num_train_timesteps;
    let ascending: number[];
    switch (this.config.timestep_spacing) {
      case 'linspace':
        ascending = Array.from({ length: steps }, (_, i) => roundHalfEven(((T - 1) * i) / (steps - 1 || 1)));
        break;
      case 'leading':
        ascending = Array.from({ length: steps }, (_, i) => i * Math.floor(T / steps) + this.config.steps_offset);
        break;
      case 'trailing':
        ascending = Array.from({ length: steps }, (_, i) => roundHalfEven(T - i * (T / steps)) - 1).reverse();
        break;
      default:
        throw new Error(`timestep_spacing ${this.config.timestep_spacing} is not supported`);
    }
    // PLMS repeats the second-to-last ascending timestep: e.g. 999, 749, 749, 499, 249.
    this.timesteps = [...ascending.slice(0, -1), ascending[ascending.length - 2]!, ascending[ascending.length - 1]!].filter((t) => t !== undefined).reverse();
    this.steps = steps;
    this.ets = [];
    this.counter = 0;
    this.curSample = undefined;
  }


  step(modelOutput: Float32Array, timestep: number, sample: Float32Array, _noise: NoiseSource): SchedulerStep {
    const stride = Math.floor(this.config.num_train_timesteps / this.steps);
    let t = timestep;
    let prevT = t - stride;
    if (this.counter !== 1) {
      this.ets = [...this.ets.slice(-3), modelOutput];
    } else {
      prevT = t;
      t = t + stride;
    }
    const e = this.ets;
    const n = sample.length;
    let eps: Float32Array;
    let x = sample;
    if (e.length === 1 && this.counter === 0) {
      eps = modelOutput;
      this.curSample = sample;
    } else if (e.length === 1 && this.counter === 1) {
      eps = modelOutput.map((v, i) => f32(f32(v + e[0]![i]!) / 2));
      x = this.curSample!;
      this.curSample = undefined;
    } else if (e.length === 2) {
      eps = new Float32Array(n).map((_, i) => f32(f32(f32(3 * e[1]![i]!) - e[0]![i]!) / 2));
    } else if (e.length === 3) {
      eps = new Float32Array(n).map((_, i) => f32(f32(f32(f32(23 * e[2]![i]!) - f32(16 * e[1]![i]!)) + f32(5 * e[0]![i]!)) / 12));
    } else {
      const k = f32(1 / 24);
      eps = new Float32Array(n).map((_, i) =>
        f32(k * f32(f32(f32(f32(55 * e[3]![i]!) - f32(59 * e[2]![i]!)) + f32(37 * e[1]![i]!)) - f32(9 * e[0]![i]!))));
    }
    const prev = this.prevSample(x, t, prevT, eps);
    this.counter++;
    return { prevSample: prev };
  }

  /** Formula (9) of the PNDM paper, as diffusers' _get_prev_sample computes it. */
  private prevSample(sample: Float32Array, t: number, prevT: number, eps: Float32Array): Float32Array {
    const a = this.alphasCumprod[t]!;
    const aPrev = prevT >= 0 ? this.alphasCumprod[prevT]! : this.finalAlphaCumprod;
    const b = f32(1 - a);
    const bPrev = f32(1 - aPrev);
    const sampleCoeff = f32(Math.sqrt(f32(aPrev / a)));
    const denom = f32(f32(a * f32(Math.sqrt(bPrev))) + f32(Math.sqrt(f32(f32(a * b) * aPrev))));
    const diff = f32(aPrev - a);
    return sample.map((x, i) => f32(f32(sampleCoeff * x) - f32(f32(diff * eps[i]!) / denom)));
  }

}
