// The request body of OctoAI's POST /generate/sdxl as one zod schema: types, rules, defaults and form metadata.
import { z } from 'zod';
import { SAMPLERS, SAMPLER_GROUPS } from './samplers';
import { STYLE_PRESETS } from './style-presets';
import type { FieldError } from './response';
import { SDXL_SIZE_RULE, describeSizeRule, offendingDimension, sizeAllowed, type SizeRule } from './sizes';

export const MAX_SEED = 2 ** 32 - 1;
export const DEFAULT_CHECKPOINT = 'octoai:lightning_sdxl';
/** OctoAI's default strength for image-to-image and inpainting. */
export const DEFAULT_STRENGTH = 0.8;
/** inpaint_full_res_padding when absent: OctoAI does not document its default, so Automatic1111's 32 px. */
export const DEFAULT_INPAINT_PADDING = 32;
export const MAX_INPAINT_PADDING = 2048;

/** Per-checkpoint defaults, as OctoAI documents them for its Lightning checkpoint. */
export const CHECKPOINT_DEFAULTS: Record<string, { steps: number; cfg_scale: number; sampler: (typeof SAMPLERS)[number] }> = {
  [DEFAULT_CHECKPOINT]: { steps: 8, cfg_scale: 3.0, sampler: 'K_EULER' },
};

export type FieldGroup = 'prompt' | 'size' | 'sampling' | 'image' | 'advanced';
/** What the form needs to show a field; registered on the schema so the form is generated from it. */
export interface FieldMeta {
  label: string;
  group: FieldGroup;
  help: string;
  widget?: 'textarea' | 'slider' | 'seed' | 'size' | 'image' | 'json';
  step?: number;
  /** For enums: options shown under headings, in this order. */
  optionGroups?: { label: string; options: readonly string[] }[];
  /** Accepted in the JSON body but given no form control: meaningless here, or refused whenever used. */
  jsonOnly?: boolean;
}
export const formMeta = z.registry<FieldMeta>();

const seedInt = z.int().min(0).max(MAX_SEED);

