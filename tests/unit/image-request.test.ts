// The request an image carries: ours (exact JSON, pictures as null), A1111's, ComfyUI's, each field checked by its
// zod schema, and what cannot be mapped listed.
import { describe, expect, it } from 'vitest';
import { carriedRequest, imageRequest, imageTexts } from '../../src/schema/image-request';
import type { ResolvedRequest } from '../../src/schema/validate';

const resolved = {
  prompt: 'a fox', negative_prompt: 'blur', steps: 4, cfg_scale: 1, sampler: 'K_EULER', width: 1024, height: 1024, seed: [7, 8], num_images: 2,
  style_preset: 'base', outpainting: false, inpaint_full_res: false, inpaint_full_res_padding: 32, checkpoint: 'octoai:lightning_sdxl',
  use_refiner: false, image_encoding: 'png', init_image: 'AAAA', strength: 0.4, loras: { detail: 0.5 },
} as unknown as ResolvedRequest;

describe('imageRequest', () => {
  it('the given fields, the resolved ones, this image’s seed alone, pictures as null', () => {
    expect(imageRequest(resolved, ['prompt', 'seed', 'num_images', 'init_image', 'strength', 'loras'], 8)).toEqual({
      prompt: 'a fox', steps: 4, cfg_scale: 1, sampler: 'K_EULER', width: 1024, height: 1024, checkpoint: 'octoai:lightning_sdxl',
      init_image: null, strength: 0.4, loras: { detail: 0.5 }, seed: 8,
    });
  });

  it('one canonical form: given fields at their defaults are left out, so the same request spelled two ways gives the same text', () => {
    const plain = imageTexts(resolved, ['prompt', 'loras'], 8);
    const explicit = imageTexts(resolved, ['prompt', 'loras', 'image_encoding', 'style_preset', 'num_images', 'use_refiner', 'outpainting'], 8);
    expect(explicit).toEqual(plain);
    // A given field away from its default is kept.
    const styled = { ...resolved, style_preset: 'cinematic' } as unknown as ResolvedRequest;
    expect(JSON.parse(imageTexts(styled, ['prompt', 'style_preset'], 8)['octoai-request']!)).toMatchObject({ style_preset: 'cinematic' });
    expect(imageTexts(resolved, ['prompt'], 8).parameters).toMatch(/^a fox <lora:detail:0\.5>\nNegative prompt: blur\nSteps: 4, Sampler: Euler, CFG scale: 1, Seed: 8, Size: 1024x1024,/);
  });
});

describe('carriedRequest', () => {
  it('prefers our JSON; checks each field with its schema and lists the rest', () => {
    const ours = JSON.stringify({ prompt: 'p', steps: 500, sampler: 'NOPE', init_image: null, seed: 3, bogus: 1 });
    expect(carriedRequest({ 'octoai-request': ours, parameters: 'other\nSteps: 1, Seed: 1, CFG scale: 1' })).toEqual({
      source: 'sdxl-lightning-web', request: { prompt: 'p', seed: 3 },
      unmapped: ['init_image (the picture is not stored in the image)', expect.stringMatching(/^steps: 500 \(.*200/), expect.stringMatching(/^sampler: "NOPE" \(/), 'bogus: 1'],
    });
    expect(() => carriedRequest({ 'octoai-request': '[1]' })).toThrow(/not a JSON object/);
    expect(() => carriedRequest({ 'octoai-request': '{' })).toThrow(SyntaxError);
  });

  it('maps A1111 and bounds its values by the schema (CFG 60 is past 50)', () => {
    const r = carriedRequest({ parameters: 'cat\nNegative prompt: dog\nSteps: 25, Sampler: Euler a, CFG scale: 60, Seed: 9, Size: 512x512, Model hash: abc' });
    expect(r).toEqual({
      source: 'Automatic1111', request: { prompt: 'cat', negative_prompt: 'dog', steps: 25, sampler: 'K_EULER_ANCESTRAL', seed: 9, width: 512, height: 512 },
      unmapped: ['Model hash: abc', expect.stringMatching(/^cfg_scale: 60 \(/)],
    });
  });

  it('maps ComfyUI’s prompt graph; no known text is no request; a huge text is refused', () => {
    const graph = {
      3: { class_type: 'KSampler', inputs: { seed: 5, steps: 4, cfg: 1, sampler_name: 'euler', scheduler: 'sgm_uniform', denoise: 1, model: ['4', 0], positive: ['6', 0], negative: ['7', 0], latent_image: ['5', 0] } },
      4: { class_type: 'CheckpointLoaderSimple', inputs: { ckpt_name: 'sdxl_lightning_4step.safetensors' } },
      5: { class_type: 'EmptyLatentImage', inputs: { width: 1024, height: 1024, batch_size: 1 } },
      6: { class_type: 'CLIPTextEncode', inputs: { text: 'a fox', clip: ['4', 1] } },
      7: { class_type: 'CLIPTextEncode', inputs: { text: '', clip: ['4', 1] } },
      9: { class_type: 'SaveImage', inputs: { images: ['8', 0] } },
    };
    expect(carriedRequest({ prompt: JSON.stringify(graph), workflow: '{}' })).toEqual({
      source: 'ComfyUI', request: { seed: 5, steps: 4, cfg_scale: 1, sampler: 'K_EULER', prompt: 'a fox', width: 1024, height: 1024 },
      unmapped: ['CheckpointLoaderSimple.ckpt_name: "sdxl_lightning_4step.safetensors"'],
    });
    expect(carriedRequest({ Software: 'GIMP', Comment: 'hello' })).toBeUndefined();
    expect(() => carriedRequest({ parameters: 'x'.repeat((1 << 20) + 1) })).toThrow(/longer than/);
  });
});
