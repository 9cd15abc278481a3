// ComfyUI's `prompt` chunk (the API-format graph) → the OctoAI request fields it maps to, other nodes listed by type.
import { MAX_SEED, type GenerateRequest } from './request';
import { fromA1111Sampler } from './a1111-samplers';
import type { MappedRequest } from './a1111-parse';

export const MAX_COMFY_NODES = 2000;
const MAX_DEPTH = 32;

interface Node { class_type: string; inputs: Record<string, unknown> }
type Graph = Map<string, Node>;

// ComfyUI's sampler_name → A1111's display name (then the shared A1111 → OctoAI mapping).
const COMFY_SAMPLERS: Record<string, string> = {
  euler: 'Euler', euler_ancestral: 'Euler a', heun: 'Heun', dpm_2: 'DPM2', dpm_2_ancestral: 'DPM2 a', lms: 'LMS',
  dpmpp_2m: 'DPM++ 2M', dpmpp_sde: 'DPM++ SDE', dpmpp_2m_sde: 'DPM++ 2M SDE', ddim: 'DDIM', uni_pc: 'UniPC', ddpm: 'DDPM',
};
// Schedulers that leave the model's own timesteps (sgm_uniform is what Lightning's trailing spacing amounts to).
const PLAIN_SCHEDULERS = new Set(['normal', 'simple', 'sgm_uniform']);
// Nodes that only decode or save: nothing of the request is lost when they are not mapped.
const SILENT = new Set(['VAEDecode', 'SaveImage', 'PreviewImage']);

const link = (v: unknown): string | undefined => (Array.isArray(v) && v.length === 2 && (typeof v[0] === 'string' || typeof v[0] === 'number') ? String(v[0]) : undefined);
const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

function toGraph(json: unknown): Graph {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw new Error('the ComfyUI prompt is not a node map');
  const entries = Object.entries(json as Record<string, unknown>);
  if (entries.length > MAX_COMFY_NODES) throw new Error(`the ComfyUI prompt has more than ${MAX_COMFY_NODES} nodes`);
  const g: Graph = new Map();
  for (const [id, n] of entries) {
    if (n === null || typeof n !== 'object') continue;
    const { class_type, inputs } = n as Record<string, unknown>;
    if (typeof class_type === 'string' && inputs !== null && typeof inputs === 'object' && !Array.isArray(inputs)) {
      g.set(id, { class_type, inputs: inputs as Record<string, unknown> });
    }
  }
  return g;
}

