// The SDXL refiner (use_refiner, high_noise_frac) against diffusers' base(denoising_end) → refiner(denoising_start) run
// (tiny-sdxl-assets reference case refiner_hnf080_8steps_seed12): the split, the hand-over, every refiner UNet call's
// conditioning, the generator's draws across both stages, the final latents and the image; and the refused requests.
import * as ort from 'onnxruntime-web';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { generate, type GenerateRequest, type SdxlComponents } from '../../src/pipeline/generate';
import { pythonRound, RefinerRequestError, splitTimesteps, timestepCutoff } from '../../src/pipeline/refiner-split';
import { refinerRequestErrors, type RefinerOptions } from '../../src/pipeline/refiner-stage';
import { encodeRefinerConditioning } from '../../src/pipeline/refiner-conditioning';
import type { Tensor } from '../../src/pipeline/tensor';
import { TorchGenerator } from '../../src/pipeline/torch-generator';
import { createScheduler } from '../../src/pipeline/schedulers';
import { loadRefiner, type LoadedRefiner } from '../../src/runtime/load-refiner';
import { clock, dirModelFiles, recordingRunner, tinyDeviceLoopModel, tinyModel } from './node-model';
import { loadReference, maxAbsDiff, rgbaFromHwc, testDataDir } from './reference';
import { expectPixelsClose, IMAGE_TOL, LATENT_TOL, toNhwc } from './txt2img-compare';

interface UnetCall {
  model: 'unet' | 'refiner_unet'; stage: 'base' | 'refiner'; timestep: number; time_ids_values: number[][];
  sample: string; encoder_hidden_states: string; text_embeds: string; time_ids: string; out_sample: string;
}
interface RefinerCase {
  name: string; prompt: string; negative_prompt: string; height: number; width: number; num_inference_steps: number;
  guidance_scale: number; generator_seeds: number[]; high_noise_frac: number; aesthetic_score: number; negative_aesthetic_score: number;
  tensors: Record<string, string>; unet_calls: UnetCall[]; randn_draws: { index: number; stage: string; caller: string; tensor: string }[];
  handover: {
    base_timesteps_run: number[]; refiner_timesteps_run: number[]; discrete_timestep_cutoff: number;
    base_scheduler_timesteps_full: number[]; refiner_scheduler_timesteps_full: number[]; refiner_scheduler_sigmas_full: number[];
  };
}

const ref = loadReference<{ cases: RefinerCase[] }>('assets', 'tiny-sdxl-assets/reference');
const c = ref.index.cases.find((k) => k.name === 'refiner_hnf080_8steps_seed12')!;
const refinerDir = `${testDataDir}tiny-sdxl-assets/refiner/`;
const request = (over: Partial<GenerateRequest> = {}): GenerateRequest => ({
  prompt: c.prompt, negative_prompt: c.negative_prompt, width: c.width, height: c.height, steps: c.num_inference_steps,
  cfg_scale: c.guidance_scale, sampler: 'K_EULER', seed: c.generator_seeds[0], num_images: 1, ...over,
});
// The fixture's scheduler configs say trailing spacing themselves; no spacing is forced.
const eulerSchedule = (config: SdxlComponents['schedulerConfig'], steps: number) => {
  const s = createScheduler('K_EULER', config);
  s.setTimesteps(steps);
  return s as ReturnType<typeof createScheduler> & { sigmas: Float32Array };
};

let refiner: LoadedRefiner;
beforeAll(async () => {
  refiner = await loadRefiner(dirModelFiles(refinerDir), await tinyModel(), { ort, provider: 'wasm', clock });
});
const refinerOptions = (over: Partial<RefinerOptions> = {}): RefinerOptions => ({ ...refiner.options, highNoiseFrac: c.high_noise_frac, ...over });

