// The device loop's ONNX graphs, written by our own protobuf writer, run on onnxruntime's CPU (wasm) EP: each ported
// sampler's linear step replays diffusers' scheduler traces and equals the scheduler's own JS step; the pixels graph
// equals diffusers' postprocessing byte for byte, exact ties included.
import * as ort from 'onnxruntime-web';
import { describe, expect, it } from 'vitest';
import { createScheduler } from '../../src/pipeline/schedulers';
import { isLinearStepper, type LinearStepper } from '../../src/pipeline/schedulers/linear-step';
import type { SchedulerConfig } from '../../src/pipeline/schedulers/scheduler';
import { toRgba } from '../../src/pipeline/vae-decode';
import type { Sampler } from '../../src/schema/samplers';
import { modelInputGraph, pixelsGraph, STEP_COEFS, stepGraph } from '../../src/runtime/loop-graphs';
import { writeOnnxModel, type GraphSpec } from '../../src/runtime/onnx-writer';
import { loadReference, maxAbsDiff } from './reference';

ort.env.wasm.numThreads = 1;
const session = (g: GraphSpec) => ort.InferenceSession.create(writeOnnxModel(g), { executionProviders: ['wasm'] });
const f32 = (data: Float32Array, dims: readonly number[]) => new ort.Tensor('float32', data, dims);

interface Trace {
  name: string; api_name: Sampler; config: SchedulerConfig; initial_sample: string;
  steps: { model_output: string; prev_sample: string; noise: { tensor: string }[] }[];
}
const traces = loadReference<{ traces: Trace[] }>('schedulers');
const PORTED: readonly Sampler[] = ['K_EULER', 'K_EULER_ANCESTRAL', 'DDIM', 'DPM_SOLVER_MULTISTEP', 'DPM_PLUS_PLUS_2M_KARRAS', 'UNI_PC'];
const DIMS = [1, 4, 8, 8];

describe('linear step graph against diffusers traces and the JS step', () => {
  for (const trace of traces.index.traces.filter((t) => PORTED.includes(t.api_name))) {
    for (const guidance of [1, 3]) {
      it(`${trace.name}, ${guidance === 1 ? 'no guidance' : 'guidance 3 over a batch of 2'}`, async () => {
        const steps = trace.steps.length;
        const graphSched = createScheduler(trace.api_name, trace.config);
        const jsSched = createScheduler(trace.api_name, trace.config);
        expect(isLinearStepper(graphSched) && graphSched.linearStepSupported()).toBe(true);
        const stepper = graphSched as typeof graphSched & LinearStepper;
        graphSched.setTimesteps(steps);
        jsSched.setTimesteps(steps);
        const g = await session(stepGraph({ guided: guidance > 1, outputType: 'float32', history: stepper.usesHistory, x0: stepper.usesHistory, noise: stepper.usesStepNoise, blend: false, carry: !!stepper.usesCarry }));
        const noiseAll = stepper.usesStepNoise ? f32(Float32Array.from(trace.steps.flatMap((s) => Array.from(traces.float(s.noise[0]!.tensor)))), [steps, ...DIMS]) : undefined;
        let sample = traces.float(trace.initial_sample).slice();
        let history: ort.Tensor | undefined;
        let carry: ort.Tensor | undefined;
        for (const [i, step] of trace.steps.entries()) {
          const t = graphSched.timesteps[i]!;
          const eps = traces.float(step.model_output);
          // A batch whose guided combination u + g·(c − u) is the traced output: u = ε/2, c = u + (ε − u)/g.
          const uncond = eps.map((e) => e / 2);
          const output = guidance > 1 ? Float32Array.from([...uncond, ...eps.map((e, k) => uncond[k]! + (e - uncond[k]!) / guidance)]) : eps;
          const { carry: kc, ...k } = stepper.linearStep(t);
          const values: Record<string, number> = { g: guidance, ...k, ka: 0, kb: 0, ck: 0, dx: 0, d0: 0, dh: 0, dk: 0, ...kc };
          const feeds: Record<string, ort.Tensor> = {
            sample: f32(sample, DIMS), model_output: f32(output, [guidance > 1 ? 2 : 1, 4, 8, 8]),
            coefs: f32(Float32Array.from(STEP_COEFS, (c) => values[c]!), [STEP_COEFS.length]),
          };
          if (stepper.usesHistory) feeds.history = history ?? feeds.sample!;
          if (stepper.usesCarry) feeds.carry = carry ?? feeds.sample!;
          if (noiseAll) Object.assign(feeds, { noise: noiseAll, noise_index: new ort.Tensor('int32', Int32Array.of(i), []) });
          const out = await g.run(feeds);
          const prev = out.prev_sample!.data as Float32Array;
          const js = jsSched.step(eps, t, sample, { randn: (n) => traces.float(step.noise[0]!.tensor).slice(0, n) }).prevSample;
          expect(maxAbsDiff(prev, traces.float(step.prev_sample)), `step ${i} vs diffusers`).toBeLessThanOrEqual(2e-5);
          expect(maxAbsDiff(prev, js), `step ${i} vs the JS step`).toBeLessThanOrEqual(2e-5);
          history = out.x0;
          carry = out.carry_out;
          sample = prev.slice();
        }
      });
    }
  }

  it('DDIM with clip_sample and the SDE variant of DPM++ 2M are not linear: they stay on the CPU loop', () => {
    const config = traces.index.traces[0]!.config;
    const ddim = createScheduler('DDIM', { ...config, clip_sample: true } as SchedulerConfig);
    const sde = createScheduler('DPM_PLUS_PLUS_2M_SDE', config);
    for (const s of [ddim, sde]) expect(isLinearStepper(s) && s.linearStepSupported()).toBe(false);
    expect(isLinearStepper(createScheduler('KLMS', config))).toBe(false);
  });
});

