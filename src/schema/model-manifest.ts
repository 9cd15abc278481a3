// sdxl-web.json, a model folder's description of itself, validated: a folder may declare its own sizes, but not
// sizes no GPU could run (100000×100000) or a rule that refuses every size (multiple: 0).
import { z } from 'zod';
import { SDXL_SIZES, SDXL_SIZE_RULE, defaultSizeFor, type Size, type SizeRule } from './sizes';

/** No model may declare outputs larger than this on a side (SDXL's own sizes stop at 1536). */
export const MAX_OUTPUT_SIDE = 4096;
/** The VAE works on 8×8 pixel blocks: every side must be a multiple of 8. */
const side = z.int().min(8).max(MAX_OUTPUT_SIDE);

export const webManifestSchema = z.object({
  name: z.string().max(200).optional(),
  sizes: z.object({
    min: side,
    max: side,
    multiple: z.int().min(8).max(MAX_OUTPUT_SIDE).refine((m) => m % 8 === 0, 'must be a multiple of 8'),
  }).refine((s) => s.min <= s.max, { message: 'min must not exceed max', path: ['min'] })
    .refine((s) => s.min % s.multiple === 0, { message: 'min must be a multiple of multiple', path: ['min'] })
    .optional(),
  default_size: z.tuple([side, side]).optional(),
}).refine((m) => !m.sizes || !m.default_size || m.default_size.every((v) => v >= m.sizes!.min && v <= m.sizes!.max && v % m.sizes!.multiple === 0), {
  message: 'default_size must be one of the declared sizes', path: ['default_size'],
}).refine((m) => m.sizes || !m.default_size || SDXL_SIZES.some(([w, h]) => w === m.default_size![0] && h === m.default_size![1]), {
  // Without declared sizes the model takes SDXL's nine: a default outside them would refuse every request that names no size.
  message: "default_size must be one of SDXL's sizes when no sizes are declared", path: ['default_size'],
});
export type WebManifest = z.output<typeof webManifestSchema>;

/** The manifest, or an Error naming every field that is wrong. */
export function parseWebManifest(json: unknown, where = 'sdxl-web.json'): WebManifest {
  const r = webManifestSchema.safeParse(json);
  if (r.success) return r.data;
  throw new Error(`${where} is not valid: ${r.error.issues.map((i) => `${i.path.join('.') || 'file'}: ${i.message}`).join('; ')}.`);
}

/** The sizes a model accepts and the size it makes when a request names none (always one it accepts). */
export function manifestLimits(m: WebManifest): { sizeRule: SizeRule; defaultSize: Size } {
  const sizeRule: SizeRule = m.sizes ? { kind: 'range', ...m.sizes } : SDXL_SIZE_RULE;
  return { sizeRule, defaultSize: m.default_size ?? defaultSizeFor(sizeRule) };
}