const fields = {
  prompt: z.string().max(20_000).register(formMeta, {
    label: 'Prompt', group: 'prompt', widget: 'textarea', help: 'What the image should show.',
  }),
  negative_prompt: z.string().max(20_000).optional().register(formMeta, {
    label: 'Negative prompt', group: 'prompt', widget: 'textarea', help: 'What to steer away from. Empty means none.',
  }),
  prompt_2: z.string().max(20_000).optional().register(formMeta, {
    label: 'Prompt 2', group: 'prompt', widget: 'textarea',
    help: 'Its own prompt for the second text encoder (OpenCLIP bigG, which also gives the pooled embedding). Empty = the prompt.',
  }),
  negative_prompt_2: z.string().max(20_000).optional().register(formMeta, {
    label: 'Negative prompt 2', group: 'prompt', widget: 'textarea',
    help: 'The second encoder’s negative. Empty = the negative prompt; ignored when there is no negative prompt (as in diffusers).',
  }),
  style_preset: z.enum(STYLE_PRESETS).default('base').register(formMeta, {
    label: 'Style', group: 'prompt', help: 'A style template wrapped around the prompt ("base" = none).',
  }),
  width: z.int().positive().optional().register(formMeta, {
    label: 'Width', group: 'size', widget: 'size', help: 'Output width in pixels (give width and height together).',
  }),
  height: z.int().positive().optional().register(formMeta, {
    label: 'Height', group: 'size', widget: 'size', help: 'Output height in pixels.',
  }),
  num_images: z.int().min(1).max(16).default(1).register(formMeta, {
    label: 'Images', group: 'size', help: 'How many images to make (1–16).',
  }),
  steps: z.int().min(1).max(200).optional().register(formMeta, {
    label: 'Steps', group: 'sampling', widget: 'slider', help: 'Denoising steps. Lightning checkpoints need few (4–8).',
  }),
  cfg_scale: z.number().gt(0).lte(50).optional().register(formMeta, {
    label: 'CFG scale', group: 'sampling', widget: 'slider', step: 0.5,
    help: 'Prompt guidance. ≤ 1 skips the negative pass (twice as fast).',
  }),
  sampler: z.enum(SAMPLERS).optional().register(formMeta, {
    label: 'Sampler', group: 'sampling', help: 'The scheduler that turns noise into an image.',
    optionGroups: SAMPLER_GROUPS,
  }),
  seed: z.union([seedInt, z.array(seedInt).min(1).max(16)]).optional().register(formMeta, {
    label: 'Seed', group: 'sampling', widget: 'seed', help: 'Empty = random. A list gives one seed per image.',
  }),
  init_image: z.string().optional().register(formMeta, {
    label: 'Init image', group: 'image', widget: 'image', help: 'Base64 PNG/JPEG to start from (image-to-image).',
  }),
  strength: z.number().gt(0).lte(1).optional().register(formMeta, {
    label: 'Strength', group: 'image', widget: 'slider', step: 0.05, help: 'How much of the init image to repaint (0–1].',
  }),
  mask_image: z.string().optional().register(formMeta, {
    label: 'Mask image', group: 'image', widget: 'image', help: 'Base64 mask; white = repaint (needs an init image).',
  }),
  outpainting: z.boolean().default(false).register(formMeta, {
    label: 'Outpainting', group: 'image', help: 'Fill the masked area beyond the original image.',
  }),
  inpaint_full_res: z.boolean().default(false).register(formMeta, {
    label: 'Inpaint only masked', group: 'image',
    help: 'Repaint a box around the mask at the full width × height, then paste it back (needs a mask).',
  }),
  inpaint_full_res_padding: z.int().min(0).max(MAX_INPAINT_PADDING).default(DEFAULT_INPAINT_PADDING).register(formMeta, {
    label: 'Masked area padding', group: 'image', help: 'Pixels of context around the mask for "Inpaint only masked".',
  }),
  checkpoint: z.string().default(DEFAULT_CHECKPOINT).register(formMeta, {
    label: 'Checkpoint', group: 'advanced', help: 'The model the request asks for.',
  }),
  vae: z.string().optional().register(formMeta, {
    label: 'VAE', group: 'advanced', help: 'A different VAE by name.',
  }),
  loras: z.record(z.string(), z.number()).optional().register(formMeta, {
    label: 'LoRAs', group: 'advanced', widget: 'json', help: 'LoRA name → weight, as JSON.',
  }),
  textual_inversions: z.record(z.string(), z.string()).optional().register(formMeta, {
    label: 'Textual inversions', group: 'advanced', widget: 'json', help: 'Embedding name → trigger word, as JSON.',
  }),
  use_refiner: z.boolean().default(false).register(formMeta, {
    label: 'Use refiner', group: 'advanced', help: 'Finish with the SDXL refiner.',
  }),
  high_noise_frac: z.number().gte(0).lte(1).optional().register(formMeta, {
    label: 'High noise fraction', group: 'advanced', widget: 'slider', step: 0.05,
    help: 'Share of the steps the base model runs before the refiner (0–1).',
  }),
  image_encoding: z.enum(['png', 'jpeg']).default('png').register(formMeta, {
    label: 'Encoding', group: 'advanced', help: 'Format of the returned images.',
  }),
  clip_skip: z.int().min(0).optional().register(formMeta, {
    label: 'CLIP skip', group: 'advanced',
    help: 'Take the prompt from this many text-encoder layers earlier (diffusers’ count: 0 = the usual penultimate layer).',
  }),
  log_prompt: z.boolean().optional().register(formMeta, {
    label: 'Log prompt', group: 'advanced', jsonOnly: true,
    help: 'Accepted for OctoAI compatibility and meaningless here: nothing is logged or stored anywhere.',
  }),
  controlnet: z.string().optional().register(formMeta, {
    label: 'ControlNet', group: 'advanced', jsonOnly: true, help: 'A ControlNet by name.',
  }),
  controlnet_image: z.string().optional().register(formMeta, {
    label: 'ControlNet image', group: 'advanced', jsonOnly: true, help: 'Base64 image that guides the ControlNet.',
  }),
  controlnet_conditioning_scale: z.number().optional().register(formMeta, {
    label: 'ControlNet scale', group: 'advanced', jsonOnly: true, help: 'How strongly the ControlNet steers.',
  }),
  controlnet_early_stop: z.number().optional().register(formMeta, {
    label: 'ControlNet early stop', group: 'advanced', jsonOnly: true, help: 'Fraction of the steps after which the ControlNet stops.',
  }),
  controlnet_preprocess: z.boolean().optional().register(formMeta, {
    label: 'ControlNet preprocess', group: 'advanced', jsonOnly: true, help: 'Preprocess the ControlNet image automatically.',
  }),
  transfer_images: z.record(z.string(), z.array(z.string())).optional().register(formMeta, {
    label: 'Transfer images', group: 'advanced', jsonOnly: true, help: 'Trigger word → sample images (base64) of an object or style.',
  }),
};

