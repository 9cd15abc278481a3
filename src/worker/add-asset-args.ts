// The add-asset argument the page passes (`sdxl.addAsset({kind, name, source})`), checked with zod before anything is
// read: `source` a URL or Hub id (parseSourceText), a File, a directory handle, or a picked folder {name, files}.
import { z } from 'zod';
import { assetKindSchema, assetNameSchema, parseSourceText } from '../schema/asset';

/** More files than any VAE or refiner folder has (they are read lazily, but their list is kept in memory). */
const MAX_PICKED_FILES = 100_000;

const isDirectoryHandle = (v: unknown) => typeof v === 'object' && v !== null && (v as { kind?: unknown }).kind === 'directory'
  && typeof (v as { name?: unknown }).name === 'string' && typeof (v as { entries?: unknown }).entries === 'function';
const isBlob = (v: unknown) => typeof Blob !== 'undefined' && v instanceof Blob;
const isPickedFolder = (v: unknown) => typeof v === 'object' && v !== null && typeof (v as { name?: unknown }).name === 'string'
  && typeof (v as { files?: unknown }).files === 'object' && (v as { files?: unknown }).files !== null
  && Object.keys((v as { files: object }).files).length <= MAX_PICKED_FILES && Object.values((v as { files: object }).files).every(isBlob);

/**
 * The add-asset argument. `source`: a URL or Hub id (parseSourceText), a File, a directory handle (File System Access
 * API), or a picked or dropped folder as `{name, files: {"<path>": File}}` (webkitRelativePath-style paths).
 */
export const addAssetSchema = z.object({
  kind: assetKindSchema,
  name: assetNameSchema,
  source: z.union([
    z.string().superRefine((s, ctx) => {
      const r = parseSourceText(s);
      if (!r.ok) ctx.addIssue({ code: 'custom', message: r.message });
    }),
    z.custom<File>((v) => isBlob(v) && typeof (v as { name?: unknown }).name === 'string', 'must be a File'),
    z.custom<FileSystemDirectoryHandle>(isDirectoryHandle, 'must be a directory handle'),
    z.custom<{ name: string; files: Record<string, Blob> }>(isPickedFolder, 'must be a picked folder {name, files}'),
  ], { error: 'must be a URL, a Hub id, a File, a directory handle or a picked folder {name, files}' }),
}).strict();
export type AddAssetArgs = z.output<typeof addAssetSchema>;