describe('the hand-over point (diffusers denoising_end / denoising_start)', () => {
  it('rounds as Python does: halves to even', () => {
    expect([0.5, 1.5, 2.5, 186.5, 187.5, 199.6].map(pythonRound)).toEqual([0, 2, 2, 186, 188, 200]);
  });

  it('splits the 8-step schedule at 0.8 as the reference: 7 base steps (t ≥ 200), 1 refiner step', async () => {
    const { components } = await tinyModel();
    const base = eulerSchedule(components.schedulerConfig, c.num_inference_steps);
    const own = eulerSchedule(refiner.options.schedulerConfig, c.num_inference_steps);
    expect(base.timesteps).toEqual(c.handover.base_scheduler_timesteps_full);
    expect(own.timesteps).toEqual(c.handover.refiner_scheduler_timesteps_full);
    expect(maxAbsDiff(own.sigmas, c.handover.refiner_scheduler_sigmas_full)).toBeLessThanOrEqual(1e-6);
    const cutoff = timestepCutoff(c.high_noise_frac, components.schedulerConfig.num_train_timesteps);
    expect(cutoff).toBe(c.handover.discrete_timestep_cutoff);
    const split = splitTimesteps(base.timesteps, own.timesteps, cutoff);
    expect(split.base).toEqual(c.handover.base_timesteps_run);
    expect(split.refiner).toEqual(c.handover.refiner_timesteps_run);
    expect(split.refinerBeginIndex).toBe(c.handover.base_timesteps_run.length);
  });

  it('splits 6 + 2 at 0.7 (cutoff 300: the refiner runs 249 and 124 from index 6)', () => {
    const schedule = c.handover.base_scheduler_timesteps_full;
    const split = splitTimesteps(schedule, schedule, timestepCutoff(0.7, 1000));
    expect(split.cutoff).toBe(300);
    expect([split.base.length, split.refiner.length]).toEqual([6, 2]);
    expect(split.refiner).toEqual([249, 124]);
    expect(split.refinerBeginIndex).toBe(6);
  });

  it('gives the base nothing when the cutoff is above every timestep: it hands over its initial latents', () => {
    const schedule = c.handover.base_scheduler_timesteps_full;
    const split = splitTimesteps(schedule, schedule, timestepCutoff(0.0001, 1000));
    expect(split.cutoff).toBe(1000);
    expect(split.base).toEqual([]);
    expect(split.refiner).toEqual(schedule);
    expect(split.refinerBeginIndex).toBe(0);
  });

  it('starts the refiner at the second occurrence of a repeated timestep, as index_for_timestep', () => {
    const split = splitTimesteps([900, 500, 100, 100, 50], [900, 500, 100, 100, 50], 300);
    expect(split.refiner).toEqual([100, 100, 50]);
    expect(split.refinerBeginIndex).toBe(3);
  });
});

