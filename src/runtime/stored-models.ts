// The models stored under models/<folder>/: each folder's state.json, found by the origin of its bytes (never by id
// alone), a free folder for a new origin, what the model list shows, and whether a copy stored before sources were
// recorded can be adopted (every file's hash equals what the source lists now).
import { COMPONENTS, type ModelRecord } from '../schema/model-record';
import type { ByteStore } from './byte-store';
import type { CachedModelState } from '../schema/store-files';
import type { RemoteFile } from './hub';
import { foreignHost, legacyOrigin, originKey, preferredFolder } from './model-origin';
import { readStateFile } from './store-files';

/** What state.json keeps for a model: the record, where its bytes came from, each verified file, and when it was used. */
export type { CachedModelState } from '../schema/store-files';

export interface CachedModelInfo {
  /** The folder: what verify, delete and load-by-id take. */
  id: string;
  /** The record's own id (several folders can hold the same id from different sources). */
  recordId: string;
  name: string;
  /** Where the bytes came from: the Hub's or server's host, "this app", "a folder on this device", or unknown. */
  source: string;
  /** From the default Hub or this app's own server: what the built-in entries stand for. */
  fromDefault: boolean;
  bytes: number;
  complete: boolean;
  createdAt: number;
  lastUsed: number;
  components: string[];
}

export interface StoredFolder {
  dir: string;
  state?: CachedModelState;
  /** undefined: nobody knows where these bytes came from. */
  origin?: string;
}

export const UNKNOWN_SOURCE = 'unknown (stored by an older version, which did not record it)';
export const modelDir = (dir: string) => `models/${dir}`;
export const statePath = (dir: string) => `${modelDir(dir)}/state.json`;

/** A folder's state.json, validated (store-files.ts); a damaged one throws an Error naming the file and the field. */
export async function readState(store: ByteStore, dir: string): Promise<CachedModelState | undefined> {
  return readStateFile(await store.read(statePath(dir)).catch(() => undefined), statePath(dir));
}

export async function writeState(store: ByteStore, dir: string, s: CachedModelState): Promise<void> {
  await store.writeText(statePath(dir), JSON.stringify(s));
}

/** Every folder under models/, with its state and origin. */
export async function scanStored(store: ByteStore, baseHref?: string): Promise<StoredFolder[]> {
  const dirs = [...new Set((await store.list('models')).map((e) => e.path.split('/')[0]!))];
  return Promise.all(dirs.map(async (dir) => {
    // A damaged state.json vouches for nothing: the folder is listed as holding no verified files.
    const state = await readState(store, dir).catch(() => undefined);
    return { dir, ...(state ? { state } : {}), ...(state ? { origin: state.origin ?? legacyOrigin(state.record, baseHref) } : {}) };
  }));
}

/** The folder holding this pinned record's origin, or a free one for it (its id, the host appended when foreign). */
export function locate(folders: readonly StoredFolder[], pinned: ModelRecord, hub: string, baseHref?: string): StoredFolder & { key: string } {
  const key = originKey(pinned);
  const found = folders.find((f) => f.origin === key);
  if (found) return { ...found, key };
  const taken = new Set(folders.map((f) => f.dir));
  const preferred = preferredFolder(pinned, hub, baseHref);
  let dir = preferred;
  for (let n = 2; taken.has(dir); n++) dir = `${preferred}~${n}`;
  return { dir, key };
}

/** How the model list describes a folder's source. */
export function describeFolder(f: StoredFolder, hub: string, baseHref?: string): { source: string; fromDefault: boolean } {
  if (!f.state || f.origin === undefined) return { source: UNKNOWN_SOURCE, fromDefault: false };
  const host = foreignHost(f.state.record, hub, baseHref);
  if (host) return { source: host, fromDefault: false };
  const kind = f.state.record.source.kind;
  return { source: kind === 'hub' ? new URL(hub).host : kind === 'url' ? 'this app' : 'a folder on this device', fromDefault: kind !== 'local' };
}

export function folderInfo(f: StoredFolder, bytes: number, hub: string, baseHref?: string): CachedModelInfo {
  const s = f.state;
  return {
    id: f.dir, recordId: s?.record.id ?? f.dir, name: s?.record.name ?? f.dir, ...describeFolder(f, hub, baseHref), bytes,
    complete: s?.complete ?? false, createdAt: s?.createdAt ?? 0, lastUsed: s?.lastUsed ?? 0,
    components: s ? [...new Set(Object.keys(s.files).map((p) => p.split('/')[0]!).filter((c) => (COMPONENTS as readonly string[]).includes(c)))] : [],
  };
}

/**
 * A folder of an older version holding this record's Hub repo (endpoint unknown) whose stored files have the size and
 * hash the source lists now: its bytes are that source's, so it is kept instead of downloading again. Files the
 * listing does not cover (a lazy component) cannot be checked and are dropped; one mismatch and the folder stays a
 * separate model of unknown source.
 */
export function adoptableLegacy(folders: readonly StoredFolder[], pinned: ModelRecord, listing: readonly RemoteFile[]): { folder: StoredFolder; drop: string[] } | undefined {
  const byPath = new Map(listing.map((f) => [f.path, f]));
  const src = pinned.source;
  if (src.kind !== 'hub') return undefined;
  for (const folder of folders) {
    const old = folder.state;
    if (!old || folder.origin !== undefined || old.record.id !== pinned.id) continue;
    const o = old.record.source;
    if (o.kind !== 'hub' || o.repo !== src.repo || o.revision !== src.revision || (o.subfolder ?? '') !== (src.subfolder ?? '')) continue;
    const checked = Object.entries(old.files).filter(([path]) => byPath.has(path));
    const matches = checked.every(([path, d]) => {
      const remote = byPath.get(path)!;
      const want = remote.sha256 ?? remote.gitSha1;
      return !!want && want === d.digest && remote.size === d.size;
    });
    if (checked.length > 0 && matches) return { folder, drop: Object.keys(old.files).filter((p) => !byPath.has(p)) };
  }
  return undefined;
}
