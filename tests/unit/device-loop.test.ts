// The device loop (UNet outputs, guidance, the scheduler step and the decoder's pixels kept in onnxruntime tensors, here
// on the wasm EP) against diffusers and against the CPU loop, for every ported sampler and for inpainting.
import { describe, expect, it } from 'vitest';
import { generate, type GenerateRequest } from '../../src/pipeline/generate';
import type { Sampler } from '../../src/schema/samplers';
import { LOOP_GRAPHS_CLOCK_KEY } from '../../src/runtime/ort-device-loop';
import { clock, tinyDeviceLoopModel, tinyModel } from './node-model';
import { loadReference, maxAbsDiff, rgbaFromHwc } from './reference';

interface SeededCase {
  sampler: Sampler; prompt: string; negative_prompt: string; height: number; width: number;
  num_inference_steps: number; guidance_scale: number; generator_code: string; tensors: Record<string, string>;
}
const PORTED: readonly Sampler[] = ['K_EULER', 'K_EULER_ANCESTRAL', 'DDIM', 'DPM_SOLVER_MULTISTEP', 'DPM_PLUS_PLUS_2M_KARRAS', 'UNI_PC'];
const LATENT_TOL = 1e-4; // the CPU loop's tolerance against diffusers (txt2img.test.ts)
const seeded = loadReference<{ cases: SeededCase[] }>('seeded_samplers');
const seedOf = (c: SeededCase) => Number(/manual_seed\((\d+)\)/.exec(c.generator_code)![1]);

/** Largest per-channel difference between two RGBA images, in 8-bit steps. */
function maxStep(a: Uint8ClampedArray, b: Uint8ClampedArray): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

async function both(req: GenerateRequest) {
  const device = await generate((await tinyDeviceLoopModel()).components, req, { randomSeed: () => 0, keepIntermediates: true });
  const cpu = await generate((await tinyModel()).components, req, { randomSeed: () => 0 });
  return { device, cpu };
}

describe('device loop, seeded txt2img per ported sampler (reference/seeded_samplers)', () => {
  for (const sampler of PORTED) {
    const c = seeded.index.cases.find((k) => k.sampler === sampler)!;
    it(`${sampler} runs on the device and equals diffusers and the CPU loop`, async () => {
      const { device, cpu } = await both({
        prompt: c.prompt, negative_prompt: c.negative_prompt, width: c.width, height: c.height, steps: c.num_inference_steps,
        cfg_scale: c.guidance_scale, sampler, seed: seedOf(c), num_images: 1,
      });
      expect(device.denoiseLoop).toBe('gpu');
      expect(cpu.denoiseLoop).toBe('cpu');
      const [d, p] = [device.images[0]!, cpu.images[0]!];
      expect(maxAbsDiff(d.finalLatents!, seeded.float(c.tensors.final_latents!)), 'latents vs diffusers').toBeLessThanOrEqual(LATENT_TOL);
      expect(maxAbsDiff(d.finalLatents!, p.finalLatents!), 'latents vs CPU loop').toBeLessThanOrEqual(LATENT_TOL);
      expect(maxAbsDiff(d.decoderSample!, p.decoderSample!), 'decoder output vs CPU loop').toBeLessThanOrEqual(1e-4);
      expect(maxStep(d.rgba, p.rgba), 'pixels vs CPU loop').toBeLessThanOrEqual(1);
    });
  }

  it('a sampler that is not ported (KLMS) takes the CPU loop on the same model', async () => {
    const r = await generate((await tinyDeviceLoopModel()).components, {
      prompt: 'a cat', width: 64, height: 64, steps: 2, cfg_scale: 1, sampler: 'KLMS', seed: 1, num_images: 1,
    }, { randomSeed: () => 0 });
    expect(r.denoiseLoop).toBe('cpu');
    expect(r.images[0]!.finalLatents!.every(Number.isFinite)).toBe(true);
  });

  it('without keepIntermediates only the pixels come back, and two images each get their own seed', async () => {
    const req: GenerateRequest = { prompt: 'a fox', negative_prompt: 'blurry', width: 64, height: 64, steps: 2, cfg_scale: 3, sampler: 'K_EULER_ANCESTRAL', seed: [4, 5], num_images: 2 };
    const d = await generate((await tinyDeviceLoopModel()).components, req, { randomSeed: () => 0 });
    const p = await generate((await tinyModel()).components, req, { randomSeed: () => 0 });
    expect(d.images.map((i) => [i.seed, i.finalLatents, i.decoderSample])).toEqual([[4, undefined, undefined], [5, undefined, undefined]]);
    for (const k of [0, 1]) expect(maxStep(d.images[k]!.rgba, p.images[k]!.rgba), `image ${k}`).toBeLessThanOrEqual(1);
  });
});

