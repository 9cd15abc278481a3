// Models on this device: find a record's folder, download what is missing (model-download.ts) or import a local
// folder (model-import.ts), and afterwards load, list, verify and delete them with no network at all, one tab at a time. Stored models are found by the origin of their bytes (Hub endpoint + repo + revision,
// or URL), so a copy from one server never stands in for another's.
import type { ComponentName, ModelRecord, ModelSource } from '../schema/model-record';
import { COMPONENTS } from '../schema/model-record';
import type { ByteStore } from './byte-store';
import type { RetryPolicy } from './download-file';
import type { DownloadProgress } from './download-meter';
import { DEFAULT_HUB_ENDPOINT, type RemoteFile } from './hub';
import { downloadModel, type EnsureOptions, type ModelDownloadDeps } from './model-download';
import type { ModelFiles } from './model-files';
import { importModel, type FolderEntry } from './model-import';
import { describeSource, graphPath, LayoutError, planLayout, REQUIRED_FILES, REQUIRED_GRAPHS } from './model-layout';
import { pinRecord } from './model-origin';
import { defaultStoreCoordination, type StoreCoordination } from './store-locks';
import { listRecord, listSourceInfo, type ListDeps } from './source-listing';
import { bytesByComponent, wasmMisfit } from './wasm-fit';
import type { StorageApi } from './store-space';
import { storedFolderFiles } from './stored-files';
import { folderInfo, locate, modelDir, readState, scanStored, writeState, type CachedModelInfo, type CachedModelState } from './stored-models';
import { verifyStored } from './verify-stored';

export type { CachedModelInfo, CachedModelState } from './stored-models';
export { QuotaError, type StorageApi } from './store-space';
export { LayoutError } from './model-layout';
export type { EnsureOptions } from './model-download';

export interface ModelCacheDeps {
  store: ByteStore;
  fetch: typeof fetch;
  storage: StorageApi;
  /** The default Hub: records that name no endpoint resolve here, and the model list marks anything else. */
  hubEndpoint?: string;
  /** What relative URLs in records are relative to (the page or worker location). */
  baseHref?: string;
  /** Files downloading at once. */
  concurrency?: number;
  retry?: RetryPolicy;
  checkpointBytes?: number;
  sleep?(ms: number): Promise<void>;
  now(): number;
  /** Other tabs: one download/verify/delete of a model at a time, and word of deletes (store-locks.ts). */
  coordination?: StoreCoordination;
}

export class ModelCache {
  private readonly hub: string;
  private readonly tabs: StoreCoordination;
  constructor(private readonly deps: ModelCacheDeps) {
    this.hub = deps.hubEndpoint ?? DEFAULT_HUB_ENDPOINT;
    this.tabs = deps.coordination ?? defaultStoreCoordination();
  }

  /** Called with a model's store key (see cachedModelFiles' storeKey) when it is deleted, here or in another tab. */
  onDeleted(listener: (storeKey: string) => void): () => void {
    return this.tabs.onDeleted(listener);
  }

  get defaultHub(): string {
    return this.hub;
  }

  get baseHref(): string | undefined {
    return this.deps.baseHref;
  }

  /** A stored folder's state (what load-by-id, verify and delete take). */
  state(dir: string): Promise<CachedModelState | undefined> {
    return readState(this.deps.store, dir);
  }

  /** The record with every source named: the Hub endpoint (this cache's default unless it names one), URLs absolute. */
  pin(record: ModelRecord): ModelRecord {
    return pinRecord(record, this.hub, this.deps.baseHref);
  }

  /** The folder that holds this record's origin (with its state), or the free folder a download of it would use. */
  async locate(record: ModelRecord) {
    return locate(await scanStored(this.deps.store, this.deps.baseHref), this.pin(record), this.hub, this.deps.baseHref);
  }

