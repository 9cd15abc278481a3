// The VAE tiling setting of a generation (an engine option, not part of the OctoAI body), checked where it comes in.
import { z } from 'zod';

/** {tileSize}: always tile, with tiles of this many pixels. */
export const vaeTileSizeSchema = z.strictObject({
  tileSize: z.int('must be a whole number of pixels').min(1, 'must be a positive whole number of pixels').max(8192, 'must be at most 8192 pixels'),
});

/** 'auto' tiles when the adapter's buffer limit or low-memory mode demand it; 'off' never; {tileSize} always. */
export const vaeTilingSchema = z.union([z.literal('auto'), z.literal('off'), vaeTileSizeSchema]);

export type VaeTiling = z.output<typeof vaeTilingSchema>;

/** The setting, or the problems with it, each with its path under the setting and its rule. */
export function parseVaeTiling(option: unknown): { ok: true; value: VaeTiling } | { ok: false; issues: { path: (string | number)[]; msg: string }[] } {
  if (option === undefined) return { ok: true, value: 'auto' };
  const isObject = typeof option === 'object' && option !== null;
  if (!isObject && option !== 'auto' && option !== 'off') return { ok: false, issues: [{ path: [], msg: "must be 'auto', 'off' or { tileSize: pixels }" }] };
  if (!isObject) return { ok: true, value: option };
  const r = vaeTileSizeSchema.safeParse(option);
  if (r.success) return { ok: true, value: r.data };
  return { ok: false, issues: r.error.issues.map((i) => ({ path: i.path.map((p) => (typeof p === 'number' ? p : String(p))), msg: i.message })) };
}