describe(`use_refiner end to end from the seed (${c.name})`, () => {
  afterEach(() => vi.restoreAllMocks());

  it('equals diffusers: every UNet call, the hand-over, the draws of one generator across both stages, latents and image', async () => {
    const { components } = await tinyModel();
    const calls: { model: string; feeds: Record<string, Tensor> }[] = [];
    const record = (model: string) => (feeds: Record<string, Tensor>) => calls.push({ model, feeds });
    const draws: Float32Array[] = [];
    const randn = TorchGenerator.prototype.randn;
    vi.spyOn(TorchGenerator.prototype, 'randn').mockImplementation(function (this: TorchGenerator, n: number) {
      const out = randn.call(this, n);
      draws.push(out.slice());
      return out;
    });
    const progress: [number, number][] = [];
    const result = await generate({ ...components, unet: recordingRunner(components.unet, record('unet')) }, request(), {
      randomSeed: () => 0,
      refiner: refinerOptions({ unet: recordingRunner(refiner.options.unet, record('refiner_unet')) }),
      onProgress: (e) => { if (e.stage === 'denoise') progress.push([e.step, e.steps]); },
    });

    expect(calls.map((k) => [k.model, Number(k.feeds.timestep!.data[0])])).toEqual(c.unet_calls.map((k) => [k.model, k.timestep]));
    for (const [i, want] of c.unet_calls.entries()) {
      const got = calls[i]!.feeds;
      const label = `call ${i} (${want.model} t=${want.timestep})`;
      expect(got.time_ids!.dims, label).toEqual(ref.tensor(want.time_ids).shape);
      expect(Array.from(got.time_ids!.data as Float32Array), label).toEqual(want.time_ids_values.flat());
      expect(got.encoder_hidden_states!.dims, label).toEqual(ref.tensor(want.encoder_hidden_states).shape);
      expect(maxAbsDiff(got.encoder_hidden_states!.data as Float32Array, ref.float(want.encoder_hidden_states)), `${label} encoder_hidden_states`).toBeLessThanOrEqual(1e-5);
      expect(maxAbsDiff(got.text_embeds!.data as Float32Array, ref.float(want.text_embeds)), `${label} text_embeds`).toBeLessThanOrEqual(1e-5);
      expect(maxAbsDiff(got.sample!.data as Float32Array, ref.float(want.sample)), `${label} sample`).toBeLessThanOrEqual(LATENT_TOL);
    }

    const img = result.images[0]!;
    expect(maxAbsDiff(img.handoverLatents!, ref.float(c.tensors.handover_latents!)), 'hand-over latents').toBeLessThanOrEqual(LATENT_TOL);
    expect(maxAbsDiff(img.finalLatents!, ref.float(c.tensors.final_latents!)), 'final latents').toBeLessThanOrEqual(LATENT_TOL);
    expect(maxAbsDiff(toNhwc(img.decoderSample!, c.width, c.height), ref.float(c.tensors.image!))).toBeLessThanOrEqual(IMAGE_TOL);
    expectPixelsClose(img.rgba, ref.float(c.tensors.image!), c.name);
    const bytes = ref.tensor(c.tensors.image_uint8!).data as Uint8Array;
    let step = 0;
    for (let p = 0; p < bytes.length / 3; p++) for (let ch = 0; ch < 3; ch++) step = Math.max(step, Math.abs(img.rgba[p * 4 + ch]! - bytes[p * 3 + ch]!));
    expect(step, 'uint8 pixels').toBeLessThanOrEqual(1);

    // One generator: the latents, 7 base Euler draws, then the refiner's Euler draw continues the same stream.
    expect(draws).toHaveLength(c.randn_draws.length);
    for (const [i, d] of c.randn_draws.entries()) expect(maxAbsDiff(draws[i]!, ref.float(d.tensor)), `draw ${i} (${d.stage})`).toBe(0);
    expect(c.randn_draws.map((d) => d.stage)).toEqual([...Array(8).fill('base'), 'refiner']);

    // Progress counts both stages' steps; the result says the CPU loop ran them.
    expect(progress).toEqual(Array.from({ length: 8 }, (_, i) => [i + 1, 8]));
    expect(result.denoiseSteps).toBe(8);
    expect(result.denoiseLoop).toBe('cpu');
  });

  it('on the device loop: the base on the device, one readback to the refiner, the same hand-over, latents and image', async () => {
    const { components } = await tinyDeviceLoopModel();
    const progress: [number, number][] = [];
    const result = await generate(components, request(), {
      randomSeed: () => 0, refiner: refinerOptions(), keepIntermediates: true,
      onProgress: (e) => { if (e.stage === 'denoise') progress.push([e.step, e.steps]); },
    });
    expect(result.denoiseLoop).toBe('gpu');
    const img = result.images[0]!;
    expect(maxAbsDiff(img.handoverLatents!, ref.float(c.tensors.handover_latents!)), 'hand-over latents').toBeLessThanOrEqual(LATENT_TOL);
    expect(maxAbsDiff(img.finalLatents!, ref.float(c.tensors.final_latents!)), 'final latents').toBeLessThanOrEqual(LATENT_TOL);
    expectPixelsClose(img.rgba, ref.float(c.tensors.image!), `${c.name} (device loop)`);
    expect(progress).toEqual(Array.from({ length: 8 }, (_, i) => [i + 1, 8]));
  });

  it('refines every image of a request with its own generator (seeds [12, 12]: both equal the reference)', async () => {
    const { components } = await tinyModel();
    const result = await generate(components, request({ seed: [12, 12], num_images: 2 }), { randomSeed: () => 0, refiner: refinerOptions() });
    expect(result.denoiseSteps).toBe(16);
    for (const img of result.images) expect(maxAbsDiff(img.finalLatents!, ref.float(c.tensors.final_latents!))).toBeLessThanOrEqual(LATENT_TOL);
  });

  it('at 0.7 runs 6 base and 2 refiner UNet calls, the refiner from σ(249)', async () => {
    const { components } = await tinyModel();
    const calls: [string, number][] = [];
    const rec = (m: string, r: typeof components.unet) => recordingRunner(r, (f) => calls.push([m, Number(f.timestep!.data[0])]));
    await generate({ ...components, unet: rec('unet', components.unet) }, request(), {
      randomSeed: () => 0, refiner: refinerOptions({ highNoiseFrac: 0.7, unet: rec('refiner_unet', refiner.options.unet) }),
    });
    expect(calls).toEqual([...c.handover.base_scheduler_timesteps_full.slice(0, 6).map((t) => ['unet', t]), ['refiner_unet', 249], ['refiner_unet', 124]]);
  });
});

