// Model records as data: where a model's files come from (Hub repo, URL, local folder), what is known of them (sizes,
// SHA-256), what the model needs from the GPU, and the request defaults it recommends. Validated with zod.
import { z } from 'zod';
import { SAMPLERS } from './samplers';

const sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'a SHA-256 is 64 lowercase hex digits');
const relativePath = z.string().min(1).refine((p) => !p.startsWith('/') && !p.split('/').includes('..'), 'a path inside the model folder');

/** An http(s) endpoint: scheme, host, optional path; no query, fragment or spaces. */
const httpUrl = z.string().max(2048).regex(/^https?:\/\/[^\s/?#]+(\/[^\s?#]*)?$/i, 'an http(s) URL without query or fragment');

export const modelFileSchema = z.object({
  path: relativePath,
  size: z.number().int().nonnegative(),
  sha256: sha256.optional(),
});
export type ModelFile = z.infer<typeof modelFileSchema>;

export const modelSourceSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('hub'),
    repo: z.string().regex(/^[\w.-]+\/[\w.-]+$/, 'a Hub repo id is "owner/name"'),
    revision: z.string().min(1).default('main'),
    /** A folder inside the repo that holds the Optimum layout. */
    subfolder: z.string().optional(),
    /**
     * The Hub (or mirror) the repo lives on; absent = the engine's own (huggingface.co). The cache fills it in before a
     * record is stored, so stored models are keyed by where their bytes came from, not only by id.
     */
    endpoint: httpUrl.optional(),
  }),
  z.object({ kind: z.literal('url'), baseUrl: z.string().min(1) }),
  z.object({ kind: z.literal('local'), name: z.string().min(1) }),
]);
export type ModelSource = z.infer<typeof modelSourceSchema>;

/** The pipeline's parts, as folders of the Optimum layout. */
export const COMPONENTS = ['text_encoder', 'text_encoder_2', 'unet', 'vae_decoder', 'vae_encoder'] as const;
export type ComponentName = (typeof COMPONENTS)[number];

export const modelRecordSchema = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,80}$/, 'an id is lowercase letters, digits, ".", "_" and "-"'),
  name: z.string().min(1),
  source: modelSourceSchema,
  /** Components taken from another source (the Lightning web exports ship no VAE encoder). */
  components: z.partialRecord(z.enum(COMPONENTS), z.object({
    source: modelSourceSchema,
    /** Fetched only when first needed (image-to-image / inpainting), not with the rest of the model. */
    lazy: z.boolean().default(false),
  })).default({}),
  /** Files known in advance; otherwise they are listed from the source (Hub API, manifest.json) at run time. */
  files: z.array(modelFileSchema).optional(),
  requires: z.object({ shaderF16: z.boolean().default(false) }).default({ shaderF16: false }),
  /** Estimated GPU memory once loaded, bytes. */
  gpuBytes: z.number().int().positive().optional(),
  /** Approximate download size, bytes, shown before anything is fetched. */
  downloadBytes: z.number().int().positive().optional(),
  defaults: z.object({
    steps: z.number().int().min(1).max(200),
    cfg_scale: z.number().positive().max(50),
    sampler: z.enum(SAMPLERS),
  }).partial().default({}),
  note: z.string().optional(),
});
export type ModelRecord = z.infer<typeof modelRecordSchema>;
export type ModelRecordInput = z.input<typeof modelRecordSchema>;

export type RecordCheck = { ok: true; record: ModelRecord } | { ok: false; errors: string[] };

/** Validates a record from anywhere (built-in list, user input, storage), naming each bad field. */
export function parseModelRecord(input: unknown): RecordCheck {
  const r = modelRecordSchema.safeParse(input);
  if (!r.success) return { ok: false, errors: r.error.issues.map((i) => `${i.path.join('.') || 'record'}: ${i.message}`) };
  const paths = r.data.files?.map((f) => f.path) ?? [];
  const dup = paths.find((p, i) => paths.indexOf(p) !== i);
  if (dup) return { ok: false, errors: [`files: ${dup} is listed twice`] };
  return { ok: true, record: r.data };
}

/** A record for a model the user names by Hub repo id ("owner/name[@revision]") or by folder URL. */
export function recordFromUserInput(text: string): RecordCheck {
  const value = text.trim();
  const hub = /^([\w.-]+\/[\w.-]+)(?:@([\w./-]+))?$/.exec(value);
  if (hub) {
    const [, repo, revision = 'main'] = hub;
    return parseModelRecord({ id: slug(`${repo}${revision === 'main' ? '' : `-${revision}`}`), name: repo, source: { kind: 'hub', repo, revision } });
  }
  if (/^(https?:)?\/\//.test(value) || value.startsWith('/')) {
    return parseModelRecord({ id: slug(value.replace(/^https?:\/\//, '')), name: value, source: { kind: 'url', baseUrl: value } });
  }
  return { ok: false, errors: ['Give a Hugging Face repo id ("owner/name", optionally "@revision") or a folder URL.'] };
}

function slug(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 80) || 'model';
}
