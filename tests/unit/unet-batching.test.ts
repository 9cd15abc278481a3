// CFG as two batch-1 UNet calls, and num_images as one batched UNet call per step, give diffusers' images for each seed (fixture, wasm).
import { describe, expect, it } from 'vitest';
import { generate, type GenerateRequest, type PipelineOptions } from '../../src/pipeline/generate';
import type { RgbaImage } from '../../src/pipeline/image-tensors';
import { LockstepRunner, serialRunner } from '../../src/pipeline/lockstep-runner';
import type { ModelRunner } from '../../src/pipeline/runners';
import type { Sampler } from '../../src/schema/samplers';
import { recordingRunner, tinyModel } from './node-model';
import { loadReference, maxAbsDiff } from './reference';

const LATENT_TOL = 1e-4; // as the txt2img / img2img tests against diffusers

interface Case {
  name: string; mode: string; prompt: string; negative_prompt: string | null; height: number; width: number; strength?: number;
  num_inference_steps: number; guidance_scale: number; generator_seeds: number[]; generator_code?: string; sampler?: Sampler;
  tensors: Record<string, string>;
}
const seeded = loadReference<{ cases: Case[] }>('seeded');
const samplers = loadReference<{ cases: Case[] }>('seeded_samplers');

function rgba(data: Uint8Array, width: number, height: number, channels: number): RgbaImage {
  const out = new Uint8ClampedArray(width * height * 4);
  for (let p = 0; p < width * height; p++) {
    for (let c = 0; c < 3; c++) out[p * 4 + c] = data[p * channels + (channels === 1 ? 0 : c)]!;
    out[p * 4 + 3] = 255;
  }
  return { rgba: out, width, height };
}

function request(c: Case, group: typeof seeded, seed: number | number[], images: number): GenerateRequest {
  const init = c.tensors.init_image_uint8_hwc ? group.tensor(c.tensors.init_image_uint8_hwc) : undefined;
  const mask = c.tensors.mask_uint8_hw ? rgba(group.tensor(c.tensors.mask_uint8_hw).data as Uint8Array, c.width, c.height, 1) : undefined;
  return {
    prompt: c.prompt, negative_prompt: c.negative_prompt ?? undefined, width: c.width, height: c.height, steps: c.num_inference_steps,
    cfg_scale: c.guidance_scale, sampler: c.sampler ?? 'K_EULER', seed, num_images: images,
    ...(init ? { images: { init: rgba(init.data as Uint8Array, c.width, c.height, 3), mask, strength: c.strength! } } : {}),
  };
}

/** Runs the case with the options, counting UNet calls and their batch sizes; returns each image's final latents. */
async function run(c: Case, group: typeof seeded, seed: number | number[], images: number, opts: Partial<PipelineOptions>) {
  const { components } = await tinyModel();
  const batches: number[] = [];
  const unet = recordingRunner(components.unet, (feeds) => batches.push(feeds.sample!.dims[0]!));
  const result = await generate({ ...components, unet }, request(c, group, seed, images), { randomSeed: () => 0, promptWeighting: false, ...opts });
  return { latents: result.images.map((i) => i.finalLatents!), seeds: result.images.map((i) => i.seed), batches };
}

const perImage = (ref: Float32Array, n: number, k: number) => ref.subarray((k * ref.length) / n, ((k + 1) * ref.length) / n);

describe('CFG as two batch-1 UNet calls (cfgBatch: split)', () => {
  for (const c of seeded.index.cases.filter((k) => k.guidance_scale > 1)) {
    it(`${c.name}: diffusers' latents, from twice the calls at batch 1`, async () => {
      const r = await run(c, seeded, c.generator_seeds[0]!, 1, { cfgBatch: 'split' });
      expect(maxAbsDiff(r.latents[0]!, seeded.float(c.tensors.final_latents!))).toBeLessThanOrEqual(LATENT_TOL);
      expect(r.batches.every((b) => b === 1)).toBe(true);
      const batched = await run(c, seeded, c.generator_seeds[0]!, 1, {});
      expect(r.batches).toHaveLength(batched.batches.length * 2);
      expect(batched.batches.every((b) => b === 2)).toBe(true);
    });
  }
});

