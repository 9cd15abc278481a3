// The diffusers files of a model folder the loader reads, validated and bounded: model_index.json, the scheduler's
// config, the VAE's config and the two CLIP tokenizers (tokenizer.json, tokenizer_config.json).
import { z } from 'zod';

const name = z.string().max(200);
const finite = z.number().refine(Number.isFinite, 'must be a finite number');
/** Keys we do not read are kept (schedulers read many), but only as small plain values. */
const extraValue = z.union([z.string().max(1000), finite, z.boolean(), z.null(), z.array(z.union([z.string().max(1000), finite, z.boolean(), z.null()])).max(64)]);
const bounded = <T extends z.ZodRawShape>(shape: T) => z.looseObject(shape).refine((o) => Object.keys(o).length <= 200, 'has more than 200 keys')
  .superRefine((o, ctx) => {
    for (const [k, v] of Object.entries(o)) {
      if (k in shape) continue;
      if (!extraValue.safeParse(v).success) ctx.addIssue({ code: 'custom', path: [k], message: 'must be a short string, a number, a boolean, null or a short list of those' });
    }
  });

/** A component entry of model_index.json: ["library", "Class"], or [null, null] for a part the pipeline does without. */
const componentEntry = z.tuple([name.nullable(), name.nullable()]);

export const modelIndexSchema = z.looseObject({
  _class_name: name.optional(),
  text_encoder_2: componentEntry,
  unet: componentEntry,
  force_zeros_for_empty_prompt: z.boolean().optional(),
}).refine((o) => Object.keys(o).length <= 100, 'has more than 100 keys')
  .refine((o) => o.text_encoder_2[1] !== null && o.unet[1] !== null, 'does not describe an SDXL pipeline (no text_encoder_2/unet)');
export type ModelIndex = z.output<typeof modelIndexSchema>;

const fraction = finite.refine((v) => v > 0 && v < 1, 'must be between 0 and 1');
const keyword = z.string().min(1).max(64);

/** The scheduler's config. Missing core fields take diffusers' class defaults (the same in every scheduler class). */
export const schedulerConfigSchema = bounded({
  num_train_timesteps: z.int().min(2).max(100_000).default(1000),
  beta_start: fraction.default(0.0001),
  beta_end: fraction.default(0.02),
  beta_schedule: keyword.default('linear'),
  prediction_type: keyword.default('epsilon'),
  timestep_spacing: keyword.optional(),
  steps_offset: z.int().min(0).max(1000).optional(),
  interpolation_type: keyword.optional(),
  timestep_type: keyword.optional(),
  use_karras_sigmas: z.boolean().optional(),
  trained_betas: z.array(fraction).max(100_000).nullable().optional(),
}).refine((c) => c.beta_start <= c.beta_end, { message: 'beta_start must not exceed beta_end', path: ['beta_start'] })
  .refine((c) => !c.trained_betas || c.trained_betas.length === c.num_train_timesteps, { message: 'must have num_train_timesteps values', path: ['trained_betas'] });

export const vaeConfigSchema = bounded({
  scaling_factor: finite.refine((v) => v > 0 && v <= 100, 'must be above 0 and at most 100').optional(),
  latent_channels: z.int().min(1).max(64).optional(),
  block_out_channels: z.array(z.int().min(1).max(8192)).min(1).max(8).optional(),
  mid_block_add_attention: z.boolean().optional(),
});

const tokenText = z.string().min(1).max(100);
export const tokenizerConfigSchema = z.looseObject({
  // Hugging Face writes a huge sentinel (1e30) for "no limit"; the pipeline takes at most 77 anyway.
  model_max_length: finite.refine((v) => v >= 3, 'must be at least 3').optional(),
  pad_token: z.union([tokenText, z.looseObject({ content: tokenText })]).optional(),
}).refine((o) => Object.keys(o).length <= 200, 'has more than 200 keys');

/** The BPE vocabulary and merges of tokenizer.json (CLIP's has 49,408 tokens and 48,894 merges). */
export const MAX_VOCAB = 500_000;
export const tokenizerJsonSchema = z.looseObject({
  added_tokens: z.array(z.looseObject({ id: z.int().min(0).max(MAX_VOCAB), content: z.string().max(1000) })).max(10_000).optional(),
  model: z.looseObject({
    type: z.literal('BPE').optional(),
    vocab: z.record(z.string().max(1000), z.int().min(0).max(MAX_VOCAB)).refine((v) => Object.keys(v).length <= MAX_VOCAB, `has more than ${MAX_VOCAB} tokens`),
    merges: z.array(z.union([z.string().max(2000), z.tuple([z.string().max(1000), z.string().max(1000)])])).max(MAX_VOCAB),
  }),
});
