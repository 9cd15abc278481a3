// The JSON header of a safetensors file (a LoRA, a textual inversion): its structure, validated before any offset is used.
import { z } from 'zod';

/** Every dtype the safetensors format names, with its size in bytes (sizes are needed to check byte ranges). */
export const SAFETENSORS_ITEMSIZE = {
  BOOL: 1, U8: 1, I8: 1, F8_E4M3: 1, F8_E5M2: 1, I16: 2, U16: 2, F16: 2, BF16: 2, I32: 4, U32: 4, F32: 4, I64: 8, U64: 8, F64: 8,
} as const;
export type SafetensorsDtype = keyof typeof SAFETENSORS_ITEMSIZE;

const dim = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

/** One tensor's entry: dtype, shape and [begin, end) relative to the start of the data section. */
export const safetensorsEntrySchema = z.strictObject({
  dtype: z.enum(Object.keys(SAFETENSORS_ITEMSIZE) as [SafetensorsDtype, ...SafetensorsDtype[]]),
  shape: z.array(dim).max(8),
  data_offsets: z.tuple([dim, dim]),
});
export type SafetensorsEntry = z.output<typeof safetensorsEntrySchema>;

/** `__metadata__` maps strings to strings (the format says so; a number there is a broken writer). */
export const safetensorsMetadataSchema = z.record(z.string(), z.string());
