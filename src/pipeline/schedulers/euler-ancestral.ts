// EulerAncestralDiscreteScheduler (diffusers 0.27): Euler to σ_down, then fresh noise scaled by σ_up.
import { f32 } from '../float32-math';
import type { NoiseSource, Scheduler, SchedulerConfig, SchedulerStep } from './scheduler';
import { initNoiseSigmaFor, predictOriginalSigma, scaleBySigma, sigmaSchedule, trainSigmasFor } from './sigma-schedule';

export class EulerAncestralDiscreteScheduler implements Scheduler {
  readonly order = 1;
  timesteps: number[] = [];
  sigmas: Float32Array = new Float32Array(0);
  private readonly trainSigmas: Float32Array;
  private stepIndex = 0;

  constructor(readonly config: SchedulerConfig) {
    this.trainSigmas = trainSigmasFor(config);
  }

  get initNoiseSigma(): number {
    return initNoiseSigmaFor(this.config, this.sigmas);
  }

  setTimesteps(steps: number): void {
    ({ timesteps: this.timesteps, sigmas: this.sigmas } = sigmaSchedule(this.config, steps, this.trainSigmas));
    this.stepIndex = 0;
  }

  private indexFor(timestep: number): number {
    const i = this.timesteps.indexOf(timestep);
    if (i < 0) throw new Error(`timestep ${timestep} is not in the schedule`);
    return i;
  }

  scaleModelInput(sample: Float32Array, timestep: number): Float32Array {
    return scaleBySigma(sample, this.sigmas[this.indexFor(timestep)]!);
  }

  step(modelOutput: Float32Array, timestep: number, sample: Float32Array, noise: NoiseSource): SchedulerStep {
    if (timestep !== this.timesteps[this.stepIndex]) this.stepIndex = this.indexFor(timestep);
    const from = this.sigmas[this.stepIndex]!;
    const to = this.sigmas[this.stepIndex + 1]!;
    const to2 = f32(to * to);
    const from2 = f32(from * from);
    const sigmaUp = f32(Math.sqrt(f32(f32(to2 * f32(from2 - to2)) / from2)));
    const sigmaDown = f32(Math.sqrt(f32(to2 - f32(sigmaUp * sigmaUp))));
    const dt = f32(sigmaDown - from);
    const n = sample.length;
    const prev = new Float32Array(n);
    const pred = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const x = sample[i]!;
      const x0 = predictOriginalSigma(this.config.prediction_type, x, modelOutput[i]!, from);
      pred[i] = x0;
      prev[i] = f32(x + f32(f32(f32(x - x0) / from) * dt));
    }
    const eps = noise.randn(n);
    for (let i = 0; i < n; i++) prev[i] = f32(prev[i]! + f32(eps[i]! * sigmaUp));
    this.stepIndex++;
    return { prevSample: prev, predOriginalSample: pred };
  }

  addNoise(original: Float32Array, noise: Float32Array, timestep: number): Float32Array {
    const sigma = this.sigmas[this.indexFor(timestep)]!;
    return original.map((x, i) => f32(x + f32(noise[i]! * sigma)));
  }
}
