// The model store's own files, validated and bounded: manifest.json (a URL source's list of files, sizes and
// SHA-256, written by our shard tool) and state.json (what the store keeps beside each stored model).
import { z } from 'zod';
import { modelRecordSchema } from './model-record';

/** No model folder lists more files than this (SDXL has about 30). */
export const MAX_MODEL_FILES = 10_000;
/** No single file is larger than 1 TB. */
const MAX_FILE_BYTES = 1e12;

/** A plain relative path inside the model folder: no "..", no absolute path or URL, no backslash. */
export const folderPath = z.string().min(1).max(512).refine(
  (p) => !p.startsWith('/') && !p.includes('\\') && !/^[a-z][a-z0-9+.-]*:/i.test(p) && p.split('/').every((s) => s !== '' && s !== '.' && s !== '..'),
  'must be a plain relative path inside the model folder',
);
const bytes = z.int().min(0).max(MAX_FILE_BYTES);

export const storeManifestSchema = z.object({
  total_bytes: z.int().min(0).max(MAX_MODEL_FILES * MAX_FILE_BYTES).optional(),
  files: z.array(z.object({
    path: folderPath,
    bytes,
    sha256: z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex digits').optional(),
  })).min(1).max(MAX_MODEL_FILES),
}).refine((m) => new Set(m.files.map((f) => f.path)).size === m.files.length, { message: 'lists a path twice', path: ['files'] });
export type StoreManifest = z.output<typeof storeManifestSchema>;

const time = z.number().refine(Number.isFinite, 'must be a finite number').min(0);
export const cachedStateSchema = z.object({
  record: modelRecordSchema,
  /** originKey() of the pinned record; absent in folders written before sources were recorded. */
  origin: z.string().min(1).max(4096).optional(),
  /** The commit the Hub resolved the revision to when the files were listed. */
  commit: z.string().min(1).max(256).optional(),
  complete: z.boolean(),
  files: z.record(folderPath, z.object({
    size: bytes,
    // SHA-256 (64 hex digits) or a git blob id (40).
    digest: z.string().regex(/^([0-9a-f]{40}|[0-9a-f]{64})$/, 'must be a SHA-256 or a git blob id in lowercase hex'),
  })).refine((f) => Object.keys(f).length <= MAX_MODEL_FILES, `lists more than ${MAX_MODEL_FILES} files`),
  createdAt: time,
  lastUsed: time,
});
export type CachedModelState = z.output<typeof cachedStateSchema>;
