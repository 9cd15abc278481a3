// The diffusers files of an SDXL refiner folder the loader reads: model_index.json and unet/config.json, checked.
import { z } from 'zod';

const dim = z.int().min(1).max(1_000_000);

/** The refiner's model_index.json (StableDiffusionXLImg2ImgPipeline): only the two flags the pipeline reads, plus a unet. */
export const refinerIndexSchema = z.looseObject({
  _class_name: z.string().max(200).optional(),
  unet: z.tuple([z.string().max(200).nullable(), z.string().max(200).nullable()]),
  requires_aesthetics_score: z.boolean().default(false),
  force_zeros_for_empty_prompt: z.boolean().default(true),
}).refine((o) => Object.keys(o).length <= 100, 'has more than 100 keys')
  .refine((o) => o.unet[1] !== null, 'has no unet')
  .refine((o) => o.requires_aesthetics_score, {
    path: ['requires_aesthetics_score'],
    message: 'must be true: the refiner is conditioned on an aesthetic score (5 time ids); a refiner without it is not supported',
  });
export type RefinerIndex = z.output<typeof refinerIndexSchema>;

/** unet/config.json: the widths the hand-over depends on (text conditioning and the added time embedding). */
export const refinerUnetConfigSchema = z.looseObject({
  cross_attention_dim: dim,
  addition_embed_type: z.literal('text_time', { message: 'must be "text_time" (an SDXL UNet)' }),
  addition_time_embed_dim: dim,
  projection_class_embeddings_input_dim: dim,
  in_channels: dim.optional(),
}).refine((o) => Object.keys(o).length <= 200, 'has more than 200 keys');
export type RefinerUnetConfig = z.output<typeof refinerUnetConfigSchema>;
