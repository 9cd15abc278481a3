// Every request rule, reported in the 422 shape ({detail:[{loc,msg,type}]}), all violations at once.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { unsupportedFields } from '../../src/schema/engine-support';
import { REQUEST_FIELDS, SDXL_LIMITS, type ModelLimits } from '../../src/schema/request';
import { SDXL_SIZES } from '../../src/schema/sizes';
import { validateRequest, type Validation } from '../../src/schema/validate';

const CAPS = { samplers: ['K_EULER', 'DDIM'] };
const TINY: ModelLimits = { sizeRule: { kind: 'range', min: 64, max: 1024, multiple: 8 } };
const check = (body: unknown, limits = SDXL_LIMITS): Validation => validateRequest(body, limits, [1024, 1024]);
const errors = (body: unknown, limits = SDXL_LIMITS) => {
  const v = check(body, limits);
  if (v.ok) throw new Error('expected a validation error');
  return v.detail;
};
const one = (body: unknown, limits = SDXL_LIMITS) => {
  const d = errors(body, limits);
  expect(d, JSON.stringify(d)).toHaveLength(1);
  return d[0]!;
};

describe('request schema', () => {
  it('fills the Lightning checkpoint defaults: 8 steps, cfg 3.0, 1024×1024, png, one image', () => {
    const v = check({ prompt: 'a cat' });
    expect(v.ok && v.request).toMatchObject({
      checkpoint: 'octoai:lightning_sdxl', steps: 8, cfg_scale: 3, width: 1024, height: 1024, num_images: 1,
      image_encoding: 'png', style_preset: 'base', sampler: 'K_EULER', outpainting: false, use_refiner: false,
    });
  });

  it('requires a prompt', () => {
    expect(one({})).toMatchObject({ loc: ['body', 'prompt'], type: 'missing' });
  });

  it('rejects unknown fields by name', () => {
    expect(one({ prompt: 'x', guidance: 7 })).toMatchObject({ loc: ['body', 'guidance'], type: 'extra_forbidden' });
  });

  it('wants width and height together', () => {
    expect(one({ prompt: 'x', width: 1024 })).toMatchObject({ loc: ['body', 'height'], type: 'missing' });
    expect(one({ prompt: 'x', height: 1024 })).toMatchObject({ loc: ['body', 'width'], type: 'missing' });
  });

  it('accepts exactly the nine SDXL sizes for SDXL models', () => {
    for (const [width, height] of SDXL_SIZES) expect(check({ prompt: 'x', width, height }).ok).toBe(true);
    const e = one({ prompt: 'x', width: 512, height: 512 });
    expect(e).toMatchObject({ loc: ['body', 'width'], type: 'value_error' });
    expect(e.msg).toContain('1152×896');
    fc.assert(fc.property(fc.integer({ min: 1, max: 4096 }), fc.integer({ min: 1, max: 4096 }), (width, height) => {
      const allowed = SDXL_SIZES.some(([w, h]) => w === width && h === height);
      return check({ prompt: 'x', width, height }).ok === allowed;
    }));
  });

  it('lets a model declare its own size range (the tiny model: multiples of 8 from 64 to 1024)', () => {
    expect(check({ prompt: 'x', width: 64, height: 96 }, TINY).ok).toBe(true);
    expect(one({ prompt: 'x', width: 60, height: 64 }, TINY).msg).toContain('multiples of 8 from 64 to 1024');
    expect(check({ prompt: 'x', width: 1032, height: 64 }, TINY).ok).toBe(false);
  });

  it('bounds steps to 1–200 and cfg_scale to (0, 50]', () => {
    expect(one({ prompt: 'x', steps: 0 })).toMatchObject({ loc: ['body', 'steps'], type: 'greater_than_equal' });
    expect(one({ prompt: 'x', steps: 201 })).toMatchObject({ loc: ['body', 'steps'], type: 'less_than_equal' });
    expect(one({ prompt: 'x', steps: 4.5 })).toMatchObject({ loc: ['body', 'steps'], type: 'int_type' });
    expect(one({ prompt: 'x', cfg_scale: 0 })).toMatchObject({ loc: ['body', 'cfg_scale'], type: 'greater_than' });
    expect(one({ prompt: 'x', cfg_scale: 50.5 })).toMatchObject({ loc: ['body', 'cfg_scale'], type: 'less_than_equal' });
    expect(check({ prompt: 'x', cfg_scale: 50, steps: 200 }).ok).toBe(true);
  });

  it('bounds num_images to 1–16', () => {
    expect(one({ prompt: 'x', num_images: 0 }).loc).toEqual(['body', 'num_images']);
    expect(one({ prompt: 'x', num_images: 17 }).loc).toEqual(['body', 'num_images']);
  });

  it('takes a seed in [0, 2^32) or a list with one seed per image', () => {
    expect(check({ prompt: 'x', seed: 2 ** 32 - 1 }).ok).toBe(true);
    expect(one({ prompt: 'x', seed: 2 ** 32 })).toMatchObject({ loc: ['body', 'seed'], type: 'less_than_equal' });
    expect(one({ prompt: 'x', seed: -1 })).toMatchObject({ loc: ['body', 'seed'], type: 'greater_than_equal' });
    expect(one({ prompt: 'x', seed: [1, -2], num_images: 2 })).toMatchObject({ loc: ['body', 'seed', 1] });
    expect(one({ prompt: 'x', seed: [1, 2, 3], num_images: 2 })).toMatchObject({ loc: ['body', 'seed'], type: 'value_error' });
    expect(one({ prompt: 'x', seed: 'seven' })).toMatchObject({ loc: ['body', 'seed'] });
    expect(check({ prompt: 'x', seed: [5, 9], num_images: 2 }).ok).toBe(true);
  });

  it('allows strength and mask_image only with init_image, strength in (0, 1]', () => {
    expect(one({ prompt: 'x', strength: 0.5 })).toMatchObject({ loc: ['body', 'strength'], type: 'value_error' });
    expect(one({ prompt: 'x', mask_image: 'AAAA' })).toMatchObject({ loc: ['body', 'mask_image'] });
    expect(one({ prompt: 'x', init_image: 'AAAA', strength: 0 })).toMatchObject({ loc: ['body', 'strength'], type: 'greater_than' });
    expect(one({ prompt: 'x', init_image: 'AAAA', strength: 1.1 })).toMatchObject({ loc: ['body', 'strength'], type: 'less_than_equal' });
    expect(check({ prompt: 'x', init_image: 'AAAA', strength: 1, mask_image: 'AAAA' }).ok).toBe(true);
    expect(one({ prompt: 'x', init_image: 'AAAA', outpainting: true })).toMatchObject({ loc: ['body', 'outpainting'] });
    expect(check({ prompt: 'x', init_image: 'AAAA', mask_image: 'AAAA', outpainting: true }).ok).toBe(true);
  });

  it('restricts image_encoding, sampler and style_preset to their lists', () => {
    expect(one({ prompt: 'x', image_encoding: 'webp' })).toMatchObject({ loc: ['body', 'image_encoding'], type: 'enum' });
    expect(one({ prompt: 'x', sampler: 'EULER' })).toMatchObject({ loc: ['body', 'sampler'], type: 'enum' });
    expect(one({ prompt: 'x', style_preset: 'vaporwave' })).toMatchObject({ loc: ['body', 'style_preset'], type: 'enum' });
  });

  it('reports every violation at once', () => {
    const d = errors({ steps: 0, cfg_scale: 99, num_images: 40, image_encoding: 'gif', extra: 1, width: 1024, strength: 0.5 });
    expect(d.map((e) => e.loc.slice(1).join('.')).sort()).toEqual(
      ['cfg_scale', 'extra', 'height', 'image_encoding', 'num_images', 'prompt', 'steps', 'strength'],
    );
    for (const e of d) expect(e.msg.length).toBeGreaterThan(10);
  });

  it('accepts every field; the engine refuses only what it cannot run (an unknown sampler, high_noise_frac without the refiner)', () => {
    const v = check({
      prompt: 'x', sampler: 'PNDM', style_preset: 'anime', loras: { a: 0.5 }, vae: 'x', use_refiner: true,
      init_image: 'AAAA', mask_image: 'AAAA', outpainting: true, textual_inversions: { t: 'tok' }, high_noise_frac: 0.7,
    });
    expect(v.ok).toBe(true);
    if (!v.ok) return;
    const fields = unsupportedFields(v.request, CAPS).map((e) => e.loc[1]);
    // Assets and the refiner run now (their names are checked against the library); PNDM is not a sampler here.
    expect(fields.sort()).toEqual(['sampler']);
    const lone = check({ prompt: 'x', high_noise_frac: 0.7 });
    expect(lone.ok && unsupportedFields(lone.request, CAPS).map((e) => e.loc[1])).toEqual(['high_noise_frac']);
    for (const e of unsupportedFields(v.request, CAPS)) {
      expect(e.type).toBe('not_supported');
      expect(e.msg).toContain('not supported yet');
    }
    const plain = check({ prompt: 'x', seed: 1 });
    expect(plain.ok && unsupportedFields(plain.request, CAPS)).toEqual([]);
  });
});

