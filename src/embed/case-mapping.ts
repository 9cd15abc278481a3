// One mapping between the REST body's snake_case names and OctoAI's TypeScript SDK's camelCase names (top-level
// keys, and the keys of each image in a response; values such as LoRA names are never touched).
import type { GenerateResponse } from '../schema/response';

/** prompt_2 ↔ prompt2, cfg_scale ↔ cfgScale, negative_prompt_2 ↔ negativePrompt2. */
export const toCamel = (name: string): string => name.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
export const toSnake = (name: string): string => name.replace(/([A-Z])/g, '_$1').replace(/([a-z])([0-9]+)$/, '$1_$2').toLowerCase();

const mapKeys = (o: Record<string, unknown>, f: (k: string) => string) => Object.fromEntries(Object.entries(o).map(([k, v]) => [f(k), v]));
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * A request in either spelling (or a mix) → the REST body. When both spellings of a field are given they must agree,
 * else the caller hears which.
 */
export function requestToSnake(request: unknown): { body: unknown; conflicts: string[] } {
  if (!isObject(request)) return { body: request, conflicts: [] };
  const body: Record<string, unknown> = {};
  const conflicts: string[] = [];
  for (const [key, value] of Object.entries(request)) {
    const snake = toSnake(key);
    if (snake in body && JSON.stringify(body[snake]) !== JSON.stringify(value)) conflicts.push(snake);
    body[snake] = value;
  }
  return { body, conflicts };
}

/** The shape OctoAI's TypeScript client returns: `images[].imageB64`, `removedForSafety`, `predictionTimeMs`. */
export interface SdkImage {
  imageB64: string;
  seed: number;
  removedForSafety: boolean;
  width: number;
  height: number;
}
export interface SdkResponse {
  images: SdkImage[];
  latencyMs: number;
  predictionTimeMs: number;
}

export function responseToCamel(response: GenerateResponse): SdkResponse {
  const out = mapKeys(response as unknown as Record<string, unknown>, toCamel);
  out.images = response.images.map((image) => mapKeys(image as unknown as Record<string, unknown>, toCamel));
  return out as unknown as SdkResponse;
}

export function responseToSnake(response: SdkResponse): GenerateResponse {
  const out = mapKeys(response as unknown as Record<string, unknown>, toSnake);
  out.images = response.images.map((image) => mapKeys(image as unknown as Record<string, unknown>, toSnake));
  return out as unknown as GenerateResponse;
}
