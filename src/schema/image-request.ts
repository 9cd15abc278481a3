// The request an image carries: what our images get (exact JSON + A1111 infotext), and a carried one read back.
import { a1111Parameters } from './a1111-format';
import { parseA1111Parameters, type MappedRequest } from './a1111-parse';
import { mapComfyPrompt } from './comfyui-prompt';
import { REQUEST_FIELDS, fieldSchema, type RequestField } from './request';
import type { ResolvedRequest } from './validate';

/** Our exact request (JSON); A1111's infotext is `parameters`; ComfyUI's API graph is `prompt`. */
export const REQUEST_KEYWORD = 'octoai-request';
export const A1111_KEYWORD = 'parameters';
export const COMFY_KEYWORD = 'prompt';
/** Texts past this are not read (the PNG reader already stops at 1 MB per chunk). */
export const MAX_CARRIED_TEXT = 1 << 20;

/** Pictures in the request: not stored in the image (they would double it); written as null, which OctoAI reads as absent. */
const PICTURE_FIELDS: readonly RequestField[] = ['init_image', 'mask_image', 'controlnet_image', 'transfer_images'];
/** Written whether the caller gave them or not: the values the run resolved. */
const RESOLVED_FIELDS: readonly RequestField[] = ['steps', 'cfg_scale', 'sampler', 'width', 'height', 'checkpoint'];

/** A field's schema default (undefined when it has none). */
const defaultOf = (k: RequestField): unknown => {
  const r = fieldSchema(k).safeParse(undefined);
  return r.success ? r.data : undefined;
};
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/**
 * The request one image reproduces, in one canonical form: the resolved fields, the given fields that differ from
 * their defaults, this image's seed alone (no num_images: each image is its own request), pictures as null. Two
 * callers who spell the same request differently (an explicit `image_encoding: "png"`, the SDK's camelCase) get the
 * same bytes.
 */
export function imageRequest(req: ResolvedRequest, given: readonly string[], seed: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const r = req as unknown as Record<string, unknown>;
  for (const k of REQUEST_FIELDS) {
    if (k === 'seed' || k === 'num_images' || r[k] === undefined) continue;
    if (PICTURE_FIELDS.includes(k)) out[k] = null;
    else if (RESOLVED_FIELDS.includes(k) || (given.includes(k) && !same(r[k], defaultOf(k)))) out[k] = r[k];
  }
  out.seed = seed;
  return out;
}

/** The texts that go into one output image: keyword → text. */
export function imageTexts(req: ResolvedRequest, given: readonly string[], seed: number): Record<string, string> {
  return {
    [A1111_KEYWORD]: a1111Parameters(req, { seed, version: 'sdxl-lightning-web' }),
    [REQUEST_KEYWORD]: JSON.stringify(imageRequest(req, given, seed)),
  };
}

export type CarriedSource = 'sdxl-lightning-web' | 'Automatic1111' | 'ComfyUI';
export interface CarriedRequest { source: CarriedSource; request: Record<string, unknown>; unmapped: string[] }

const show = (v: unknown) => { const s = JSON.stringify(v) ?? String(v); return s.length > 80 ? `${s.slice(0, 77)}…` : s; };

/** Every field checked against its schema: what passes stays, what does not is listed with the rule it broke. */
export function checkFields(mapped: MappedRequest | { request: Record<string, unknown>; unmapped: string[] }): { request: Record<string, unknown>; unmapped: string[] } {
  const request: Record<string, unknown> = {};
  const unmapped = [...mapped.unmapped];
  for (const [k, v] of Object.entries(mapped.request as Record<string, unknown>)) {
    if (!(REQUEST_FIELDS as readonly string[]).includes(k)) { unmapped.push(`${k}: ${show(v)}`); continue; }
    const r = fieldSchema(k as RequestField).safeParse(v);
    if (r.success) request[k] = v;
    else unmapped.push(`${k}: ${show(v)} (${r.error.issues[0]?.message ?? 'invalid'})`);
  }
  return { request, unmapped };
}

function ourRequest(text: string): { request: Record<string, unknown>; unmapped: string[] } {
  const json: unknown = JSON.parse(text);
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw new Error(`the ${REQUEST_KEYWORD} text is not a JSON object`);
  const request: Record<string, unknown> = {};
  const unmapped: string[] = [];
  for (const [k, v] of Object.entries(json)) {
    if (v === null && (PICTURE_FIELDS as readonly string[]).includes(k)) unmapped.push(`${k} (the picture is not stored in the image)`);
    else request[k] = v;
  }
  return checkFields({ request, unmapped });
}

/**
 * The request an image's texts carry, best source first: our exact JSON, then A1111's infotext, then ComfyUI's graph.
 * Undefined when there is none; throws (naming the source) when one is there but cannot be read.
 */
export function carriedRequest(texts: Record<string, string>): CarriedRequest | undefined {
  const text = (k: string) => {
    const t = Object.hasOwn(texts, k) ? texts[k] : undefined;
    if (t !== undefined && t.length > MAX_CARRIED_TEXT) throw new Error(`the image's ${k} text is longer than ${MAX_CARRIED_TEXT} characters`);
    return t;
  };
  const ours = text(REQUEST_KEYWORD);
  if (ours !== undefined) return { source: 'sdxl-lightning-web', ...ourRequest(ours) };
  const a1111 = text(A1111_KEYWORD);
  if (a1111 !== undefined) return { source: 'Automatic1111', ...checkFields(parseA1111Parameters(a1111)) };
  const comfy = text(COMFY_KEYWORD);
  if (comfy !== undefined) return { source: 'ComfyUI', ...checkFields(mapComfyPrompt(JSON.parse(comfy))) };
  return undefined;
}
