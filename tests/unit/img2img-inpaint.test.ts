// Image-to-image and inpainting (4-channel UNet) in Node against diffusers' SDXL img2img/inpaint pipelines.
import { describe, expect, it } from 'vitest';
import { generate } from '../../src/pipeline/generate';
import { tinyModel } from './node-model';
import { toNhwc } from './txt2img-compare';
import { loadReference, maxAbsDiff, rgbaFromHwc } from './reference';

interface Case {
  name: string; prompt: string; negative_prompt: string | null; strength: number; num_inference_steps: number;
  guidance_scale: number; generator_seed?: number; generator_seeds?: number[]; mode?: string; tensors: Record<string, string>;
}
const LATENT_TOL = 1e-4;
const IMAGE_TOL = 1e-3;

async function run(ref: ReturnType<typeof loadReference<{ cases: Case[] }>>, c: Case) {
  const init = ref.tensor(c.tensors.init_image_uint8_hwc!);
  const [h, w] = init.shape as [number, number, number];
  const mask = c.tensors.mask_uint8_hw ? rgbaFromHwc(ref.tensor(c.tensors.mask_uint8_hw).data as Uint8Array, w, h, 1) : undefined;
  const { components } = await tinyModel();
  const seed = c.generator_seed ?? c.generator_seeds![0]!;
  const { images } = await generate(components, {
    prompt: c.prompt, negative_prompt: c.negative_prompt ?? undefined, width: w, height: h, steps: c.num_inference_steps,
    cfg_scale: c.guidance_scale, sampler: 'K_EULER', seed, num_images: 1,
    images: { init: rgbaFromHwc(init.data as Uint8Array, w, h, 3), mask, strength: c.strength },
  }, { randomSeed: () => 0, promptWeighting: false });
  const img = images[0]!;
  expect(maxAbsDiff(img.finalLatents!, ref.float(c.tensors.final_latents!)), 'latents').toBeLessThanOrEqual(LATENT_TOL);
  expect(maxAbsDiff(toNhwc(img.decoderSample!, w, h), ref.float(c.tensors.image!)), 'image').toBeLessThanOrEqual(IMAGE_TOL);
}

describe('image-to-image (reference/img2img)', () => {
  const ref = loadReference<{ cases: Case[] }>('img2img');
  it('covers strengths 0.5 and 0.8', () => expect(ref.index.cases.map((c) => c.strength).sort()).toEqual([0.5, 0.5, 0.8]));
  for (const c of ref.index.cases) it(`matches ${c.name}`, () => run(ref, c));
});

describe('inpainting with the 4-channel UNet (reference/inpaint)', () => {
  const ref = loadReference<{ cases: Case[] }>('inpaint');
  it('covers strengths 1.0 and 0.75', () => expect(ref.index.cases.map((c) => c.strength).sort()).toEqual([0.75, 0.75, 1]));
  for (const c of ref.index.cases) it(`matches ${c.name}`, () => run(ref, c));
});

describe('seed-only image modes (reference/seeded)', () => {
  const ref = loadReference<{ cases: Case[] }>('seeded');
  for (const c of ref.index.cases.filter((k) => k.mode !== 'txt2img')) it(`matches ${c.name}`, () => run(ref, c));
});