describe('use_refiner with image-to-image (diffusers: the strength tail cut by denoising_end, then the refiner)', () => {
  afterEach(() => vi.restoreAllMocks());

  it('runs the base on the strength tail down to the cutoff as plain img2img does, then the refiner from the hand-over', async () => {
    const i2i = loadReference<{ cases: { name: string; tensors: Record<string, string> }[] }>('img2img');
    const init = i2i.tensor(i2i.index.cases.find((k) => k.name === 'i2i_s080_g3')!.tensors.init_image_uint8_hwc!);
    const req = request({ images: { init: rgbaFromHwc(init.data as Uint8Array, c.width, c.height, 3), strength: 0.8 } });
    const { components } = await tinyModel();
    const runWith = async (refine: boolean) => {
      const calls: { model: string; t: number; sample: Float32Array }[] = [];
      const rec = (model: string, r: typeof components.unet) => recordingRunner(r, (f) => calls.push({ model, t: Number(f.timestep!.data[0]), sample: (f.sample!.data as Float32Array).slice() }));
      let draws = 0;
      const randn = TorchGenerator.prototype.randn;
      vi.spyOn(TorchGenerator.prototype, 'randn').mockImplementation(function (this: TorchGenerator, n: number) {
        draws++;
        return randn.call(this, n);
      });
      const result = await generate({ ...components, unet: rec('unet', components.unet) }, req, {
        randomSeed: () => 0, refiner: refine ? refinerOptions({ unet: rec('refiner_unet', refiner.options.unet) }) : undefined,
      });
      vi.restoreAllMocks();
      return { calls, draws, image: result.images[0]! };
    };
    const plain = await runWith(false);
    const refined = await runWith(true);
    // 8 steps at strength 0.8: int(6.4) = 6 steps from 749; the base keeps t ≥ 200 of them, the refiner runs 124.
    expect(plain.calls.map((k) => k.t)).toEqual([749, 624, 499, 374, 249, 124]);
    expect(refined.calls.map((k) => [k.model, k.t])).toEqual([...[749, 624, 499, 374, 249].map((t) => ['unet', t]), ['refiner_unet', 124]]);
    for (let i = 0; i < 5; i++) expect(maxAbsDiff(refined.calls[i]!.sample, plain.calls[i]!.sample), `base call ${i}`).toBe(0);
    // No add_noise for the refiner: its input is the hand-over scaled by Euler at σ(124), for both CFG rows.
    const sigma = c.handover.refiner_scheduler_sigmas_full[7]!;
    const scaled = Float32Array.from(refined.image.handoverLatents!, (x) => x / Math.sqrt(sigma * sigma + 1));
    expect(maxAbsDiff(refined.calls[5]!.sample, [...scaled, ...scaled])).toBeLessThanOrEqual(1e-6);
    // One generator: VAE encode's sample and add_noise's noise, one Euler draw per base step, one for the refiner's.
    expect([plain.draws, refined.draws]).toEqual([2 + 6, 2 + 5 + 1]);
  });
});