interface InpaintCase {
  name: string; prompt: string; negative_prompt: string | null; strength: number; num_inference_steps: number;
  guidance_scale: number; generator_seed?: number; generator_seeds?: number[]; tensors: Record<string, string>;
}

describe('device loop, image modes', () => {
  for (const group of ['inpaint', 'img2img'] as const) {
    const ref = loadReference<{ cases: InpaintCase[] }>(group);
    const c = ref.index.cases[0]!;
    it(`${group} ${c.name} runs on the device (blend included) and equals diffusers and the CPU loop`, async () => {
      const init = ref.tensor(c.tensors.init_image_uint8_hwc!);
      const [h, w] = init.shape as [number, number, number];
      const mask = c.tensors.mask_uint8_hw ? rgbaFromHwc(ref.tensor(c.tensors.mask_uint8_hw).data as Uint8Array, w, h, 1) : undefined;
      const { device, cpu } = await both({
        prompt: c.prompt, negative_prompt: c.negative_prompt ?? undefined, width: w, height: h, steps: c.num_inference_steps,
        cfg_scale: c.guidance_scale, sampler: 'K_EULER', seed: c.generator_seed ?? c.generator_seeds![0]!, num_images: 1,
        images: { init: rgbaFromHwc(init.data as Uint8Array, w, h, 3), mask, strength: c.strength },
      });
      expect(device.denoiseLoop).toBe('gpu');
      const [d, p] = [device.images[0]!, cpu.images[0]!];
      expect(maxAbsDiff(d.finalLatents!, ref.float(c.tensors.final_latents!)), 'latents vs diffusers').toBeLessThanOrEqual(LATENT_TOL);
      expect(maxStep(d.rgba, p.rgba), 'pixels vs CPU loop').toBeLessThanOrEqual(1);
    });
  }

  // UniPC carries its corrector's state between steps; started part-way (strength < 1) its first step has no corrector.
  for (const group of ['img2img', 'inpaint'] as const) {
    it(`${group} with UniPC from part-way: the device loop equals the CPU loop`, async () => {
      const ref = loadReference<{ cases: InpaintCase[] }>(group);
      const c = ref.index.cases[0]!;
      const init = ref.tensor(c.tensors.init_image_uint8_hwc!);
      const [h, w] = init.shape as [number, number, number];
      const mask = c.tensors.mask_uint8_hw ? rgbaFromHwc(ref.tensor(c.tensors.mask_uint8_hw).data as Uint8Array, w, h, 1) : undefined;
      const req: GenerateRequest = {
        prompt: c.prompt, width: w, height: h, steps: 8, cfg_scale: 3, sampler: 'UNI_PC', seed: 77, num_images: 1,
        images: { init: rgbaFromHwc(init.data as Uint8Array, w, h, 3), mask, strength: 0.6 },
      };
      const device = await generate((await tinyDeviceLoopModel()).components, req, { randomSeed: () => 0, keepIntermediates: true });
      const cpu = await generate((await tinyModel()).components, req, { randomSeed: () => 0 });
      expect(device.denoiseLoop).toBe('gpu');
      expect(maxAbsDiff(device.images[0]!.finalLatents!, cpu.images[0]!.finalLatents!), 'latents vs CPU loop').toBeLessThanOrEqual(LATENT_TOL);
      expect(maxStep(device.images[0]!.rgba, cpu.images[0]!.rgba), 'pixels vs CPU loop').toBeLessThanOrEqual(1);
    });
  }

  // The loop graphs are onnxruntime runs like the models' own: their time is inside session.run, not the pipeline's
  // overhead (on WebGPU the pixels run also waits there for the GPU to finish the queued work).
  it('times the loop graphs into the run clock: two more runs per extra Euler step', async () => {
    const model = await tinyDeviceLoopModel();
    const runs = async (steps: number) => {
      clock.reset();
      const r = await generate(model.components, { prompt: 'a cat', width: 64, height: 64, steps, cfg_scale: 3, sampler: 'K_EULER', seed: 3, num_images: 1 }, { randomSeed: () => 0 });
      expect(r.denoiseLoop).toBe('gpu');
      const loop = clock.ms[LOOP_GRAPHS_CLOCK_KEY] ?? [];
      expect(clock.total()).toBeLessThanOrEqual(r.timings.total);
      return loop.length;
    };
    const [one, three] = [await runs(1), await runs(3)];
    expect(one).toBeGreaterThanOrEqual(4); // model input and step, the VAE input and the pixels at least
    expect(three - one).toBe(4); // model input and the step graph, per step
  });
});
