// Automatic1111's `parameters` infotext: our writer's exact layout, A1111- and older-style texts parsed, round trips.
import { describe, expect, it } from 'vitest';
import { a1111Parameters, a1111Quote } from '../../src/schema/a1111-format';
import { parseA1111Parameters, parseParamLine } from '../../src/schema/a1111-parse';
import { fromA1111Sampler, toA1111Sampler } from '../../src/schema/a1111-samplers';
import { SAMPLERS } from '../../src/schema/samplers';

describe('a1111Parameters', () => {
  it('writes A1111’s layout: prompt, Negative prompt, then the settings line', () => {
    const text = a1111Parameters({
      prompt: 'a cat, on a mat', negative_prompt: 'blurry', steps: 8, sampler: 'K_EULER', cfg_scale: 3, seed: [42, 43],
      width: 1024, height: 1024, checkpoint: 'octoai:lightning_sdxl',
    }, { seed: 43, version: 'sdxl-lightning-web 0.1.0' });
    expect(text).toBe('a cat, on a mat\nNegative prompt: blurry\n'
      + 'Steps: 8, Sampler: Euler, CFG scale: 3, Seed: 43, Size: 1024x1024, Model: "octoai:lightning_sdxl", Version: sdxl-lightning-web 0.1.0');
  });

  it('writes Karras as Schedule type, LoRAs as prompt tags, img2img strength, Clip skip + 1, VAE and refiner', () => {
    const text = a1111Parameters({
      prompt: 'x', steps: 20, sampler: 'DPM_PLUS_PLUS_2M_KARRAS', cfg_scale: 7.5, seed: 1, width: 832, height: 1216,
      init_image: 'AAAA', strength: 0.6, clip_skip: 1, vae: 'sdxl-vae-fp16-fix', loras: { detail: 0.8, style: 1 },
      use_refiner: true, high_noise_frac: 0.8, style_preset: 'anime',
    }, { modelName: 'Juggernaut XL' });
    expect(text).toBe('x <lora:detail:0.8> <lora:style:1>\n'
      + 'Steps: 20, Sampler: DPM++ 2M, Schedule type: Karras, CFG scale: 7.5, Seed: 1, Size: 832x1216, Model: Juggernaut XL, '
      + 'VAE: sdxl-vae-fp16-fix, Denoising strength: 0.6, Clip skip: 2, Refiner: sdxl-refiner, Refiner switch at: 0.8, Style preset: anime');
  });

  it('quotes as A1111 does', () => {
    expect(a1111Quote('plain')).toBe('plain');
    expect(a1111Quote('a, b')).toBe('"a, b"');
    expect(a1111Quote('say "hi":\nnow')).toBe('"say \\"hi\\":\\nnow"');
  });
});

describe('samplers', () => {
  it('every OctoAI sampler goes to A1111 and back to one with the same A1111 name', () => {
    for (const s of SAMPLERS) {
      const a = toA1111Sampler(s);
      const back = fromA1111Sampler(a.name, a.schedule).sampler!;
      expect(toA1111Sampler(back)).toEqual(a);
    }
  });
  it('reads A1111 names old and new', () => {
    expect(fromA1111Sampler('Euler a').sampler).toBe('K_EULER_ANCESTRAL');
    expect(fromA1111Sampler('DPM++ 2M Karras').sampler).toBe('DPM_PLUS_PLUS_2M_KARRAS');
    expect(fromA1111Sampler('DPM++ 2M', 'Karras').sampler).toBe('DPM_PLUS_PLUS_2M_KARRAS');
    expect(fromA1111Sampler('DPM++ 2M', 'Automatic')).toEqual({ sampler: 'DPM_SOLVER_MULTISTEP', scheduleLost: false });
    expect(fromA1111Sampler('Euler', 'Karras')).toEqual({ sampler: 'K_EULER', scheduleLost: true });
    expect(fromA1111Sampler('Euler', 'Exponential')).toEqual({ sampler: 'K_EULER', scheduleLost: true });
    expect(fromA1111Sampler('Restart').sampler).toBeUndefined();
  });
});

