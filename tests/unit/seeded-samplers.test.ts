// Each implemented sampler's seeded txt2img run (reference/seeded_samplers, and the extras' samplers for the SDK's six
// more names) equals diffusers for that seed: the generator's draws are consumed in diffusers' order, so stochastic
// samplers reproduce too.
import { describe, expect, it } from 'vitest';
import { IMPLEMENTED_SAMPLERS } from '../../src/pipeline/schedulers';
import { generate as txt2img } from '../../src/pipeline/generate';
import type { Sampler } from '../../src/schema/samplers';
import { recordingRunner, tinyModel } from './node-model';
import { EXTRAS, loadReference, maxAbsDiff, type ReferenceGroup } from './reference';

interface Case {
  name: string; sampler: Sampler; brownian_noise?: { tensor: string }[]; prompt: string; negative_prompt: string; height: number; width: number;
  num_inference_steps: number; guidance_scale: number; generator_code: string; unet_call_count: number;
  tensors: Record<string, string>; unet_timesteps?: number[];
}
const ref = loadReference<{ cases: Case[] }>('seeded_samplers');
const extras = loadReference<{ cases: Case[]; samplers: Record<string, { same_scheduler_as?: Sampler[] }> }>('samplers', EXTRAS);
const seedOf = (c: Case) => Number(/manual_seed\((\d+)\)/.exec(c.generator_code)![1]);
const request = (c: Case) => ({
  prompt: c.prompt, negative_prompt: c.negative_prompt, width: c.width, height: c.height, steps: c.num_inference_steps,
  cfg_scale: c.guidance_scale, sampler: c.sampler, seed: seedOf(c), num_images: 1,
});
const stats = (a: Float32Array) => {
  const mean = a.reduce((s, v) => s + v, 0) / a.length;
  return { mean, std: Math.sqrt(a.reduce((s, v) => s + (v - mean) ** 2, 0) / a.length) };
};

describe('seeded txt2img per sampler', () => {
  it('has a reference case for all fourteen samplers', () => expect(ref.index.cases).toHaveLength(14));
  for (const c of ref.index.cases.filter((k) => IMPLEMENTED_SAMPLERS.includes(k.sampler))) {
    it(`${c.sampler} (seed ${seedOf(c)}) equals diffusers`, () => expectSeededRun(c, ref));
  }
});

describe('seeded txt2img for the SDK\'s six more sampler names (extras/samplers)', () => {
  it('has a reference case for each of them, and the pipeline implements them', () => {
    const names = extras.index.cases.map((c) => c.sampler);
    expect(names.sort()).toEqual(['DPM_2_ANCESTRAL_KARRAS', 'DPM_2_KARRAS', 'DPM_PLUS_PLUS_2M_SDE', 'DPM_PLUS_PLUS_2M_SDE_KARRAS', 'K_HEUN', 'LMS']);
    for (const n of names) expect(IMPLEMENTED_SAMPLERS).toContain(n);
  });
  for (const c of extras.index.cases) {
    it(`${c.sampler} (seed ${seedOf(c)}) equals diffusers, UNet timesteps included`, () => expectSeededRun(c, extras));
    // K_HEUN and LMS are k-diffusion aliases of HEUN and KLMS: the same scheduler, so the same image for the seed.
    for (const alias of extras.index.samplers[c.sampler]?.same_scheduler_as ?? []) {
      it(`${alias} with ${c.sampler}'s seed gives ${c.sampler}'s reference`, () => expectSeededRun({ ...c, sampler: alias }, extras));
    }
  }
});

async function expectSeededRun(c: Case, group: ReferenceGroup<unknown>) {
  const { components } = await tinyModel();
  let unetCalls = 0;
  // DPM++ SDE's noise comes from torchsde's Brownian tree in diffusers, which no seed reproduces: inject it.
  const brownian = c.brownian_noise?.map((b) => group.float(b.tensor));
  const timesteps: number[] = [];
  const unet = recordingRunner(components.unet, (feeds) => timesteps.push(Number(feeds.timestep!.data[0])));
  const { images } = await txt2img({ ...components, unet }, request(c), {
    randomSeed: () => 0,
    onProgress: (e) => { if (e.stage === 'denoise') unetCalls = e.steps; },
    stepNoise: brownian ? () => ({ randn: () => brownian.shift()!.slice() }) : undefined,
  });
  expect(unetCalls, 'progress counts UNet calls').toBe(c.unet_call_count);
  if (c.unet_timesteps) expect(maxAbsDiff(timesteps, c.unet_timesteps), 'UNet timesteps').toBeLessThanOrEqual(1e-3);
  const img = images[0]!;
  expect(maxAbsDiff(img.finalLatents!, group.float(c.tensors.final_latents!))).toBeLessThanOrEqual(1e-4);
  const expected = group.tensor(c.tensors.image_uint8!).data as Uint8Array;
  let maxStep = 0;
  for (let p = 0; p < expected.length / 3; p++) for (let ch = 0; ch < 3; ch++) {
    maxStep = Math.max(maxStep, Math.abs(img.rgba[p * 4 + ch]! - expected[p * 3 + ch]!));
  }
  expect(maxStep, 'uint8 pixels').toBeLessThanOrEqual(1);
}

describe('DPM++ SDE with its own seeded noise', () => {
  it('matches diffusers in distribution: final latents with the same mean and spread, deterministic per seed', async () => {
    const c = ref.index.cases.find((k) => k.sampler === 'DPM_PLUS_PLUS_SDE_KARRAS')!;
    const { components } = await tinyModel();
    const run = () => txt2img(components, request(c), { randomSeed: () => 0 });
    const [a, b] = [await run(), await run()];
    expect(Array.from(a.images[0]!.finalLatents!)).toEqual(Array.from(b.images[0]!.finalLatents!));
    const ours = stats(a.images[0]!.finalLatents!);
    const theirs = stats(ref.float(c.tensors.final_latents!));
    expect(ours.std / theirs.std).toBeGreaterThan(0.9);
    expect(ours.std / theirs.std).toBeLessThan(1.1);
    expect(Math.abs(ours.mean - theirs.mean)).toBeLessThan(0.1 * theirs.std);
  });
});

describe('scheduler configuration', () => {
  it('keeps the model config spacing unless a Lightning checkpoint forces trailing', async () => {
    const { createScheduler } = await import('../../src/pipeline/schedulers');
    const { components } = await tinyModel();
    const leading = { ...components.schedulerConfig, timestep_spacing: 'leading' };
    const plain = createScheduler('DDIM', leading);
    plain.setTimesteps(4);
    expect(plain.timesteps).toEqual([751, 501, 251, 1]);
    const lightning = createScheduler('DDIM', leading, { timestepSpacing: 'trailing' });
    lightning.setTimesteps(4);
    expect(lightning.timesteps).toEqual([999, 749, 499, 249]);
  });

  it("uses the class's own defaults where the model config is silent (DDIM: leading, clip_sample)", async () => {
    const { createScheduler } = await import('../../src/pipeline/schedulers');
    const minimal = { num_train_timesteps: 1000, beta_start: 0.00085, beta_end: 0.012, beta_schedule: 'scaled_linear', prediction_type: 'epsilon' } as never;
    const ddim = createScheduler('DDIM', minimal);
    ddim.setTimesteps(4);
    expect(ddim.timesteps).toEqual([750, 500, 250, 0]);
    const out = ddim.step(new Float32Array(4).fill(0), 750, new Float32Array(4).fill(100), { randn: () => new Float32Array(0) });
    expect(Math.max(...out.predOriginalSample!)).toBe(1); // clip_sample clamps x₀ to ±1
  });
});