describe("the refiner's conditioning", () => {
  it('without a negative prompt: encode("") through text_encoder_2 for the refiner (force_zeros_for_empty_prompt false), zeros for the base', async () => {
    const { components } = await tinyModel();
    const fields = { prompt: c.prompt };
    const scores = { aestheticScore: 6, negativeAestheticScore: 2.5 };
    const own = await encodeRefinerConditioning(components, fields, true, {}, { ...scores, forceZerosForEmptyPrompt: false }, 64, 64);
    const empty = await encodeRefinerConditioning(components, { prompt: '' }, false, {}, { ...scores, forceZerosForEmptyPrompt: false }, 64, 64);
    const half = own.encoderHiddenStates.data.length / 2;
    expect(Array.from(own.encoderHiddenStates.data.slice(0, half) as Float32Array)).toEqual(Array.from(empty.encoderHiddenStates.data as Float32Array));
    expect(Array.from(own.textEmbeds.data.slice(0, own.textEmbeds.data.length / 2) as Float32Array)).toEqual(Array.from(empty.textEmbeds.data as Float32Array));
    expect(Math.max(...Array.from(empty.encoderHiddenStates.data as Float32Array, Math.abs))).toBeGreaterThan(0);
    const zeros = await encodeRefinerConditioning(components, fields, true, {}, { ...scores, forceZerosForEmptyPrompt: true }, 64, 64);
    expect(Math.max(...Array.from(zeros.encoderHiddenStates.data.slice(0, half) as Float32Array, Math.abs))).toBe(0);
    expect(Array.from(own.timeIds.data as Float32Array)).toEqual([64, 64, 0, 0, 2.5, 64, 64, 0, 0, 6]);
    // Without guidance: one row, the positive aesthetic score.
    expect(Array.from(empty.timeIds.data as Float32Array)).toEqual([64, 64, 0, 0, 6]);
  });

  it('reads `prompt`, not prompt_2, through text_encoder_2 (encode_prompt zips prompts with [tokenizer_2])', async () => {
    const { components } = await tinyModel();
    const r = { aestheticScore: 6, negativeAestheticScore: 2.5, forceZerosForEmptyPrompt: false };
    const plain = await encodeRefinerConditioning(components, { prompt: c.prompt }, false, {}, r, 64, 64);
    const withSecond = await encodeRefinerConditioning(components, { prompt: c.prompt, prompt_2: 'something else entirely' }, false, {}, r, 64, 64);
    expect(Array.from(withSecond.encoderHiddenStates.data as Float32Array)).toEqual(Array.from(plain.encoderHiddenStates.data as Float32Array));
  });
});

describe('refused use_refiner requests', () => {
  const errors = async (req: Partial<GenerateRequest>, over: Partial<RefinerOptions> = {}) => {
    const { components } = await tinyModel();
    return refinerRequestErrors(components.schedulerConfig, { ...request(), ...req }, refinerOptions(over)).map((e) => [e.loc[1], e.type]);
  };

  it('accepts the reference request', async () => expect(await errors({})).toEqual([]));

  it('refuses a high_noise_frac outside (0, 1), where diffusers ignores denoising_end/start', async () => {
    expect(await errors({}, { highNoiseFrac: 0 })).toEqual([['high_noise_frac', 'value_error']]);
    expect(await errors({}, { highNoiseFrac: 1 })).toEqual([['high_noise_frac', 'value_error']]);
  });

  it('refuses a split that leaves the refiner no step (0.95 at 8 steps: cutoff 50 < 124), naming the rule', async () => {
    const { components } = await tinyModel();
    const [e] = refinerRequestErrors(components.schedulerConfig, request(), refinerOptions({ highNoiseFrac: 0.95 }));
    expect(e!.loc).toEqual(['body', 'high_noise_frac']);
    expect(e!.msg).toContain('round(1000·(1 − 0.95)) = 50');
    expect(e!.msg).toContain('124');
  });

  it('refuses second-order samplers and masks by field; takes image-to-image', async () => {
    expect(await errors({ sampler: 'HEUN' })).toEqual([['sampler', 'not_supported']]);
    const init = { rgba: new Uint8ClampedArray(64 * 64 * 4), width: 64, height: 64 };
    expect(await errors({ images: { init, mask: init, strength: 0.5 } })).toEqual([['use_refiner', 'not_supported']]);
    expect(await errors({ images: { init, strength: 0.5 } })).toEqual([]);
  });

  it('generate throws the field errors before any model runs', async () => {
    const { components } = await tinyModel();
    let runs = 0;
    const counted = recordingRunner(components.textEncoder, () => runs++);
    const run = generate({ ...components, textEncoder: counted }, request(), { randomSeed: () => 0, refiner: refinerOptions({ highNoiseFrac: 1 }) });
    await expect(run).rejects.toBeInstanceOf(RefinerRequestError);
    await expect(run).rejects.toMatchObject({ detail: [{ loc: ['body', 'high_noise_frac'] }] });
    expect(runs).toBe(0);
  });
});
