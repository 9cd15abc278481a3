// What a source offers, before anything is downloaded: the Hub API's file list (sizes, hashes, the commit a revision
// resolved to), a folder URL's manifest.json, or HEAD requests for the layout's files; and a record's sources together.
import { COMPONENTS, type ComponentName, type ModelRecord, type ModelSource } from '../schema/model-record';
import { listHubFiles, type RemoteFile } from './hub';
import { graphPath, OPTIONAL_FILES, REQUIRED_FILES } from './model-layout';
import { SourceNotAllowedError } from './connect-policy';
import { readStoreManifest } from './store-files';

export interface ListDeps {
  fetch: typeof fetch;
  /** The Hub for sources that name no endpoint. */
  hub: string;
  /** What relative URLs are relative to. */
  baseHref?: string;
}

/** The listing, the commit a Hub revision resolved to, and whether every file's size is known without reading graphs. */
export async function listSourceInfo(deps: ListDeps, source: ModelSource, signal?: AbortSignal): Promise<{ files: RemoteFile[]; commit?: string; sized: boolean }> {
  if (source.kind === 'hub') return { ...(await listHubFiles(deps.fetch, source.endpoint ?? deps.hub, source.repo, source.revision, source.subfolder, signal)), sized: true };
  if (source.kind === 'local') throw new Error('A local folder is read in place, not downloaded.');
  const base = new URL(source.baseUrl.endsWith('/') ? source.baseUrl : `${source.baseUrl}/`, deps.baseHref).href;
  // Our shard tool's manifest.json lists every file with its size and SHA-256.
  // A source the CSP policy refuses fails here, by name, rather than as a folder where every file seems missing;
  // a manifest.json that is there is checked (store-files.ts) and a bad one is an error naming the field.
  const res = await deps.fetch(`${base}manifest.json`, { signal }).catch((e: unknown) => {
    if (e instanceof SourceNotAllowedError) throw e;
    return undefined;
  });
  const manifest = await readStoreManifest(res, `${base}manifest.json`);
  if (manifest) return { files: manifest.files.map((f) => ({ path: f.path, url: new URL(f.path, base).href, size: f.bytes, ...(f.sha256 ? { sha256: f.sha256 } : {}) })), sized: true };
  // Otherwise ask for each file of the layout (HEAD gives the size); external data is asked for once a graph names it.
  const paths = [...REQUIRED_FILES, ...OPTIONAL_FILES, ...COMPONENTS.map(graphPath)];
  const found = await Promise.all(paths.map((p) => headFile(deps.fetch, new URL(p, base).href, p, signal)));
  // External data (weights beside the graphs) is only named inside the graphs: its size is unknown until then.
  return { files: found.filter((f): f is RemoteFile => f !== undefined), sized: false };
}

export async function headFile(fetchFn: typeof fetch, url: string, path: string, signal?: AbortSignal): Promise<RemoteFile | undefined> {
  const res = await fetchFn(url, { method: 'HEAD', signal }).catch(() => undefined);
  if (!res?.ok) return undefined;
  const size = Number(res.headers.get('content-length'));
  return { path, url, ...(Number.isFinite(size) && res.headers.has('content-length') ? { size } : {}) };
}

/** Every file of the record's sources; a component with its own source replaces the main listing's folder. */
export async function listRecord(deps: ListDeps, record: ModelRecord, comps: readonly ComponentName[], signal?: AbortSignal): Promise<{ files: RemoteFile[]; commit?: string; sized: boolean }> {
  const main = await listSourceInfo(deps, record.source, signal);
  let { files } = main;
  let sized = main.sized;
  if (record.files) {
    const known = new Map(record.files.map((f) => [f.path, f]));
    files = files.map((f) => ({ ...f, ...(known.get(f.path) ?? {}) }));
  }
  for (const c of comps) {
    const own = record.components[c];
    if (!own) continue;
    const listed = await listSourceInfo(deps, own.source, signal);
    sized &&= listed.sized;
    files = [...files.filter((f) => !f.path.startsWith(`${c}/`)), ...listed.files.filter((f) => f.path.startsWith(`${c}/`))];
  }
  return { files, ...(main.commit ? { commit: main.commit } : {}), sized };
}