/** Maps a ComfyUI API-format graph (the parsed `prompt` chunk). */
export function mapComfyPrompt(json: unknown): MappedRequest {
  const g = toGraph(json);
  const visited = new Set<string>();
  const unmapped: string[] = [];
  const request: Partial<GenerateRequest> = {};
  const samplers = [...g].filter(([, n]) => n.class_type === 'KSampler' || n.class_type === 'KSamplerAdvanced')
    .sort(([a], [b]) => Number(a) - Number(b) || a.localeCompare(b));
  const [first] = samplers;
  if (!first) throw new Error('the ComfyUI prompt has no KSampler node');
  const [sid, ks] = first;
  visited.add(sid);
  const inp = ks.inputs;
  const lost = (what: string, v: unknown) => unmapped.push(`${ks.class_type}.${what}: ${JSON.stringify(v)}`);

  const seed = num(inp.seed ?? inp.noise_seed);
  if (seed !== undefined && Number.isInteger(seed) && seed >= 0 && seed <= MAX_SEED) request.seed = seed; else lost('seed', inp.seed ?? inp.noise_seed);
  const steps = num(inp.steps);
  if (steps !== undefined && Number.isInteger(steps) && steps >= 1) request.steps = steps; else lost('steps', inp.steps);
  const cfg = num(inp.cfg);
  if (cfg !== undefined && cfg > 0) request.cfg_scale = cfg; else lost('cfg', inp.cfg);
  const scheduler = str(inp.scheduler) ?? '';
  const a1111 = COMFY_SAMPLERS[str(inp.sampler_name) ?? ''];
  const mapped = a1111 ? fromA1111Sampler(a1111, scheduler === 'karras' ? 'Karras' : undefined) : undefined;
  if (mapped?.sampler) request.sampler = mapped.sampler; else lost('sampler_name', inp.sampler_name);
  if (!(scheduler === 'karras' && !mapped?.scheduleLost) && !PLAIN_SCHEDULERS.has(scheduler)) lost('scheduler', inp.scheduler);
  for (const k of ['start_at_step', 'end_at_step', 'add_noise', 'return_with_leftover_noise']) if (k in inp) lost(k, inp[k]);

  /** The text encoder a conditioning input comes from, passing through other conditioning nodes (listed). */
  const findText = (id: string | undefined, depth = 0): Node | undefined => {
    const n = id === undefined ? undefined : g.get(id);
    if (!n || depth > MAX_DEPTH || visited.has(id!)) return undefined;
    visited.add(id!);
    if (n.class_type === 'CLIPTextEncode' || n.class_type === 'CLIPTextEncodeSDXL') return n;
    unmapped.push(`ComfyUI node ${n.class_type}`);
    for (const [k, v] of Object.entries(n.inputs)) if (k !== 'clip') { const t = findText(link(v), depth + 1); if (t) return t; }
    return undefined;
  };
  const textOf = (n: Node | undefined, which: 'positive' | 'negative') => {
    if (!n) return;
    const main = n.class_type === 'CLIPTextEncode' ? n.inputs.text : n.inputs.text_l;
    const key = which === 'positive' ? 'prompt' : 'negative_prompt';
    if (typeof main === 'string') request[key] = main; else unmapped.push(`${which} text from a linked node`);
    const g2 = str(n.inputs.text_g);
    if (n.class_type === 'CLIPTextEncodeSDXL' && g2 !== undefined && g2 !== main) request[which === 'positive' ? 'prompt_2' : 'negative_prompt_2'] = g2;
  };
  textOf(findText(link(inp.positive)), 'positive');
  textOf(findText(link(inp.negative)), 'negative');
  if (request.negative_prompt === '') delete request.negative_prompt;

  // The latent: an empty one gives the size; an encoded image makes it image-to-image (denoise = strength).
  const latentId = link(inp.latent_image);
  const latent = latentId === undefined ? undefined : g.get(latentId);
  const denoise = num(inp.denoise) ?? 1;
  if (latent && latentId) {
    visited.add(latentId);
    if (/^Empty(SD3)?LatentImage$/.test(latent.class_type)) {
      const w = num(latent.inputs.width), h = num(latent.inputs.height), b = num(latent.inputs.batch_size);
      if (w !== undefined && h !== undefined) { request.width = w; request.height = h; }
      if (b !== undefined && b > 1) request.num_images = b;
      if (denoise !== 1) lost('denoise', inp.denoise);
    } else if (latent.class_type === 'VAEEncode') {
      if (denoise > 0 && denoise <= 1) request.strength = denoise; else lost('denoise', inp.denoise);
      unmapped.push('init image (VAEEncode input: the image is not in the file)');
    } else unmapped.push(`ComfyUI node ${latent.class_type}`);
  }

  // The model chain: LoRA loaders down to the checkpoint.
  const loras: Record<string, number> = {};
  let mid = link(inp.model);
  for (let d = 0; mid !== undefined && d < MAX_DEPTH && !visited.has(mid); d++) {
    const n = g.get(mid);
    if (!n) break;
    visited.add(mid);
    if (n.class_type === 'LoraLoader' || n.class_type === 'LoraLoaderModelOnly') {
      const name = str(n.inputs.lora_name)?.replace(/\.safetensors$/i, '');
      const w = num(n.inputs.strength_model);
      if (name && w !== undefined) loras[name] = w; else unmapped.push(`ComfyUI node ${n.class_type}`);
      if (n.class_type === 'LoraLoader' && n.inputs.strength_clip !== n.inputs.strength_model) unmapped.push(`LoraLoader.strength_clip: ${JSON.stringify(n.inputs.strength_clip)}`);
    } else if (n.class_type === 'CheckpointLoaderSimple') {
      // A ComfyUI checkpoint is a file name: only OctoAI-style names are taken as ours.
      const ckpt = str(n.inputs.ckpt_name);
      if (ckpt?.startsWith('octoai:')) request.checkpoint = ckpt;
      else unmapped.push(`CheckpointLoaderSimple.ckpt_name: ${JSON.stringify(n.inputs.ckpt_name)}`);
    } else unmapped.push(`ComfyUI node ${n.class_type}`);
    mid = link(n.inputs.model);
  }
  if (Object.keys(loras).length) request.loras = loras;

  for (const [id, n] of g) {
    if (visited.has(id) || SILENT.has(n.class_type)) continue;
    if (n.class_type === 'VAELoader' && typeof n.inputs.vae_name === 'string') { request.vae = n.inputs.vae_name; continue; }
    const stop = num(n.inputs.stop_at_clip_layer);
    if (n.class_type === 'CLIPSetLastLayer' && stop !== undefined && Number.isInteger(stop) && stop <= -1) {
      // ComfyUI's -1 is the last layer; -2 is A1111's "Clip skip: 2", our clip_skip 1.
      if (stop < -1) request.clip_skip = -stop - 1;
      continue;
    }
    unmapped.push(`ComfyUI node ${n.class_type}`);
  }
  return { request, unmapped };
}
