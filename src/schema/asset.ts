// Custom assets as data: their kinds, the name rules, the source syntax (URL or Hub id), the entry the library keeps for
// each, the library's index file, and the add-asset argument; validated with zod, bounded, errors naming the field.
import { z } from 'zod';
import { folderPath } from './store-files';

export const ASSET_KINDS = ['lora', 'textual_inversion', 'vae', 'refiner'] as const;
export type AssetKind = (typeof ASSET_KINDS)[number];
export const assetKindSchema = z.enum(ASSET_KINDS);

/** Kinds stored as one .safetensors file; the others are ONNX folders. */
export const SINGLE_FILE_KINDS: readonly AssetKind[] = ['lora', 'textual_inversion'];
export const isSingleFile = (kind: AssetKind) => SINGLE_FILE_KINDS.includes(kind);

/** A LoRA or an embedding larger than this is not one (SDXL LoRAs reach a few hundred MB). */
export const MAX_SAFETENSORS_BYTES = 2 * 1024 ** 3;
/** Assets in one library, and files in one asset. */
export const MAX_ASSETS = 1000;
export const MAX_ASSET_FILES = 1000;

/**
 * What requests name an asset by: 1–64 letters, digits, "-", "_" or ".", starting with a letter or digit (so a name is
 * never "." or ".."). Unique in the library ignoring case (two names that differ only in case are refused).
 */
export const assetNameSchema = z.string()
  .min(1, 'an asset name has 1 to 64 characters')
  .max(64, 'an asset name has 1 to 64 characters')
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'an asset name is letters, digits, "-", "_" and ".", starting with a letter or digit');

const sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex digits');
const bytes = z.int().min(0).max(1e12);
const httpUrl = z.string().max(2048).regex(/^https?:\/\/[^\s/?#]+(\/[^\s#]*)?$/i, 'must be an http(s) URL');
const hubRepo = z.string().max(200).regex(/^[\w.-]+\/[\w.-]+$/, 'a Hub repo id is "owner/name"');
const revision = z.string().min(1).max(256).regex(/^[\w./-]+$/, 'a revision is a branch, tag or commit');

/** Where a stored asset's bytes came from: a URL, a Hub repo (the commit it resolved to), or a file or folder here. */
export const assetSourceSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('url'), url: httpUrl }).strict(),
  z.object({
    kind: z.literal('hub'), endpoint: httpUrl, repo: hubRepo, revision, commit: revision.optional(),
    /** The file or folder inside the repo ("" = the repo's root). */
    path: z.string().max(512),
  }).strict(),
  z.object({ kind: z.literal('local'), name: z.string().min(1).max(256) }).strict(),
]);
export type AssetSource = z.output<typeof assetSourceSchema>;

export const assetFileSchema = z.object({ path: folderPath, bytes, sha256 }).strict();

/** One asset as the library keeps it. `dir` is its folder under assets/ (chosen when added; a rename keeps it). */
export const assetEntrySchema = z.object({
  name: assetNameSchema,
  kind: assetKindSchema,
  /** Every file together. */
  bytes,
  /** A single file's SHA-256; for a folder, the SHA-256 of its listing (assetDigest). */
  sha256,
  source: assetSourceSchema,
  added: z.iso.datetime({ message: 'must be an ISO 8601 date and time (UTC)' }),
  files: z.array(assetFileSchema).min(1).max(MAX_ASSET_FILES),
  dir: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}(~\d{1,4})?$/, 'must be a folder name under assets/'),
}).strict();
export type AssetEntry = z.output<typeof assetEntrySchema>;

const folded = (s: string) => s.toLowerCase();
const unique = (values: string[]) => new Set(values.map(folded)).size === values.length;

/** assets/index.json: every complete asset (in the order added) and the refiner the user chose. */
export const assetIndexSchema = z.object({
  version: z.literal(1),
  assets: z.array(assetEntrySchema).max(MAX_ASSETS),
  activeRefiner: assetNameSchema.optional(),
}).strict()
  .refine((i) => unique(i.assets.map((a) => a.name)), { message: 'names an asset twice', path: ['assets'] })
  .refine((i) => unique(i.assets.map((a) => a.dir)), { message: 'gives two assets one folder', path: ['assets'] })
  .refine((i) => i.activeRefiner === undefined || i.assets.some((a) => a.kind === 'refiner' && a.name === i.activeRefiner), { message: 'is not a refiner in the library', path: ['activeRefiner'] });
export type AssetIndex = z.output<typeof assetIndexSchema>;

/** What an asset digest of a folder is: SHA-256 over "<sha256>  <path>\n" lines sorted by path (sha256sum's format). */
export function folderDigestText(files: readonly { path: string; sha256: string }[]): string {
  return [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)).map((f) => `${f.sha256}  ${f.path}\n`).join('');
}

/**
 * A source given as text: an absolute http(s) URL, or a path on this site starting with "/", "./" or "../" (a URL
 * ending in "/" is a folder); otherwise a Hub id `owner/repo[@revision][:path/in/repo]`, the path naming a file
 * or a subfolder (none: the repo's root, or its one .safetensors file for a LoRA or an embedding).
 */
export type SourceText = { kind: 'url'; url: string } | { kind: 'hub'; repo: string; revision: string; path: string };

export function parseSourceText(text: string): { ok: true; source: SourceText } | { ok: false; message: string } {
  const s = text.trim();
  if (s.length === 0 || s.length > 2048) return { ok: false, message: 'must be 1 to 2048 characters' };
  if (/^https?:\/\//i.test(s) || /^\.{0,2}\//.test(s)) {
    return /[\s#]/.test(s) ? { ok: false, message: 'a URL may not hold spaces or a fragment' } : { ok: true, source: { kind: 'url', url: s } };
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(s)) return { ok: false, message: 'only http(s) URLs can be fetched' };
  const m = /^([\w.-]+\/[\w.-]+)(?:@([\w./-]+?))?(?::(.*))?$/.exec(s);
  if (!m) return { ok: false, message: 'must be an http(s) URL, a path on this site starting with "/", or a Hub id owner/repo[@revision][:path/in/repo]' };
  const path = (m[3] ?? '').replace(/^\/+|\/+$/g, '');
  if (path && !folderPath.safeParse(path).success) return { ok: false, message: `the path after ":" (${path}) must be a plain relative path inside the repository` };
  return { ok: true, source: { kind: 'hub', repo: m[1]!, revision: m[2] ?? 'main', path } };
}

/** assets/<dir>/state.json while an import is under way: what it is, and each file stored and verified so far. */
export const assetPendingSchema = z.object({
  name: assetNameSchema,
  kind: assetKindSchema,
  source: assetSourceSchema,
  files: z.record(folderPath, z.object({
    size: bytes,
    digest: z.string().regex(/^([0-9a-f]{40}|[0-9a-f]{64})$/, 'must be a SHA-256 or a git blob id in lowercase hex'),
  }).strict()).refine((f) => Object.keys(f).length <= MAX_ASSET_FILES, `lists more than ${MAX_ASSET_FILES} files`),
}).strict();
export type AssetPending = z.output<typeof assetPendingSchema>;
