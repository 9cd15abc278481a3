// Every implemented sampler against diffusers' scheduler traces: reference/schedulers (the API page's 14 names, all
// spacings) and the extras' schedulers (the SDK's six more names, trailing as for Lightning), 4 and 8 steps.
import { describe, expect, it } from 'vitest';
import { IMPLEMENTED_SAMPLERS, createScheduler } from '../../src/pipeline/schedulers';
import { alphasCumprod, betasFor } from '../../src/pipeline/schedulers/noise-schedule';
import type { SchedulerConfig } from '../../src/pipeline/schedulers/scheduler';
import type { Sampler } from '../../src/schema/samplers';
import { EXTRAS, loadReference, maxAbsDiff, type ReferenceGroup } from './reference';

interface Trace {
  name: string; api_name: Sampler; config: SchedulerConfig; timesteps: number[]; sigmas: number[] | null;
  init_noise_sigma: number; initial_sample: string; final_sample: string;
  steps: { t: number; model_input: string; model_output: string; prev_sample: string; pred_original_sample?: string; noise: { tensor: string }[] }[];
}
const ref = loadReference<{ traces: Trace[] }>('schedulers');
const extras = loadReference<{ traces: Trace[] }>('schedulers', EXTRAS);
const TOL = 1e-5;
const close = (got: Float32Array, ref: Float32Array, label: string) => expect(maxAbsDiff(got, ref), label).toBeLessThanOrEqual(TOL);
/** Each trace with the reference group its tensors live in. */
const allTraces = [ref, extras].flatMap((group) => group.index.traces.map((trace) => ({ trace, group })));
/** The API page's names have all three spacings; the SDK's extras were traced on trailing only (the Lightning mapping). */
const EXTRA_NAMES: readonly string[] = ['K_HEUN', 'LMS', 'DPM_PLUS_PLUS_2M_SDE', 'DPM_PLUS_PLUS_2M_SDE_KARRAS', 'DPM_2_KARRAS', 'DPM_2_ANCESTRAL_KARRAS'];

/** The fixture's fake UNet, computed in float64 and cast to float32. */
function fakeModel(x: Float32Array, t: number): Float32Array {
  const out = new Float32Array(x.length);
  for (let c = 0; c < 4; c++) for (let h = 0; h < 8; h++) for (let w = 0; w < 8; w++) {
    const i = c * 64 + h * 8 + w;
    out[i] = 0.1 * x[i]! + 0.05 * Math.sin(0.01 * t + 0.5 * c + 0.25 * h + 0.125 * w);
  }
  return out;
}

describe('schedulers against diffusers traces', () => {
  it('builds the training schedule bit for bit like torch (linspace kernel, double-accumulated cumprod)', () => {
    const betas = betasFor(ref.index.traces[0]!.config);
    expect(Array.from(betas)).toEqual(Array.from(ref.float('train/betas')));
    expect(Array.from(alphasCumprod(betas))).toEqual(Array.from(ref.float('train/alphas_cumprod')));
  });

  for (const sampler of IMPLEMENTED_SAMPLERS) {
    const traces = allTraces.filter((t) => t.trace.api_name === sampler);
    it(`${sampler} has traces for 4 and 8 steps in every spacing it was traced with`, () => {
      // DPMSolverSinglestep has no spacing option in diffusers 0.27.2, so it has one trace per step count.
      expect(traces.length).toBeGreaterThanOrEqual(sampler === 'DPM_SINGLE' || EXTRA_NAMES.includes(sampler) ? 2 : 4);
    });
    for (const { trace, group } of traces) it(`${trace.name}`, () => replay(sampler, trace, group));
  }

  // The rejected reading of K_HEUN (Heun on Karras σ), traced for comparison: the Heun port handles it too.
  for (const trace of extras.index.traces.filter((t) => t.api_name === ('K_HEUN~use_karras_sigmas' as Sampler))) {
    it(`${trace.name} (HEUN built from its config)`, () => replay('HEUN', trace, extras));
  }
});

function replay(sampler: Sampler, trace: Trace, ref: ReferenceGroup<unknown>) {
  const s = createScheduler(sampler, trace.config);
  s.setTimesteps(trace.name.endsWith('/8') ? 8 : 4);
  // Fractional timesteps (the KDPM2 midpoints) come from numpy float32 logs; they may differ in the last bits.
  expect(maxAbsDiff(s.timesteps, trace.timesteps), 'timesteps').toBeLessThanOrEqual(1e-3);
  expect(Math.abs(s.initNoiseSigma - trace.init_noise_sigma)).toBeLessThanOrEqual(TOL);
  const sigmas = (s as unknown as { sigmas?: Float32Array }).sigmas;
  expect(sigmas !== undefined, 'σ-based schedulers expose their σ').toBe(trace.sigmas !== null);
  if (trace.sigmas && sigmas) expect(maxAbsDiff(sigmas, trace.sigmas), 'sigmas').toBeLessThanOrEqual(TOL);
  let sample: Float32Array = ref.float(trace.initial_sample).slice();
  trace.steps.forEach((step, i) => {
    const t = s.timesteps[i]!;
    const input = s.scaleModelInput(sample, t);
    close(input, ref.float(step.model_input), `step ${i} model_input`);
    const output = fakeModel(input, t);
    let draw = 0;
    const out = s.step(output, t, sample, { randn: (n) => ref.float(step.noise[draw++]!.tensor).slice(0, n) });
    expect(draw, `step ${i} draws`).toBe(step.noise.length);
    close(out.prevSample, ref.float(step.prev_sample), `step ${i} prev_sample`);
    if (step.pred_original_sample && out.predOriginalSample) {
      close(out.predOriginalSample, ref.float(step.pred_original_sample), `step ${i} x0`);
    }
    sample = out.prevSample;
  });
  close(sample, ref.float(trace.final_sample), 'final sample');
}