  /** The components a load needs: all but the lazy ones, plus those asked for. */
  static components(record: ModelRecord, include: readonly ComponentName[] = []): ComponentName[] {
    return COMPONENTS.filter((c) => !record.components[c]?.lazy || include.includes(c));
  }

  /** True when every file a load of these components needs is stored and verified: then no network is touched. */
  async isCached(record: ModelRecord, include: readonly ComponentName[] = []): Promise<boolean> {
    return (await this.storedFolder(record, include)) !== undefined;
  }

  /** The folder holding this record complete from exactly its source, or undefined. */
  async storedFolder(record: ModelRecord, include: readonly ComponentName[] = []): Promise<string | undefined> {
    const found = await this.locate(record);
    return ModelCache.covers(found.state, this.pin(record), include) ? found.dir : undefined;
  }

  private static covers(s: CachedModelState | undefined, record: ModelRecord, include: readonly ComponentName[]): boolean {
    if (!s?.complete) return false;
    const comps = ModelCache.components(record, include);
    const have = new Set(Object.keys(s.files));
    const need = [...REQUIRED_FILES, ...REQUIRED_GRAPHS.filter((c) => comps.includes(c)).map(graphPath)];
    if (comps.some((c) => record.components[c] && ![...have].some((p) => p.startsWith(`${c}/`)))) return false;
    return need.every((p) => have.has(p));
  }

  /** Lists what a source offers, as paths of the Optimum layout. */
  async listSource(source: ModelSource, signal?: AbortSignal): Promise<RemoteFile[]> {
    return (await listSourceInfo(this.lister(), source, signal)).files;
  }

  private lister(): ListDeps {
    return { fetch: this.deps.fetch, hub: this.hub, ...(this.deps.baseHref ? { baseHref: this.deps.baseHref } : {}) };
  }

  /**
   * What a download of this record would bring, asking the source only for metadata (Hub listing, manifest.json, or
   * HEAD requests): nothing when it is stored already; bytes undefined when they cannot be known without downloading.
   */
  async preview(record: ModelRecord, signal?: AbortSignal): Promise<{ record: ModelRecord; stored: boolean; folder?: string; bytes?: number; componentBytes?: Record<string, number> }> {
    const pinned = this.pin(record);
    const folder = await this.storedFolder(pinned);
    if (folder) return { record: pinned, stored: true, folder };
    const { files, sized } = await listRecord(this.lister(), pinned, ModelCache.components(pinned), signal);
    const plan = planLayout(files, ModelCache.components(pinned));
    if (plan.missing.length) throw new LayoutError(plan.missing, describeSource(pinned.source));
    const all = [...plan.first, ...Object.values(plan.weightCandidates).flat()];
    const bytes = sized && all.every((f) => f.size !== undefined) ? all.reduce((n, f) => n + f.size!, 0) : undefined;
    if (bytes === undefined) return { record: pinned, stored: false };
    return { record: pinned, stored: false, bytes, componentBytes: bytesByComponent(all, ModelCache.components(pinned)) };
  }

  /**
   * Makes sure the record's files are stored and verified, downloading what is missing, and returns them as
   * ModelFiles. Refuses before writing a byte when the space is short.
   */
  ensure(unpinned: ModelRecord, opts: EnsureOptions = {}): Promise<ModelFiles & { persisted: boolean; folder: string }> {
    // Another tab fetching the same model: wait for it, then find the files stored (or resume what it left).
    return this.tabs.exclusive(lockKey(unpinned.id), () => this.ensureHere(unpinned, opts), opts.signal);
  }

