// What an asset's source offers, before its bytes move: a file URL (HEAD for the size), a folder URL (its
// manifest.json, or HEAD for each file the layout can use), or a Hub repo's listing (sizes and hashes, the commit pinned).
import type { AssetKind, AssetSource, SourceText } from '../schema/asset';
import { isSingleFile } from '../schema/asset';
import { SourceNotAllowedError } from './connect-policy';
import { listHubFiles, type RemoteFile } from './hub';
import { probePaths } from './asset-layout';
import { headFile } from './source-listing';
import { readStoreManifest } from './store-files';

export interface AssetListDeps {
  fetch: typeof fetch;
  hub: string;
  baseHref?: string;
}

export interface AssetListing {
  files: RemoteFile[];
  source: AssetSource;
  /** The path inside the listing that names the asset (a file or a folder; "" = all of it). */
  path: string;
  /** A folder URL without a manifest: external data is found by asking for it (HEAD) once a graph names it. */
  probe?(path: string): Promise<RemoteFile | undefined>;
}

const trim = (e: string) => e.replace(/\/+$/, '');

export async function listAssetSource(deps: AssetListDeps, kind: AssetKind, text: SourceText, signal?: AbortSignal): Promise<AssetListing> {
  if (text.kind === 'hub') {
    const endpoint = trim(deps.hub);
    // A LoRA or an embedding is picked from the whole listing (a file, or the one .safetensors of a folder); a folder
    // asset is listed from its subfolder, its paths relative to it.
    const sub = isSingleFile(kind) ? undefined : text.path || undefined;
    const { commit, files } = await listHubFiles(deps.fetch, endpoint, text.repo, text.revision, sub, signal);
    return { files, path: isSingleFile(kind) ? text.path : '', source: { kind: 'hub', endpoint, repo: text.repo, revision: text.revision, commit, path: text.path } };
  }
  const absolute = new URL(text.url, deps.baseHref).href;
  if (!/^https?:/.test(absolute)) throw new Error(`${text.url} is not an http(s) URL.`);
  if (isSingleFile(kind)) {
    const url = new URL(absolute);
    const name = decodeURIComponent(url.pathname.slice(url.pathname.lastIndexOf('/') + 1));
    if (!name) throw new Error(`${text.url} names a folder: a ${kind === 'lora' ? 'LoRA' : 'textual inversion'} is one .safetensors file.`);
    const sized = await headFile(deps.fetch, absolute, name, signal);
    return { files: [sized ?? { path: name, url: absolute }], path: name, source: { kind: 'url', url: absolute } };
  }
  const base = absolute.endsWith('/') ? absolute : `${absolute}/`;
  const res = await deps.fetch(`${base}manifest.json`, { signal }).catch((e: unknown) => {
    if (e instanceof SourceNotAllowedError || signal?.aborted) throw e;
    return undefined;
  });
  const manifest = await readStoreManifest(res, `${base}manifest.json`);
  const source: AssetSource = { kind: 'url', url: base };
  if (manifest) {
    const files = manifest.files.map((f) => ({ path: f.path, url: new URL(f.path, base).href, size: f.bytes, ...(f.sha256 ? { sha256: f.sha256 } : {}) }));
    return { files, path: '', source };
  }
  const probe = (p: string) => headFile(deps.fetch, new URL(p, base).href, p, signal);
  const found = await Promise.all(probePaths(kind as 'vae' | 'refiner').map(probe));
  return { files: found.filter((f): f is RemoteFile => f !== undefined), path: '', source, probe };
}