describe('num_images as one batched UNet call per step (imageBatch: batched)', () => {
  it("a generator list (11, 12) without CFG: each image is diffusers' row, one batch-2 call per step", async () => {
    const c = seeded.index.cases.find((k) => k.generator_seeds.length === 2)!;
    const r = await run(c, seeded, c.generator_seeds, 2, { imageBatch: 'batched' });
    expect(r.seeds).toEqual([11, 12]);
    r.latents.forEach((l, k) => expect(maxAbsDiff(l, perImage(seeded.float(c.tensors.final_latents!), 2, k)), `image ${k}`).toBeLessThanOrEqual(LATENT_TOL));
    expect(r.batches).toEqual([2, 2, 2, 2]);
  });

  // The same seed twice must give diffusers' single-seed result twice: each image draws from its own generator.
  for (const c of seeded.index.cases.filter((k) => k.guidance_scale > 1)) {
    it(`${c.name} twice side by side: both equal diffusers, with CFG batch 4 (or 2 when split)`, async () => {
      const seed = c.generator_seeds[0]!;
      const ref = seeded.float(c.tensors.final_latents!);
      for (const [cfgBatch, batch] of [['batched', 4], ['split', 2]] as const) {
        const r = await run(c, seeded, [seed, seed], 2, { imageBatch: 'batched', cfgBatch });
        r.latents.forEach((l, k) => expect(maxAbsDiff(l, ref), `${cfgBatch} image ${k}`).toBeLessThanOrEqual(LATENT_TOL));
        expect(new Set(r.batches)).toEqual(new Set([batch]));
      }
    });
  }

  it('a stochastic sampler (K_EULER_ANCESTRAL) keeps each image\'s draw order', async () => {
    const c = samplers.index.cases.find((k) => k.sampler === 'K_EULER_ANCESTRAL')!;
    const seed = Number(/manual_seed\((\d+)\)/.exec(c.generator_code!)![1]);
    const r = await run(c, samplers, [seed, seed + 1, seed], 3, { imageBatch: 'batched' });
    for (const k of [0, 2]) expect(maxAbsDiff(r.latents[k]!, samplers.float(c.tensors.final_latents!)), `image ${k}`).toBeLessThanOrEqual(LATENT_TOL);
    expect(maxAbsDiff(r.latents[1]!, r.latents[0]!)).toBeGreaterThan(0.1); // another seed, another image
    expect(new Set(r.batches)).toEqual(new Set([6]));
  });

  it('a cancel mid-run ends every image before generate rejects', async () => {
    const c = seeded.index.cases[0]!;
    const { components } = await tinyModel();
    const signal = { aborted: false };
    let active = 0;
    let denoiseEvents = 0;
    const counting = (r: ModelRunner): ModelRunner => ({
      ...r, inputs: r.inputs, outputs: r.outputs,
      run: async (feeds, names) => {
        active++;
        try {
          return await r.run(feeds, names);
        } finally {
          active--;
        }
      },
    });
    const done = generate({ ...components, unet: counting(components.unet), vaeDecoder: counting(components.vaeDecoder) }, request(c, seeded, [1, 2], 2), {
      randomSeed: () => 0, imageBatch: 'batched', signal,
      onProgress: (e) => { if (e.stage === 'denoise' && ++denoiseEvents === 3) signal.aborted = true; },
    });
    await expect(done).rejects.toThrow('cancelled');
    expect(active).toBe(0);
    expect(denoiseEvents).toBe(4); // both images finished step 2; neither started step 3
  });
});

describe('LockstepRunner', () => {
  const echo = (calls: number[][]): ModelRunner => ({
    inputs: [], outputs: [{ name: 'out', type: 'float32', dims: [] }],
    run: async (feeds) => {
      calls.push([feeds.sample!.dims[0]!]);
      return { out: { ...feeds.sample!, data: (feeds.sample!.data as Float32Array).map((x) => x * 10) } };
    },
  });
  const feed = (values: number[], t = 1) => ({
    sample: { type: 'float32' as const, data: Float32Array.from(values), dims: [values.length] },
    timestep: { type: 'float32' as const, data: Float32Array.of(t), dims: [] },
  });

  it('makes one call of the participants\' rows and gives each its own rows back', async () => {
    const calls: number[][] = [];
    const r = new LockstepRunner(echo(calls), 2);
    const [a, b] = await Promise.all([r.run(feed([1, 2])), r.run(feed([3]))]);
    expect(calls).toEqual([[3]]);
    expect([...a.out!.data, '|', ...b.out!.data]).toEqual([10, 20, '|', 30]);
    expect([a.out!.dims, b.out!.dims]).toEqual([[2], [1]]);
  });

  it('stops waiting for a participant that left', async () => {
    const calls: number[][] = [];
    const r = new LockstepRunner(echo(calls), 2);
    const pending = r.run(feed([5]));
    r.leave();
    expect((await pending).out!.data).toEqual(Float32Array.of(50));
  });

  it('refuses calls at different timesteps, naming the input', async () => {
    const r = new LockstepRunner(echo([]), 2);
    const results = await Promise.allSettled([r.run(feed([1], 999)), r.run(feed([2], 749))]);
    expect(results.map((x) => x.status === 'rejected' && String(x.reason))).toEqual(Array(2).fill('Error: batched UNet calls disagree on "timestep"'));
  });

  it('serialRunner lets one run through at a time', async () => {
    let running = 0;
    let most = 0;
    const slow: ModelRunner = {
      inputs: [], outputs: [],
      run: async () => {
        most = Math.max(most, ++running);
        await new Promise((resolve) => setTimeout(resolve, 5));
        running--;
        return {};
      },
    };
    const s = serialRunner(slow);
    await Promise.all([s.run({}), s.run({}), s.run({})]);
    expect(most).toBe(1);
  });

  it('serialRunner keeps the inner runner’s varying-shapes view, queued with the runner’s own calls', async () => {
    let running = 0;
    let most = 0;
    const calls: string[] = [];
    const slow = (name: string): ModelRunner => ({
      inputs: [], outputs: [],
      run: async () => {
        most = Math.max(most, ++running);
        calls.push(name);
        await new Promise((resolve) => setTimeout(resolve, 5));
        running--;
        return {};
      },
    });
    const inner: ModelRunner = { ...slow('shaped'), forVaryingShapes: () => slow('any') };
    const s = serialRunner(inner);
    const any = s.forVaryingShapes!();
    await Promise.all([s.run({}), any.run({}), s.run({}), any.run({})]);
    expect(calls).toEqual(['shaped', 'any', 'shaped', 'any']);
    expect(most).toBe(1);
    expect(serialRunner(slow('plain')).forVaryingShapes).toBeUndefined();
  });
});
