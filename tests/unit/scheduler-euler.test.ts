// Euler discrete against diffusers' scheduler traces (reference/schedulers), every spacing, 4 and 8 steps.
import { describe, expect, it } from 'vitest';
import { EulerDiscreteScheduler } from '../../src/pipeline/schedulers/euler-discrete';
import { alphasCumprod, betasFor } from '../../src/pipeline/schedulers/noise-schedule';
import type { SchedulerConfig } from '../../src/pipeline/schedulers/scheduler';
import { loadReference, maxAbsDiff } from './reference';

interface Trace {
  name: string; api_name: string; config: SchedulerConfig; timesteps: number[]; sigmas: number[] | null;
  init_noise_sigma: number; initial_sample: string; final_sample: string;
  steps: { t: number; model_input: string; model_output: string; prev_sample: string; pred_original_sample?: string; noise: { tensor: string }[] }[];
}
const ref = loadReference<{ traces: Trace[] }>('schedulers');
const TOL = 1e-5;

/** The fixture's fake UNet, computed in float64 and cast to float32. */
function fakeModel(x: Float32Array, t: number): Float32Array {
  const out = new Float32Array(x.length);
  for (let c = 0; c < 4; c++) for (let h = 0; h < 8; h++) for (let w = 0; w < 8; w++) {
    const i = c * 64 + h * 8 + w;
    out[i] = 0.1 * x[i]! + 0.05 * Math.sin(0.01 * t + 0.5 * c + 0.25 * h + 0.125 * w);
  }
  return out;
}

describe('EulerDiscreteScheduler', () => {
  it('builds the training schedule like torch', () => {
    const config = ref.index.traces.find((t) => t.api_name === 'K_EULER')!.config;
    const betas = betasFor(config);
    expect(maxAbsDiff(betas, ref.float('train/betas'))).toBeLessThanOrEqual(2e-9); // ≤ 1 float32 ulp at 0.012
    expect(maxAbsDiff(alphasCumprod(betas), ref.float('train/alphas_cumprod'))).toBeLessThanOrEqual(1e-7);
  });

  const traces = ref.index.traces.filter((t) => t.api_name === 'K_EULER');
  it('has a trace for every spacing at 4 and 8 steps', () => {
    expect(traces.map((t) => t.name).sort()).toEqual(
      ['leading', 'linspace', 'trailing'].flatMap((s) => [4, 8].map((n) => `K_EULER/${s}/${n}`)).sort(),
    );
  });

  for (const trace of traces) {
    it(`matches ${trace.name}`, () => {
      const s = new EulerDiscreteScheduler(trace.config);
      s.setTimesteps(trace.timesteps.length);
      expect(s.timesteps).toEqual(trace.timesteps);
      expect(maxAbsDiff(s.sigmas, trace.sigmas!)).toBeLessThanOrEqual(TOL);
      expect(Math.abs(s.initNoiseSigma - trace.init_noise_sigma)).toBeLessThanOrEqual(TOL);
      let sample: Float32Array = ref.float(trace.initial_sample).slice();
      trace.steps.forEach((step, i) => {
        const t = s.timesteps[i]!;
        expect(t).toBe(step.t);
        const input = s.scaleModelInput(sample, t);
        expect(maxAbsDiff(input, ref.float(step.model_input))).toBeLessThanOrEqual(TOL);
        const output = fakeModel(input, t);
        expect(maxAbsDiff(output, ref.float(step.model_output))).toBeLessThanOrEqual(TOL);
        let draws = 0;
        const out = s.step(output, t, sample, { randn: (n) => (draws++, ref.float(step.noise[0]!.tensor).slice(0, n)) });
        expect(draws, 'Euler draws (and ignores) one noise tensor per step').toBe(1);
        expect(maxAbsDiff(out.prevSample, ref.float(step.prev_sample))).toBeLessThanOrEqual(TOL);
        expect(maxAbsDiff(out.predOriginalSample!, ref.float(step.pred_original_sample!))).toBeLessThanOrEqual(TOL);
        sample = out.prevSample;
      });
      expect(maxAbsDiff(sample, ref.float(trace.final_sample))).toBeLessThanOrEqual(TOL);
    });
  }
});