describe('fields of @octoai/sdk 1.11 (ImageGenerationRequest)', () => {
  /** ImageGenerationRequest.Raw in @octoai/sdk 1.11.0 (dist/serialization/resources/imageGen/types): what the SDK can send. */
  const SDK_FIELDS = [
    'cfg_scale', 'checkpoint', 'clip_skip', 'controlnet', 'controlnet_conditioning_scale', 'controlnet_early_stop',
    'controlnet_image', 'controlnet_preprocess', 'height', 'high_noise_frac', 'image_encoding', 'init_image',
    'inpaint_full_res', 'inpaint_full_res_padding', 'log_prompt', 'loras', 'mask_image', 'negative_prompt',
    'negative_prompt_2', 'num_images', 'outpainting', 'prompt', 'prompt_2', 'sampler', 'seed', 'steps', 'strength',
    'style_preset', 'textual_inversions', 'transfer_images', 'use_refiner', 'vae', 'width',
  ];
  /** Implemented in a parallel change (inpaint_full_res); everything else must be a field of this schema. */
  const ELSEWHERE = ['inpaint_full_res', 'inpaint_full_res_padding'];

  it('knows every field the SDK sends, so none is refused as unknown', () => {
    const known = new Set<string>(REQUEST_FIELDS);
    expect(SDK_FIELDS.filter((f) => !known.has(f) && !ELSEWHERE.includes(f))).toEqual([]);
  });

  it('takes prompt_2 and negative_prompt_2 as strings', () => {
    const v = check({ prompt: 'x', prompt_2: 'y', negative_prompt: 'n', negative_prompt_2: 'm' });
    expect(v.ok && [v.request.prompt_2, v.request.negative_prompt_2]).toEqual(['y', 'm']);
    expect(one({ prompt: 'x', prompt_2: 5 })).toEqual({ loc: ['body', 'prompt_2'], msg: '`prompt_2` must be a string.', type: 'string_type' });
    expect(one({ prompt: 'x', negative_prompt_2: 'a'.repeat(20_001) })).toMatchObject({ loc: ['body', 'negative_prompt_2'], type: 'too_long' });
  });

  it("takes clip_skip as an integer ≥ 0, bounded by the loaded model's text encoders", () => {
    expect(one({ prompt: 'x', clip_skip: -1 })).toEqual({ loc: ['body', 'clip_skip'], msg: 'Make sure `clip_skip` ≥ 0.', type: 'greater_than_equal' });
    expect(one({ prompt: 'x', clip_skip: 1.5 })).toMatchObject({ loc: ['body', 'clip_skip'], type: 'int_type' });
    const tiny: ModelLimits = { ...TINY, maxClipSkip: 4 };
    expect(check({ prompt: 'x', clip_skip: 4 }, tiny).ok).toBe(true);
    const e = one({ prompt: 'x', clip_skip: 5 }, tiny);
    expect(e).toMatchObject({ loc: ['body', 'clip_skip'], type: 'less_than_equal' });
    expect(e.msg).toMatch(/^Make sure `clip_skip` ≤ 4: /);
    // Before a model is loaded the limit is unknown: the engine checks it against its model.
    expect(check({ prompt: 'x', clip_skip: 11 }).ok).toBe(true);
  });

  it('accepts log_prompt as a boolean and does nothing with it', () => {
    const v = check({ prompt: 'x', log_prompt: true });
    expect(v.ok && unsupportedFields(v.request, CAPS)).toEqual([]);
    expect(one({ prompt: 'x', log_prompt: 'yes' })).toMatchObject({ loc: ['body', 'log_prompt'], type: 'boolean_type' });
  });

  it('refuses ControlNet and transfer images by name (not_supported), not as unknown fields', () => {
    const v = check({
      prompt: 'x', controlnet: 'depth_sdxl', controlnet_image: 'AAAA', controlnet_conditioning_scale: 0.8,
      controlnet_early_stop: 0.5, controlnet_preprocess: true, transfer_images: { sks: ['AAAA'] },
    });
    if (!v.ok) throw new Error(JSON.stringify(v.detail));
    const refused = unsupportedFields(v.request, CAPS);
    expect(refused.map((e) => e.loc[1]).sort()).toEqual([
      'controlnet', 'controlnet_conditioning_scale', 'controlnet_early_stop', 'controlnet_image', 'controlnet_preprocess', 'transfer_images',
    ]);
    for (const e of refused) expect(e).toMatchObject({ type: 'not_supported', msg: expect.stringContaining(`${String(e.loc[1])} is not supported yet`) });
    const off = check({ prompt: 'x', controlnet_preprocess: false, transfer_images: {} });
    expect(off.ok && unsupportedFields(off.request, CAPS)).toEqual([]);
    expect(one({ prompt: 'x', transfer_images: { sks: 'AAAA' } })).toMatchObject({ loc: ['body', 'transfer_images', 'sks'] });
  });

  it('notes under negative_prompt_2 when it goes unused (no negative prompt, no style negative)', async () => {
    const { describeNegative2 } = await import('../../src/ui/prompt-info');
    expect(describeNegative2({ prompt: 'x', negative_prompt_2: 'dark' })).toMatch(/^Unused/);
    expect(describeNegative2({ prompt: 'x', negative_prompt_2: 'dark', negative_prompt: 'blurry' })).toBe('');
    expect(describeNegative2({ prompt: 'x', negative_prompt_2: 'dark', negative_prompt: '' })).toBe('');
    expect(describeNegative2({ prompt: 'x', negative_prompt_2: 'dark', style_preset: 'watercolor' })).toBe('');
    expect(describeNegative2({ prompt: 'x' })).toBe('');
  });

  it('gives the form controls for prompt_2, negative_prompt_2 and clip_skip, and none for JSON-only fields', async () => {
    const { requestFields } = await import('../../src/ui/request-fields');
    const names = requestFields().map((f) => f.name);
    expect(names).toEqual(expect.arrayContaining(['prompt_2', 'negative_prompt_2', 'clip_skip']));
    for (const hidden of ['log_prompt', 'controlnet', 'controlnet_image', 'controlnet_conditioning_scale', 'controlnet_early_stop', 'controlnet_preprocess', 'transfer_images']) {
      expect(names).not.toContain(hidden);
    }
  });
});

describe('sampler groups', () => {
  it('list every sampler exactly once, second-order ones under premium', async () => {
    const { SAMPLERS, SAMPLER_GROUPS, SECOND_ORDER_SAMPLERS } = await import('../../src/schema/samplers');
    const listed = SAMPLER_GROUPS.flatMap((g) => g.options);
    expect([...listed].sort()).toEqual([...SAMPLERS].sort());
    expect(SAMPLER_GROUPS.at(-1)!.options).toEqual(SECOND_ORDER_SAMPLERS);
  });
});
