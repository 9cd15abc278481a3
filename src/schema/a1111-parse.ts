// Automatic1111's `parameters` infotext → the OctoAI request fields it maps to, and every part that does not map.
import { MAX_SEED, type GenerateRequest } from './request';
import { fromA1111Sampler } from './a1111-samplers';
import { STYLE_PRESETS } from './style-presets';

export const MAX_INFOTEXT_CHARS = 200_000;
const MAX_PARAMS = 200;

export interface MappedRequest { request: Partial<GenerateRequest>; unmapped: string[] }

// A1111's own pattern for one `Key: value` (value either a JSON string or up to the next comma).
const PARAM = /\s*(\w[\w \-/]+):\s*("(?:\\.|[^\\"])+"|[^,]*)(?:,|$)/g;

function unquote(v: string): string {
  if (v.length >= 2 && v.startsWith('"') && v.endsWith('"')) {
    try { const s: unknown = JSON.parse(v); if (typeof s === 'string') return s; } catch { /* kept as written */ }
  }
  return v;
}

/** The `Key: value` pairs of the last line, in order. */
export function parseParamLine(line: string): [string, string][] {
  const out: [string, string][] = [];
  for (const m of line.matchAll(PARAM)) {
    if (out.length >= MAX_PARAMS) break;
    out.push([m[1]!.trim(), unquote(m[2]!.trim())]);
  }
  return out;
}

// Python float()'s plain forms: 1, -1.5, .8, 2., 1e-3 (no inf/nan).
const num = (v: string) => (/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(v.trim()) ? Number(v) : undefined);
const int = (v: string) => { const n = num(v); return n !== undefined && Number.isInteger(n) ? n : undefined; };

/** `<lora:name:weight>` tags out of a prompt (A1111's syntax); other extra-network tags are reported. */
function takeExtraNetworks(prompt: string, loras: Record<string, number>, unmapped: string[]): string {
  return prompt.replace(/<(\w+):([^<>]{1,500})>/g, (tag, kind: string, args: string) => {
    if (kind !== 'lora') { unmapped.push(`prompt tag ${tag}`); return ''; }
    // A1111: <lora:name[:text-encoder weight[:unet weight]]> (or te=/unet=/dyn= named); we have one weight for both.
    const [name = '', weight, ...rest] = args.split(':');
    const w = weight === undefined ? 1 : num(weight);
    if (!name || w === undefined) { unmapped.push(`prompt tag ${tag}`); return ''; }
    loras[name] = w;
    if (rest.length > 0) unmapped.push(`prompt tag ${tag}: only the first weight (${w}) is used`);
    return '';
  }).replace(/[ \t]{2,}/g, ' ').trim();
}

export function parseA1111Parameters(text: string): MappedRequest {
  if (text.length > MAX_INFOTEXT_CHARS) throw new Error(`the parameters text is longer than ${MAX_INFOTEXT_CHARS} characters`);
  const lines = text.replace(/\r\n?/g, '\n').trim().split('\n');
  const params = parseParamLine(lines.at(-1) ?? '');
  // As A1111 does: the last line is the settings only when it has at least three `Key: value` pairs.
  if (params.length >= 3) lines.pop(); else params.length = 0;
  const prompt: string[] = [];
  const negative: string[] = [];
  for (const raw of lines) {
    const line = raw.trim();
    if (negative.length > 0 || line.startsWith('Negative prompt:')) negative.push(negative.length ? line : line.slice(16).trim());
    else prompt.push(line);
  }
  const unmapped: string[] = [];
  const loras: Record<string, number> = {};
  const request: Partial<GenerateRequest> = { prompt: takeExtraNetworks(prompt.join('\n'), loras, unmapped) };
  if (negative.length) request.negative_prompt = negative.join('\n');
  const kv = new Map(params);
  const sampler = kv.get('Sampler');
  const hires = [...kv.keys()].some((k) => k.startsWith('Hires '));
  for (const [key, value] of params) {
    const lost = () => unmapped.push(`${key}: ${value}`);
    const n = num(value);
    const i = int(value);
    switch (key) {
      case 'Steps': if (i !== undefined && i >= 1) request.steps = i; else lost(); break;
      case 'CFG scale': if (n !== undefined && n > 0) request.cfg_scale = n; else lost(); break;
      case 'Seed': if (i !== undefined && i >= 0 && i <= MAX_SEED) request.seed = i; else lost(); break;
      // With hires fix it is the second pass's strength (txt2img), not image-to-image's.
      case 'Denoising strength': if (n !== undefined && !hires) request.strength = n; else lost(); break;
      case 'Clip skip': if (i !== undefined && i >= 1) { if (i > 1) request.clip_skip = i - 1; } else lost(); break;
      case 'Refiner switch at': if (n !== undefined && n >= 0 && n <= 1) request.high_noise_frac = n; else lost(); break;
      case 'Masked area padding': if (i !== undefined && i >= 0) request.inpaint_full_res_padding = i; else lost(); break;
      case 'Size': {
        const m = /^(\d{1,5})x(\d{1,5})$/.exec(value);
        if (m) { request.width = Number(m[1]); request.height = Number(m[2]); } else lost();
        break;
      }
      case 'Sampler': {
        const r = fromA1111Sampler(value, kv.get('Schedule type'));
        if (r.sampler) request.sampler = r.sampler; else lost();
        break;
      }
      case 'Schedule type': {
        const r = sampler === undefined ? undefined : fromA1111Sampler(sampler, value);
        if (!r?.sampler || r.scheduleLost) lost();
        break;
      }
      case 'Model': if (value.startsWith('octoai:')) request.checkpoint = value; else lost(); break;
      case 'VAE': request.vae = value; break;
      case 'Refiner': request.use_refiner = true; break;
      case 'Inpaint area': if (value === 'Only masked') request.inpaint_full_res = true; else if (value !== 'Whole picture') lost(); break;
      case 'Style preset': if ((STYLE_PRESETS as readonly string[]).includes(value)) request.style_preset = value as GenerateRequest['style_preset']; else lost(); break;
      case 'Prompt 2': request.prompt_2 = value; break;
      case 'Negative prompt 2': request.negative_prompt_2 = value; break;
      case 'Version': if (!value.startsWith('sdxl-lightning-web')) lost(); break;
      default: lost();
    }
  }
  if (Object.keys(loras).length) request.loras = loras;
  return { request, unmapped };
}
