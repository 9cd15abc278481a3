// Text-to-image in Node against diffusers: explicit-latent runs (reference/txt2img) and seed-only runs (reference/seeded).
import { describe, expect, it } from 'vitest';
import { generate as txt2img, type GenerateRequest as Txt2ImgRequest } from '../../src/pipeline/generate';
import { tinyModel } from './node-model';
import { loadReference, maxAbsDiff } from './reference';
import { expectPixelsClose, IMAGE_TOL, LATENT_TOL, toNhwc } from './txt2img-compare';

interface T2iCase {
  name: string; prompt: string; negative_prompt: string | null; height: number; width: number;
  num_inference_steps: number; guidance_scale: number; tensors: Record<string, string>;
  mode?: string; generator_seeds?: number[]; num_images_per_prompt?: number;
}
const request = (c: T2iCase, seed?: number | number[]): Txt2ImgRequest => ({
  prompt: c.prompt, negative_prompt: c.negative_prompt ?? undefined, width: c.width, height: c.height,
  steps: c.num_inference_steps, cfg_scale: c.guidance_scale, sampler: 'K_EULER', seed, num_images: c.num_images_per_prompt ?? 1,
});

describe('txt2img with explicit latents (reference/txt2img)', () => {
  const ref = loadReference<{ cases: T2iCase[] }>('txt2img');
  for (const c of ref.index.cases) {
    it(`matches ${c.name}`, async () => {
      const { components } = await tinyModel();
      const { images } = await txt2img(components, request(c, 0), {
        randomSeed: () => 0, initialNoise: () => ref.float(c.tensors.latents_input!),
        promptWeighting: false, // diffusers reads "(ultra-detailed:1.2)" as plain text
      });
      const [img] = images;
      expect(maxAbsDiff(img!.finalLatents!, ref.float(c.tensors.final_latents!))).toBeLessThanOrEqual(LATENT_TOL);
      expect(maxAbsDiff(toNhwc(img!.decoderSample!, c.width, c.height), ref.float(c.tensors.image!))).toBeLessThanOrEqual(IMAGE_TOL);
      expectPixelsClose(img!.rgba, ref.float(c.tensors.image!), c.name);
    });
  }
});

describe('seeded txt2img (reference/seeded): the seed alone reproduces diffusers', () => {
  const ref = loadReference<{ cases: T2iCase[] }>('seeded');
  for (const c of ref.index.cases.filter((k) => k.mode === 'txt2img')) {
    it(`matches ${c.name}`, async () => {
      const { components } = await tinyModel();
      const seeds = c.generator_seeds!;
      const { images } = await txt2img(components, request(c, seeds.length > 1 ? seeds : seeds[0]), { randomSeed: () => 0 });
      expect(images.map((i) => i.seed)).toEqual(seeds);
      const n = images.length;
      const latents = ref.float(c.tensors.final_latents!);
      const image = ref.float(c.tensors.image!);
      images.forEach((img, k) => {
        const part = (a: Float32Array) => a.subarray((k * a.length) / n, ((k + 1) * a.length) / n);
        expect(maxAbsDiff(img.finalLatents!, part(latents)), `image ${k} latents`).toBeLessThanOrEqual(LATENT_TOL);
        expectPixelsClose(img.rgba, part(image), `${c.name} image ${k}`);
      });
    });
  }
});
