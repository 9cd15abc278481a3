// The per-run engine options (not part of the OctoAI body: the page's painter and measurement switches), checked
// with zod where they come in, each problem named by its path under `options`.
import { z } from 'zod';
import type { FieldError } from './response';
import type { VaeTiling } from './vae-tiling';

/** The paste-back's feather radius (px) unless a generation asks for another, and the largest it may ask for. */
export const DEFAULT_MASK_BLUR = 4;
export const MAX_MASK_BLUR = 64;

export const CFG_BATCHES = ['batched', 'split'] as const;
export const IMAGE_BATCHES = ['sequential', 'batched'] as const;

const MASK_BLUR_RULE = `maskBlur must be a whole number of pixels from 0 to ${MAX_MASK_BLUR}.`;
const oneOf = (name: string, values: readonly string[]) => `${name} must be one of ${values.map((v) => `'${v}'`).join(' or ')}.`;

export const generationOptionsSchema = z.object({
  /** Inpainting paste-back: radius (px) over which the repainted area fades in at the mask's edge; 0 = hard edge. */
  maskBlur: z.int(MASK_BLUR_RULE).min(0, MASK_BLUR_RULE).max(MAX_MASK_BLUR, MASK_BLUR_RULE).optional(),
  /** CFG as one batch-2 UNet call ('batched', the default) or two batch-1 calls ('split'); for measurements. */
  cfgBatch: z.enum(CFG_BATCHES, oneOf('cfgBatch', CFG_BATCHES)).optional(),
  /** num_images one after another ('sequential', the default) or with one batched UNet call per step ('batched'). */
  imageBatch: z.enum(IMAGE_BATCHES, oneOf('imageBatch', IMAGE_BATCHES)).optional(),
  /**
   * VAE decode in overlapping tiles (diffusers' tiled_decode): 'auto' (default) when the adapter's buffer limit or
   * low-memory mode demand it, 'off', or {tileSize} in pixels to force it. Checked in detail by vae-tiling.ts.
   */
  vaeTiling: z.custom<VaeTiling>(() => true).optional(),
  /** Live previews: each denoise progress event carries x₀ as a small RGB picture (latent resolution). Off by default. */
  preview: z.boolean('preview must be true or false.').optional(),
});

export type GenerationOptions = z.output<typeof generationOptionsSchema>;

/** The options, or one field error per bad option (vaeTiling's own rules are checked where tiling is decided). */
export function parseGenerationOptions(options: unknown): { ok: true; value: GenerationOptions } | { ok: false; detail: FieldError[] } {
  const r = generationOptionsSchema.safeParse(options ?? {});
  if (r.success) return { ok: true, value: r.data };
  return {
    ok: false,
    detail: r.error.issues.map((i) => ({ loc: ['options', ...i.path.map(String)], msg: i.path.length === 0 ? 'The generation options must be an object.' : i.message, type: 'value_error' })),
  };
}
