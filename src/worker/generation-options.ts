// Checks the UNet batching choices of GenerationOptions (they come from the page, untrusted) with zod.
import { z } from 'zod';
import type { FieldError } from '../schema/response';

const batching = z.object({
  cfgBatch: z.enum(['batched', 'split']).optional(),
  imageBatch: z.enum(['sequential', 'batched']).optional(),
});

/** One field error per bad batching option ([] when they are fine or absent). */
export function batchingOptionErrors(options: unknown): FieldError[] {
  const r = batching.safeParse(options);
  if (r.success) return [];
  return r.error.issues.map((i) => ({
    loc: ['options', ...i.path.map(String)],
    msg: `${i.path.join('.')} must be one of ${i.path[0] === 'cfgBatch' ? "'batched' or 'split'" : "'sequential' or 'batched'"}.`,
    type: 'value_error',
  }));
}
