// ComfyUI's API-format `prompt` graph → the OctoAI request: the default SDXL workflow, LoRAs, img2img, odd graphs.
import { describe, expect, it } from 'vitest';
import { mapComfyPrompt } from '../../src/schema/comfyui-prompt';

/** ComfyUI's default workflow as its `prompt` chunk holds it (API format), with a LoRA and clip skip added. */
export const COMFY_PROMPT = {
  '3': { class_type: 'KSampler', inputs: { seed: 156680208700286 % 2 ** 32, steps: 8, cfg: 2, sampler_name: 'dpmpp_2m', scheduler: 'karras', denoise: 1, model: ['10', 0], positive: ['6', 0], negative: ['7', 0], latent_image: ['5', 0] } },
  '4': { class_type: 'CheckpointLoaderSimple', inputs: { ckpt_name: 'sdxl_lightning_8step.safetensors' } },
  '5': { class_type: 'EmptyLatentImage', inputs: { width: 1024, height: 768, batch_size: 2 } },
  '6': { class_type: 'CLIPTextEncode', inputs: { text: 'beautiful scenery, glass bottle', clip: ['11', 0] } },
  '7': { class_type: 'CLIPTextEncode', inputs: { text: 'text, watermark', clip: ['11', 0] } },
  '8': { class_type: 'VAEDecode', inputs: { samples: ['3', 0], vae: ['4', 2] } },
  '9': { class_type: 'SaveImage', inputs: { filename_prefix: 'ComfyUI', images: ['8', 0] } },
  '10': { class_type: 'LoraLoader', inputs: { lora_name: 'pixel-art.safetensors', strength_model: 0.75, strength_clip: 0.75, model: ['4', 0], clip: ['4', 1] } },
  '11': { class_type: 'CLIPSetLastLayer', inputs: { stop_at_clip_layer: -2, clip: ['10', 1] } },
  '12': { class_type: 'UpscaleModelLoader', inputs: { model_name: '4x.pth' } },
};

describe('mapComfyPrompt', () => {
  it('maps the default workflow with a LoRA and clip skip, listing the checkpoint file and other nodes', () => {
    const { request, unmapped } = mapComfyPrompt(COMFY_PROMPT);
    expect(request).toEqual({
      seed: 156680208700286 % 2 ** 32, steps: 8, cfg_scale: 2, sampler: 'DPM_PLUS_PLUS_2M_KARRAS', prompt: 'beautiful scenery, glass bottle',
      negative_prompt: 'text, watermark', width: 1024, height: 768, num_images: 2, loras: { 'pixel-art': 0.75 }, clip_skip: 1,
    });
    expect(unmapped).toEqual(['CheckpointLoaderSimple.ckpt_name: "sdxl_lightning_8step.safetensors"', 'ComfyUI node UpscaleModelLoader']);
  });

  it('img2img: denoise is the strength; SDXL text nodes, advanced sampler, conditioning in between', () => {
    const { request, unmapped } = mapComfyPrompt({
      '1': { class_type: 'KSamplerAdvanced', inputs: { noise_seed: 5, steps: 4, cfg: 1, sampler_name: 'euler', scheduler: 'sgm_uniform', denoise: 0.5, start_at_step: 0, model: ['2', 0], positive: ['3', 0], negative: ['4', 0], latent_image: ['6', 0] } },
      '2': { class_type: 'CheckpointLoaderSimple', inputs: { ckpt_name: 'octoai:lightning_sdxl' } },
      '3': { class_type: 'ConditioningCombine', inputs: { conditioning_1: ['5', 0], conditioning_2: ['5', 0] } },
      '4': { class_type: 'CLIPTextEncodeSDXL', inputs: { text_l: '', text_g: '' } },
      '5': { class_type: 'CLIPTextEncodeSDXL', inputs: { text_l: 'a dog', text_g: 'a dog, oil painting' } },
      '6': { class_type: 'VAEEncode', inputs: { pixels: ['7', 0] } },
      '7': { class_type: 'LoadImage', inputs: { image: 'x.png' } },
      '8': { class_type: 'VAELoader', inputs: { vae_name: 'sdxl_vae.safetensors' } },
    });
    expect(request).toEqual({
      seed: 5, steps: 4, cfg_scale: 1, sampler: 'K_EULER', checkpoint: 'octoai:lightning_sdxl', prompt: 'a dog',
      prompt_2: 'a dog, oil painting', strength: 0.5, vae: 'sdxl_vae.safetensors',
    });
    expect(unmapped).toEqual(['KSamplerAdvanced.start_at_step: 0', 'ComfyUI node ConditioningCombine', 'init image (VAEEncode input: the image is not in the file)', 'ComfyUI node LoadImage']);
  });

  it('lists what it cannot map and refuses graphs it cannot read', () => {
    const { request, unmapped } = mapComfyPrompt({ '1': { class_type: 'KSampler', inputs: { seed: -3, steps: 2.5, cfg: 'x', sampler_name: 'lcm', scheduler: 'beta', positive: ['1', 0], negative: ['9', 0] } } });
    expect(request).toEqual({});
    expect(unmapped).toEqual(['KSampler.seed: -3', 'KSampler.steps: 2.5', 'KSampler.cfg: "x"', 'KSampler.sampler_name: "lcm"', 'KSampler.scheduler: "beta"']);
    expect(() => mapComfyPrompt([])).toThrow(/node map/);
    expect(() => mapComfyPrompt({ '1': { class_type: 'SaveImage', inputs: {} } })).toThrow(/no KSampler/);
    const huge = Object.fromEntries(Array.from({ length: 2001 }, (_, i) => [String(i), { class_type: 'X', inputs: {} }]));
    expect(() => mapComfyPrompt(huge)).toThrow(/more than 2000/);
    // A cycle of conditioning nodes ends.
    const cyc = mapComfyPrompt({ '1': { class_type: 'KSampler', inputs: { seed: 1, steps: 1, cfg: 1, sampler_name: 'euler', scheduler: 'normal', positive: ['2', 0], model: ['3', 0] } }, '2': { class_type: 'C', inputs: { c: ['2', 0] } }, '3': { class_type: 'LoraLoaderModelOnly', inputs: { model: ['3', 0], lora_name: 'a', strength_model: 1 } } });
    expect(cyc.request.loras).toEqual({ a: 1 });
  });
});