describe('parseA1111Parameters', () => {
  it('reads a real-looking A1111 1.10 infotext, listing what does not map', () => {
    const text = 'masterpiece, a castle\non a hill <lora:add_detail:0.7>\nNegative prompt: lowres,\nbad hands\n'
      + 'Steps: 30, Sampler: DPM++ 2M, Schedule type: Karras, CFG scale: 6.5, Seed: 1234567890, Size: 896x1152, '
      + 'Model hash: 31e35c80fc, Model: sd_xl_base_1.0, VAE: sdxl_vae.safetensors, Denoising strength: 0.45, Clip skip: 2, '
      + 'Hires upscale: 1.5, Hires upscaler: Latent, Lora hashes: "add_detail: 7c6bad76eb54", TI hashes: "bad: 1234, good: 5678", Version: v1.10.1';
    const { request, unmapped } = parseA1111Parameters(text);
    expect(request).toEqual({
      prompt: 'masterpiece, a castle\non a hill', negative_prompt: 'lowres,\nbad hands', steps: 30,
      sampler: 'DPM_PLUS_PLUS_2M_KARRAS', cfg_scale: 6.5, seed: 1234567890, width: 896, height: 1152, vae: 'sdxl_vae.safetensors',
      clip_skip: 1, loras: { add_detail: 0.7 },
    });
    expect(unmapped).toEqual([
      'Model hash: 31e35c80fc', 'Model: sd_xl_base_1.0', 'Denoising strength: 0.45', 'Hires upscale: 1.5', 'Hires upscaler: Latent',
      'Lora hashes: add_detail: 7c6bad76eb54', 'TI hashes: bad: 1234, good: 5678', 'Version: v1.10.1',
    ]);
  });

  it('round-trips what we write', () => {
    const req = {
      prompt: 'line one\nline two, "quoted"', negative_prompt: 'ugly', steps: 4, sampler: 'DPM_2_ANCESTRAL_KARRAS' as const,
      cfg_scale: 1.5, seed: 7, width: 1024, height: 768, checkpoint: 'octoai:lightning_sdxl', loras: { a: 0.5 },
      use_refiner: true, high_noise_frac: 0.7, prompt_2: 'second, encoder', style_preset: 'cinematic' as const,
      init_image: 'x', strength: 0.3, mask_image: 'y', inpaint_full_res: true, inpaint_full_res_padding: 16,
    };
    const { request, unmapped } = parseA1111Parameters(a1111Parameters(req, { version: 'sdxl-lightning-web 0.1.0' }));
    const { init_image: _i, mask_image: _m, ...rest } = req;
    expect(request).toEqual(rest);
    expect(unmapped).toEqual([]);
  });

  it('a text without a settings line is all prompt; odd values are listed, never thrown', () => {
    expect(parseA1111Parameters('just a prompt, with: colon')).toEqual({ request: { prompt: 'just a prompt, with: colon' }, unmapped: [] });
    const { request, unmapped } = parseA1111Parameters('p <hypernet:foo:1> <lora:bad:x>\nSteps: many, Seed: -1, Size: big, CFG scale: 2, Sampler: Restart, Schedule type: Exponential');
    expect(request).toEqual({ prompt: 'p', cfg_scale: 2 });
    expect(unmapped).toEqual(['prompt tag <hypernet:foo:1>', 'prompt tag <lora:bad:x>', 'Steps: many', 'Seed: -1', 'Size: big', 'Sampler: Restart', 'Schedule type: Exponential']);
    expect(() => parseA1111Parameters('x'.repeat(200_001))).toThrow(/longer than/);
  });

  it('round-trips real-world prompts: weights, commas, quotes, LoRA tags, BREAK, several lines', () => {
    const prompt = '(masterpiece:1.2), best quality, "neon" sign: OPEN, a cat BREAK\n[city street], (night:0.8), \\(escaped\\)';
    const req = { prompt, negative_prompt: '(worst quality, low quality:1.4), text: "watermark"\nsecond line', steps: 6, sampler: 'K_EULER' as const, cfg_scale: 2, seed: 4294967295, width: 832, height: 1216, loras: { 'detail-tweaker_xl': 0.75, 'pixel art': -0.3 } };
    const text = a1111Parameters(req);
    expect(text).toContain('<lora:detail-tweaker_xl:0.75> <lora:pixel art:-0.3>\nNegative prompt: (worst quality');
    expect(parseA1111Parameters(text)).toEqual({ request: { ...req, checkpoint: 'octoai:lightning_sdxl' }, unmapped: [] });
  });

  it('reads LoRA tags as A1111 has them: a missing weight is 1, a second (UNet) weight is named as not used, .8 is a number', () => {
    const { request, unmapped } = parseA1111Parameters('a <lora:one> b <lora:two:.8:0.5>, c <LORA:x:1>\nSteps: 4, Seed: 1, CFG scale: 1');
    expect(request).toMatchObject({ prompt: 'a b , c', loras: { one: 1, two: 0.8 } });
    expect(unmapped).toEqual(['prompt tag <lora:two:.8:0.5>: only the first weight (0.8) is used', 'prompt tag <LORA:x:1>']);
  });

  it('with hires fix, Denoising strength belongs to the second pass: listed, not taken as image-to-image strength', () => {
    const { request, unmapped } = parseA1111Parameters('p\nSteps: 20, Seed: 1, Denoising strength: 0.7, Hires upscale: 2, Hires upscaler: Latent');
    expect(request.strength).toBeUndefined();
    expect(unmapped).toEqual(['Denoising strength: 0.7', 'Hires upscale: 2', 'Hires upscaler: Latent']);
  });

  it('parses quoted values with commas and escaped quotes', () => {
    expect(parseParamLine('Aa: 1, Bb: "x, \\"y\\"", Cc: z')).toEqual([['Aa', '1'], ['Bb', 'x, "y"'], ['Cc', 'z']]);
  });
});