export type RequestField = keyof typeof fields;
export const REQUEST_FIELDS = Object.keys(fields) as RequestField[];

/** What a loaded model tells the schema: which sizes it accepts, and how many text-encoder layers clip_skip may skip. */
export interface ModelLimits {
  sizeRule: SizeRule;
  /** Unknown (no model loaded yet): any clip_skip ≥ 0 passes here, and the engine checks it against its model. */
  maxClipSkip?: number;
}
export const SDXL_LIMITS: ModelLimits = { sizeRule: SDXL_SIZE_RULE };

/**
 * Rules between fields. They take the raw body too (values of the wrong type are skipped: the schema reports
 * those), so a request hears about every problem at once.
 */
export function crossFieldErrors(body: Record<string, unknown>, limits: ModelLimits): FieldError[] {
  const out: FieldError[] = [];
  const issue = (field: string, msg: string, type = 'value_error') => out.push({ loc: ['body', field], msg, type });
  const num = (k: string) => (typeof body[k] === 'number' ? (body[k] as number) : undefined);
  const has = (k: string) => body[k] !== undefined;
  const width = num('width');
  const height = num('height');
  if (has('width') !== has('height')) {
    const missing = has('width') ? 'height' : 'width';
    issue(missing, 'width and height go together: give both, or neither for the default size.', 'missing');
  } else if (width !== undefined && height !== undefined && !sizeAllowed(limits.sizeRule, width, height)) {
    issue(offendingDimension(limits.sizeRule, width, height), `${width}×${height} is not a size this model supports; use ${describeSizeRule(limits.sizeRule)}.`);
  }
  const numImages = num('num_images') ?? 1;
  if (Array.isArray(body.seed) && body.seed.length !== numImages) {
    issue('seed', `A seed list needs one seed per image: got ${body.seed.length} seeds for num_images ${numImages}.`);
  }
  if (has('strength') && !has('init_image')) {
    issue('strength', 'strength only applies to image-to-image: add init_image or remove strength.');
  }
  if (has('mask_image') && !has('init_image')) {
    issue('mask_image', 'mask_image needs an init_image to repaint: add init_image or remove mask_image.');
  }
  if (body.outpainting === true && (!has('init_image') || !has('mask_image'))) {
    issue('outpainting', 'outpainting needs an init_image (the image on its larger canvas) and a mask_image (white over the new area).');
  }
  if (body.inpaint_full_res === true) {
    if (!has('mask_image')) {
      issue('inpaint_full_res', 'inpaint_full_res repaints the area around the mask: add mask_image (and init_image), or remove inpaint_full_res.');
    }
    if (body.outpainting === true) {
      issue('inpaint_full_res', 'inpaint_full_res and outpainting do not combine: outpainting repaints the whole new area; remove one of them.');
    }
  } else if (has('inpaint_full_res_padding')) {
    issue('inpaint_full_res_padding', 'inpaint_full_res_padding only applies with inpaint_full_res: true; set it or remove the padding.');
  }
  const clipSkip = num('clip_skip');
  if (clipSkip !== undefined && limits.maxClipSkip !== undefined && clipSkip > limits.maxClipSkip) {
    issue('clip_skip', `Make sure \`clip_skip\` ≤ ${limits.maxClipSkip}: this model's text encoders have no earlier layer to take the prompt from (clip_skip N takes hidden_states[-(N + 2)]).`, 'less_than_equal');
  }
  return out;
}

/** The request for SDXL-sized models; its types are the API's types. */
export const requestSchema = z.strictObject(fields);
/** What a caller sends (defaults optional). */
export type GenerateRequest = z.input<typeof requestSchema>;
/** A validated request with the schema's defaults filled in. */
export type ParsedRequest = z.output<typeof requestSchema>;

export function fieldSchema(name: RequestField): z.ZodType {
  return fields[name];
}
