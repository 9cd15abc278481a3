// A request as Automatic1111's `parameters` infotext: prompt, `Negative prompt:`, then `Steps: …, Sampler: …, …`.
import { DEFAULT_CHECKPOINT, type GenerateRequest } from './request';
import { toA1111Sampler } from './a1111-samplers';

export interface A1111Options {
  /** This image's seed (a request may list one per image). */
  seed?: number;
  /** What `Model:` says; the request's checkpoint when absent. */
  modelName?: string;
  /** What `Refiner:` says when the refiner ran. */
  refinerName?: string;
  /** What `Version:` says. */
  version?: string;
}

/** A1111's quoting: values with a comma, colon or newline are written as JSON strings. */
export function a1111Quote(text: string): string {
  return /[,:\n]/.test(text) ? JSON.stringify(text) : text;
}

/** `<lora:name:weight>` tags, as A1111 has them in the prompt. */
export function loraTags(loras: Record<string, number> | undefined): string {
  return Object.entries(loras ?? {}).map(([name, w]) => `<lora:${name}:${w}>`).join(' ');
}

/** The infotext A1111 would write for this request (resolved fields expected; absent ones are left out). */
export function a1111Parameters(req: GenerateRequest, opts: A1111Options = {}): string {
  const tags = loraTags(req.loras);
  const prompt = [req.prompt, tags].filter((s) => s !== '').join(' ');
  const seed = opts.seed ?? (Array.isArray(req.seed) ? req.seed[0] : req.seed);
  const p: [string, string | number | undefined][] = [
    ['Steps', req.steps],
  ];
  if (req.sampler) {
    const s = toA1111Sampler(req.sampler);
    p.push(['Sampler', s.name], ['Schedule type', s.schedule]);
  }
  p.push(
    ['CFG scale', req.cfg_scale],
    ['Seed', seed],
    ['Size', req.width !== undefined && req.height !== undefined ? `${req.width}x${req.height}` : undefined],
    ['Model', opts.modelName ?? req.checkpoint ?? DEFAULT_CHECKPOINT],
    ['VAE', req.vae],
    ['Denoising strength', req.init_image !== undefined ? req.strength : undefined],
    // A1111 counts the last layer as 1: its "Clip skip: 2" is diffusers' (and our) clip_skip 1.
    ['Clip skip', req.clip_skip !== undefined && req.clip_skip > 0 ? req.clip_skip + 1 : undefined],
    ['Inpaint area', req.inpaint_full_res ? 'Only masked' : undefined],
    ['Masked area padding', req.inpaint_full_res ? req.inpaint_full_res_padding : undefined],
    ['Refiner', req.use_refiner ? opts.refinerName ?? 'sdxl-refiner' : undefined],
    ['Refiner switch at', req.use_refiner ? req.high_noise_frac : undefined],
    // Not A1111's keys (it shows them as they are): what else changes the image.
    ['Style preset', req.style_preset && req.style_preset !== 'base' ? req.style_preset : undefined],
    ['Prompt 2', req.prompt_2 || undefined],
    ['Negative prompt 2', req.negative_prompt_2 || undefined],
    ['Version', opts.version],
  );
  const line = p.filter(([, v]) => v !== undefined).map(([k, v]) => `${k}: ${a1111Quote(String(v))}`).join(', ');
  const negative = req.negative_prompt ? `\nNegative prompt: ${req.negative_prompt}` : '';
  return `${prompt}${negative}\n${line}`.trim();
}