describe('model input and pixels graphs', () => {
  it('model input: x / divisor, repeated for the guidance batch', async () => {
    const x = Float32Array.from({ length: 256 }, (_, i) => Math.sin(i) * 14);
    const s = createScheduler('K_EULER', traces.index.traces[0]!.config);
    s.setTimesteps(4);
    const expected = s.scaleModelInput(x, s.timesteps[0]!);
    const out = await (await session(modelInputGraph(2, 'float32'))).run({ latents: f32(x, DIMS), divisor: f32(Float32Array.of((s as unknown as LinearStepper).modelInputDivisor()), [1]) });
    expect(out.sample!.dims).toEqual([2, 4, 8, 8]);
    const data = out.sample!.data as Float32Array;
    expect(Array.from(data.subarray(0, 256))).toEqual(Array.from(expected));
    expect(Array.from(data.subarray(256))).toEqual(Array.from(expected));
  });

  it('pixels: clamp(x/2 + ½)·255 rounded half to even, RGBA bytes, equal to toRgba', async () => {
    const [w, h] = [16, 8];
    // Values across and beyond [−1, 1], with exact ties (f32 steps of x/2 + ½, ·255 landing on k + ½) where they exist.
    const value = (x: number) => Math.fround(Math.fround(Math.fround(x / 2) + 0.5) * 255);
    const ties = tieSamples(value);
    expect(ties.length, 'exact ties found').toBeGreaterThan(10);
    const sample = Float32Array.from({ length: 3 * w * h }, (_, i) => (i % 2 === 0 && i / 2 < ties.length ? ties[i / 2]! : Math.sin(i * 0.37) * 1.3));
    const out = await (await session(pixelsGraph('float32'))).run({ sample: f32(sample, [1, 3, h, w]) });
    const packed = out.rgba!.data as Int32Array;
    const bytes = new Uint8ClampedArray(packed.buffer, packed.byteOffset, packed.byteLength);
    expect(Array.from(bytes)).toEqual(Array.from(toRgba(sample, w, h)));
  });
});

/** float32 x near each (k + ½)/255·2 − 1 whose pipeline value is exactly k + ½, found by stepping through neighbouring floats. */
function tieSamples(value: (x: number) => number): number[] {
  const out: number[] = [];
  const bits = new DataView(new ArrayBuffer(4));
  for (let k = 0; k < 255; k++) {
    bits.setFloat32(0, ((k + 0.5) / 255) * 2 - 1);
    const center = bits.getInt32(0);
    for (let d = -64; d <= 64; d++) {
      bits.setInt32(0, center + d);
      const x = bits.getFloat32(0);
      if (value(x) === k + 0.5) {
        out.push(x);
        break;
      }
    }
  }
  return out;
}