  private async ensureHere(unpinned: ModelRecord, opts: EnsureOptions): Promise<ModelFiles & { persisted: boolean; folder: string }> {
    const record = this.pin(unpinned);
    const comps = ModelCache.components(record, opts.include);
    const persisted = await this.deps.storage.persisted().catch(() => false);
    const folders = await scanStored(this.deps.store, this.deps.baseHref);
    const found = locate(folders, record, this.hub, this.deps.baseHref);
    if (ModelCache.covers(found.state, record, opts.include ?? [])) {
      const storedFiles = Object.entries(found.state!.files).map(([path, f]) => ({ path, url: '', size: f.size }));
      const misfit = opts.provider === 'wasm' ? wasmMisfit(bytesByComponent(storedFiles, comps)) : undefined;
      if (misfit) throw misfit;
      await writeState(this.deps.store, found.dir, { ...found.state!, lastUsed: this.deps.now() });
      return { ...cachedModelFiles(this.deps.store, found.dir), persisted, folder: found.dir };
    }
    const { dir, persisted: granted } = await downloadModel(this.downloadDeps(), record, { found, folders }, comps, opts, persisted);
    return { ...cachedModelFiles(this.deps.store, dir), persisted: granted, folder: dir };
  }

  private downloadDeps(): ModelDownloadDeps {
    const { store, fetch, storage, sleep, retry, checkpointBytes, concurrency, now } = this.deps;
    return {
      store, fetch, storage, now, lister: this.lister(),
      ...(sleep ? { sleep } : {}), ...(retry ? { retry } : {}), ...(checkpointBytes ? { checkpointBytes } : {}), ...(concurrency ? { concurrency } : {}),
    };
  }

  /**
   * Copies a local folder's model into storage (hashing as it copies), so it loads later without the folder. Only
   * the layout's files and the external data its graphs name are copied; the space is checked first.
   */
  importFolder(unpinned: ModelRecord, entries: readonly FolderEntry[], onProgress?: (p: DownloadProgress) => void): Promise<ModelFiles & { folder: string }> {
    return this.tabs.exclusive(lockKey(unpinned.id), () => this.importHere(unpinned, entries, onProgress));
  }

  private async importHere(unpinned: ModelRecord, entries: readonly FolderEntry[], onProgress?: (p: DownloadProgress) => void): Promise<ModelFiles & { folder: string }> {
    const record = this.pin(unpinned);
    const at = await this.locate(record);
    await importModel(this.downloadDeps(), record, at, ModelCache.components(record), entries, onProgress);
    return { ...cachedModelFiles(this.deps.store, at.dir), folder: at.dir };
  }

  async list(): Promise<CachedModelInfo[]> {
    const entries = await this.deps.store.list('models');
    const folders = await scanStored(this.deps.store, this.deps.baseHref);
    const bytes = (dir: string) => entries.filter((e) => e.path.startsWith(`${dir}/`)).reduce((n, e) => n + e.size, 0);
    return folders.map((f) => folderInfo(f, bytes(f.dir), this.hub, this.deps.baseHref)).sort((a, b) => b.lastUsed - a.lastUsed);
  }

  /** Re-reads and re-hashes every stored file; a bad one is deleted, so the next load fetches it again. */
  verify(id: string, onFile?: (path: string) => void): Promise<{ ok: boolean; bad: string[] }> {
    return this.tabs.exclusive(lockKey(id), () => verifyStored(this.deps.store, id, onFile));
  }

  /** Deletes a stored model (after any download of it in another tab) and tells every tab. */
  remove(id: string): Promise<void> {
    return this.tabs.exclusive(lockKey(id), async () => {
      await this.deps.store.removeTree(modelDir(id));
      this.tabs.deleted(modelDir(id));
    });
  }
}

/** One lock per record id, whatever folder holds it (`<id>`, `<id>@host`, `<id>~2`): downloads, verifies and deletes queue. */
const lockKey = (folderOrId: string) => modelDir(folderOrId.replace(/[@~].*$/, ''));

/** A stored model as ModelFiles: bytes from storage, and Blobs (on disk) for external data. */
export function cachedModelFiles(store: ByteStore, id: string): ModelFiles {
  return storedFolderFiles(store, modelDir(id), `cache:${id}/`, (p) => `${p} is not in this device's copy of ${id}; verify or re-download the model.`);
}
