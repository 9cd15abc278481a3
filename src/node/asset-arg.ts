// What --asset names: `kind:name=source`, the source a file or folder on this machine (copied into the store, as the
// page imports a picked file), or a URL or Hub id (downloaded); and the asset library over the CLI's model cache.
import { openAsBlob } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { basename, join, relative, sep } from 'node:path';
import { assetKindSchema, assetNameSchema, parseSourceText, type AssetKind } from '../schema/asset';
import { AssetStore, type AssetInput } from '../runtime/asset-store';
import type { StorageApi } from '../runtime/store-space';
import { storeCoordination } from '../runtime/store-locks';
import { fsStore } from './fs-store';

export interface AssetArg {
  kind: AssetKind;
  name: string;
  source: string;
}

/** Parses `kind:name=source` (kinds: lora, textual_inversion, vae, refiner); errors name the part and its rule. */
export function parseAssetArg(arg: string): AssetArg {
  const m = /^([a-z_]+):([^=]+)=(.+)$/.exec(arg);
  if (!m) throw new Error(`--asset ${arg}: expected kind:name=source (e.g. lora:my-style=./style.safetensors).`);
  const kind = assetKindSchema.safeParse(m[1]);
  if (!kind.success) throw new Error(`--asset ${arg}: the kind must be one of lora, textual_inversion, vae, refiner.`);
  const name = assetNameSchema.safeParse(m[2]);
  if (!name.success) throw new Error(`--asset ${arg}: ${name.error.issues[0]!.message}.`);
  return { kind: kind.data, name: name.data, source: m[3]! };
}

/** A source as the store takes it: a file or folder that exists here is read from disk; anything else is a URL or Hub id. */
export async function nodeAssetInput(source: string): Promise<AssetInput> {
  const s = await stat(source).catch(() => undefined);
  if (s?.isFile()) return { local: { name: basename(source), entries: [{ path: basename(source), blob: await openAsBlob(source) }] } };
  if (s?.isDirectory()) {
    const entries: { path: string; blob: Blob }[] = [];
    for (const e of await readdir(source, { withFileTypes: true, recursive: true })) {
      if (!e.isFile()) continue;
      const full = join(e.parentPath, e.name);
      entries.push({ path: relative(source, full).split(sep).join('/'), blob: await openAsBlob(full) });
    }
    return { local: { name: basename(source), entries } };
  }
  const r = parseSourceText(source);
  if (!r.ok) throw new Error(`${source}: no such file or folder, and not a source: ${r.message}.`);
  // A path that is not on disk is not a URL here: the CLI has no site for "/…" to be relative to.
  if (r.source.kind === 'url' && !/^https?:\/\//i.test(r.source.url)) throw new Error(`${source}: no such file or folder, and not a source (an http(s) URL or a Hub id).`);
  return { text: r.source };
}

/** The asset library inside the CLI's model cache folder (assets/ beside models/); `storage` checks the disk's room. */
export function nodeAssetStore(cacheDir: string, hubEndpoint?: string, storage?: StorageApi): AssetStore {
  return new AssetStore({
    store: fsStore(cacheDir),
    ...(storage ? { storage } : {}),
    fetch: (input, init) => fetch(input, init),
    ...(hubEndpoint ? { hubEndpoint } : {}),
    now: () => Date.now(),
    coordination: storeCoordination(),
  });
}
