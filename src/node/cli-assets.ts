// The CLI's --asset flags: each asset added to the library once (a name already there of the same kind is kept),
// from a file or folder on this machine (as a picked folder) or a URL or Hub id.
import { openAsBlob } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { basename, join, relative, sep } from 'node:path';
import type { EngineErrorData } from '../schema/response';
import type { Engine } from '../worker/engine';
import type { AssetArg } from './asset-arg';

/** A file or folder here as the page's picked folder {name, files}; a string source (URL, Hub id) as it is. */
async function sourceOf(source: string): Promise<string | { name: string; files: Record<string, Blob> }> {
  const s = await stat(source).catch(() => undefined);
  if (s?.isFile()) return { name: basename(source), files: { [basename(source)]: await openAsBlob(source) } };
  if (!s?.isDirectory()) return source;
  const files: Record<string, Blob> = {};
  for (const e of await readdir(source, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) files[relative(source, join(e.parentPath, e.name)).split(sep).join('/')] = await openAsBlob(join(e.parentPath, e.name));
  }
  return { name: basename(source), files };
}

/** Adds the assets not yet in the library; the first failure's error data, or undefined when all are there. */
export async function addAssets(engine: Engine, assets: readonly AssetArg[]): Promise<EngineErrorData | undefined> {
  if (assets.length === 0) return undefined;
  const listed = await engine.listAssets();
  if (!listed.ok) return listed.error;
  for (const a of assets) {
    if (listed.value.some((e) => e.name.toLowerCase() === a.name.toLowerCase() && e.kind === a.kind)) continue;
    const r = await engine.addAsset({ kind: a.kind, name: a.name, source: await sourceOf(a.source) });
    if (!r.ok) return r.error;
  }
  return undefined;
}
