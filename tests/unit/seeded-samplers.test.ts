// Each implemented sampler's seeded txt2img run (reference/seeded_samplers) equals diffusers for that seed:
// the generator's draws are consumed in diffusers' order, so stochastic samplers reproduce too.
import { describe, expect, it } from 'vitest';
import { IMPLEMENTED_SAMPLERS } from '../../src/pipeline/schedulers';
import { txt2img } from '../../src/pipeline/txt2img';
import type { Sampler } from '../../src/schema/samplers';
import { tinyModel } from './node-model';
import { loadReference, maxAbsDiff } from './reference';

interface Case {
  name: string; sampler: Sampler; prompt: string; negative_prompt: string; height: number; width: number;
  num_inference_steps: number; guidance_scale: number; generator_code: string; unet_call_count: number;
  tensors: Record<string, string>;
}
const ref = loadReference<{ cases: Case[] }>('seeded_samplers');
const seedOf = (c: Case) => Number(/manual_seed\((\d+)\)/.exec(c.generator_code)![1]);

describe('seeded txt2img per sampler', () => {
  it('has a reference case for all fourteen samplers', () => expect(ref.index.cases).toHaveLength(14));
  for (const c of ref.index.cases.filter((k) => IMPLEMENTED_SAMPLERS.includes(k.sampler))) {
    it(`${c.sampler} (seed ${seedOf(c)}) equals diffusers`, async () => {
      const { components } = await tinyModel();
      let unetCalls = 0;
      const { images } = await txt2img(components, {
        prompt: c.prompt, negative_prompt: c.negative_prompt, width: c.width, height: c.height, steps: c.num_inference_steps,
        cfg_scale: c.guidance_scale, sampler: c.sampler, seed: seedOf(c), num_images: 1,
      }, { randomSeed: () => 0, onProgress: (e) => { if (e.stage === 'denoise') unetCalls = e.steps; } });
      expect(unetCalls, 'progress counts UNet calls').toBe(c.unet_call_count);
      const img = images[0]!;
      expect(maxAbsDiff(img.finalLatents, ref.float(c.tensors.final_latents!))).toBeLessThanOrEqual(1e-4);
      const expected = ref.tensor(c.tensors.image_uint8!).data as Uint8Array;
      let maxStep = 0;
      for (let p = 0; p < expected.length / 3; p++) for (let ch = 0; ch < 3; ch++) {
        maxStep = Math.max(maxStep, Math.abs(img.rgba[p * 4 + ch]! - expected[p * 3 + ch]!));
      }
      expect(maxStep, 'uint8 pixels').toBeLessThanOrEqual(1);
    });
  }
});
