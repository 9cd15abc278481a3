// The JSON header of a .safetensors file, checked before anything trusts it: a bounded length, a JSON object whose
// entries are tensors (dtype, shape, data offsets inside the file) or string metadata; errors name the key and the rule.
import { z } from 'zod';

/** The header length the safetensors format itself allows at most (its reference reader refuses more). */
export const MAX_SAFETENSORS_HEADER_BYTES = 100 * 1000 * 1000;

export const safetensorsTensorSchema = z.object({
  dtype: z.enum(['F64', 'F32', 'F16', 'BF16', 'I64', 'I32', 'I16', 'I8', 'U8', 'BOOL', 'F8_E4M3', 'F8_E5M2', 'U16', 'U32', 'U64']),
  shape: z.array(z.int().min(0)).max(8),
  data_offsets: z.tuple([z.int().min(0), z.int().min(0)]),
}).strict();
export type SafetensorsTensor = z.output<typeof safetensorsTensorSchema>;

const metadataSchema = z.record(z.string().max(1024), z.string().max(1_000_000));

export interface SafetensorsHeader {
  tensors: Record<string, SafetensorsTensor>;
  metadata: Record<string, string>;
}

/** The header's JSON checked against a data section of `dataBytes` bytes; a string saying why on failure. */
export function parseSafetensorsHeader(json: unknown, dataBytes: number): { ok: true; header: SafetensorsHeader } | { ok: false; message: string } {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return { ok: false, message: 'the header is not a JSON object' };
  const tensors: Record<string, SafetensorsTensor> = {};
  let metadata: Record<string, string> = {};
  for (const [key, value] of Object.entries(json)) {
    if (key.length > 1024) return { ok: false, message: `a tensor name is longer than 1024 characters (${key.slice(0, 40)}…)` };
    if (key === '__metadata__') {
      const m = metadataSchema.safeParse(value);
      if (!m.success) return { ok: false, message: '__metadata__ must map names to strings' };
      metadata = m.data;
      continue;
    }
    const t = safetensorsTensorSchema.safeParse(value);
    if (!t.success) {
      const issue = t.error.issues[0]!;
      return { ok: false, message: `tensor ${key}: ${issue.path.map(String).join('.') || 'entry'}: ${issue.message}` };
    }
    const [begin, end] = t.data.data_offsets;
    if (begin > end || end > dataBytes) return { ok: false, message: `tensor ${key}: data_offsets [${begin}, ${end}] lie outside the ${dataBytes} data bytes` };
    tensors[key] = t.data;
  }
  return { ok: true, header: { tensors, metadata } };
}
