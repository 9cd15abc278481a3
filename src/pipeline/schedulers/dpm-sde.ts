// DPMSolverSDEScheduler (diffusers 0.27): DPM-Solver++(2S) SDE on σ, two UNet calls per step, ancestral noise.
// diffusers takes that noise from torchsde's Brownian tree (seeded from torch's global RNG, not the request's
// generator); here it comes from the NoiseSource: the request's seeded generator, one standard normal per
// noised call. Same distribution, not the same numbers — tests inject diffusers' recorded noise instead.
import { f32 } from '../float32-math';
import type { NoiseSource, SchedulerStep } from './scheduler';
import { karrasSigmas, predictOriginalSigma, repeatInterior, scaleBySigma, sigmaToT } from './sigma-schedule';
import { SigmaScheduler } from './sigma-scheduler';
import { spacedTimesteps } from './timestep-spacing';
import { interpSigma } from './noise-schedule';

const tOf = (sigma: number) => f32(-f32(Math.log(sigma)));
const sigmaOf = (t: number) => f32(Math.exp(f32(-t)));

export class DpmSolverSdeScheduler extends SigmaScheduler {
  readonly order = 2;
  private saved?: { sample: Float32Array; midSigma: number };

  override setTimesteps(steps: number): void {
    let timesteps = spacedTimesteps(this.config, steps);
    let sigmas = timesteps.map((t) => interpSigma(this.trainSigmas, t));
    if (this.config.use_karras_sigmas) {
      sigmas = karrasSigmas(sigmas, steps);
      timesteps = sigmas.map((s) => sigmaToT(s, this.trainSigmas));
    }
    // Second-order calls sit at the log-midpoint of each interval.
    const mid = sigmas.slice(0, -1).map((s, i) => {
      const t = -Math.log(s);
      return sigmaToT(Math.exp(-(t + (-Math.log(sigmas[i + 1]!) - t) * 0.5)), this.trainSigmas);
    });
    this.sigmas = repeatInterior([...sigmas, 0]);
    this.timesteps = [timesteps[0]!, ...timesteps.slice(1).flatMap((t, i) => [mid[i]!, t])];
    this.stepIndex = 0;
    this.saved = undefined;
  }

  override scaleModelInput(sample: Float32Array): Float32Array {
    return scaleBySigma(sample, this.saved ? this.saved.midSigma : this.sigmas[this.stepIndex]!);
  }

  step(modelOutput: Float32Array, _timestep: number, sample: Float32Array, noise: NoiseSource): SchedulerStep {
    const first = this.saved === undefined;
    const i = this.stepIndex;
    const sigma = first ? this.sigmas[i]! : this.sigmas[i - 1]!;
    const sigmaNext = first ? this.sigmas[i + 1]! : this.sigmas[i]!;
    const t = tOf(sigma);
    const tNextFull = tOf(sigmaNext);
    const tProposed = f32(t + f32(f32(tNextFull - t) * 0.5));
    const sigmaInput = first ? sigma : sigmaOf(tProposed);
    const n = sample.length;
    const x0 = new Float32Array(n);
    for (let k = 0; k < n; k++) x0[k] = predictOriginalSigma(this.config.prediction_type, sample[k]!, modelOutput[k]!, sigmaInput);
    const prev = new Float32Array(n);
    if (sigmaNext === 0) {
      const dt = f32(sigmaNext - sigma);
      for (let k = 0; k < n; k++) prev[k] = f32(sample[k]! + f32(f32(f32(sample[k]! - x0[k]!) / sigma) * dt));
    } else {
      const tNext = first ? tProposed : tNextFull;
      const base = first ? sample : this.saved!.sample;
      const from = sigmaOf(t);
      const to = sigmaOf(tNext);
      const to2 = f32(to * to);
      const from2 = f32(from * from);
      const up = Math.min(to, f32(Math.sqrt(f32(f32(to2 * f32(from2 - to2)) / from2))));
      const down = f32(Math.sqrt(f32(to2 - f32(up * up))));
      const ancestralT = tOf(down);
      const ratio = f32(sigmaOf(ancestralT) / sigmaOf(t));
      const em1 = f32(Math.expm1(f32(t - ancestralT)));
      const eps = noise.randn(n);
      for (let k = 0; k < n; k++) {
        const v = f32(f32(ratio * base[k]!) - f32(em1 * x0[k]!));
        prev[k] = f32(v + f32(eps[k]! * up)); // s_noise = 1
      }
      this.saved = first ? { sample: base, midSigma: to } : undefined;
    }
    this.stepIndex++;
    return { prevSample: prev, predOriginalSample: x0 };
  }
}
