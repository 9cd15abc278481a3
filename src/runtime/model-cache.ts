// Models on this device: resolve a record's files (Hub API, manifest.json, or the layout), check the space first,
// download what is missing (bounded concurrency, resumable, verified), and afterwards load, list, verify and delete
// them with no network at all. Stored models are found by the origin of their bytes (Hub endpoint + repo + revision,
// or URL), so a copy from one server never stands in for another's.
import type { ExecutionProvider } from './ort-runner';
import type { ComponentName, ModelRecord, ModelSource } from '../schema/model-record';
import { COMPONENTS } from '../schema/model-record';
import type { ByteStore } from './byte-store';
import { digestBlob } from './digest';
import { DownloadError, type RetryPolicy } from './download-file';
import { DownloadMeter, type DownloadProgress } from './download-meter';
import { DEFAULT_HUB_ENDPOINT, type RemoteFile } from './hub';
import type { ModelFiles } from './model-files';
import { graphPath, planLayout, pickWeights, REQUIRED_FILES, REQUIRED_GRAPHS } from './model-layout';
import { externalDataFiles } from './onnx-external-data';
import { pinRecord } from './model-origin';
import { defaultStoreCoordination, type StoreCoordination } from './store-locks';
import { headFile, listRecord, listSourceInfo, type ListDeps } from './source-listing';
import { bytesByComponent, wasmMisfit } from './wasm-fit';
import { checkSpace, type StorageApi } from './store-space';
import { storedFolderFiles } from './stored-files';
import { pool, writeVerified, type VerifiedWriteDeps } from './verified-write';
import { adoptableLegacy, folderInfo, locate, modelDir, readState, scanStored, statePath, type CachedModelInfo, type CachedModelState } from './stored-models';

export type { CachedModelInfo, CachedModelState } from './stored-models';
export { QuotaError, type StorageApi } from './store-space';

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

export interface EnsureOptions {
  include?: ComponentName[];
  signal?: AbortSignal;
  onProgress?: (p: DownloadProgress) => void;
  /** The engine's execution provider: on 'wasm', a model too large for the wasm32 memory is refused (WasmMemoryError). */
  provider?: ExecutionProvider;
}

export class LayoutError extends Error {
  constructor(readonly missing: string[], where: string) {
    super(`${where} is not an SDXL ONNX folder in the Optimum layout: missing ${missing.join(', ')}.`);
    this.name = 'LayoutError';
  }
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

  private async saveState(dir: string, s: CachedModelState): Promise<void> {
    await this.deps.store.writeText(statePath(dir), JSON.stringify(s));
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
    const { signal, onProgress } = opts;
    const record = this.pin(unpinned);
    const comps = ModelCache.components(record, opts.include);
    const persisted = await this.deps.storage.persisted().catch(() => false);
    const folders = await scanStored(this.deps.store, this.deps.baseHref);
    const found = locate(folders, record, this.hub, this.deps.baseHref);
    if (ModelCache.covers(found.state, record, opts.include ?? [])) {
      const storedFiles = Object.entries(found.state!.files).map(([path, f]) => ({ path, url: '', size: f.size }));
      const misfit = opts.provider === 'wasm' ? wasmMisfit(bytesByComponent(storedFiles, comps)) : undefined;
      if (misfit) throw misfit;
      await this.saveState(found.dir, { ...found.state!, lastUsed: this.deps.now() });
      return { ...cachedModelFiles(this.deps.store, found.dir), persisted, folder: found.dir };
    }
    onProgress?.(DownloadMeter.resolving());
    const { files: listing, commit, sized } = await listRecord(this.lister(), record, comps, signal);
    const plan = planLayout(listing, comps);
    if (plan.missing.length) throw new LayoutError(plan.missing, describeSource(record.source));
    // On the wasm fallback a model too large for its 4 GiB memory is refused from the listing's sizes (every possible
    // weight file counts, as in the download size the card shows), before any download; and again from the graphs'
    // own external-data lists below, before any weight byte.
    const refuseOnWasm = (files: readonly RemoteFile[]) => {
      const misfit = opts.provider === 'wasm' ? wasmMisfit(bytesByComponent(files, comps)) : undefined;
      if (misfit) throw misfit;
    };

    const adopted = found.state ? undefined : adoptableLegacy(folders, record, listing);
    if (adopted) await this.adopt(adopted.folder.dir, adopted.folder.state!, adopted.drop, found.key);
    const dir = adopted?.folder.dir ?? found.dir;
    // A damaged state.json vouches for nothing (scanStored reads it as absent): every file is fetched and verified again.
    const previous = adopted ? await this.state(dir).catch(() => undefined) : found.state;
    const done = new Map(Object.entries(previous?.files ?? {}));
    const stored = new Map((await this.deps.store.list(modelDir(dir))).map((e) => [e.path, e.size]));
    // Done: stored at its verified size, and (when the source names one) with the hash the source names now.
    const isDone = (f: RemoteFile) => {
      const d = done.get(f.path);
      const want = f.sha256 ?? f.gitSha1;
      return !!d && stored.get(f.path) === d.size && (f.size === undefined || f.size === d.size) && (!want || want === d.digest);
    };
    const candidates = Object.values(plan.weightCandidates).flat();
    // Upper bound: every possible weight file counts until the graphs say which are used.
    const all = [...plan.first, ...candidates];
    const needed = all.filter((f) => !isDone(f)).reduce((n, f) => n + (f.size ?? 0) - (stored.get(f.path) ?? 0), 0);
    await this.checkSpace(needed);
    if (sized) refuseOnWasm(all);
    const granted = persisted || (await this.deps.storage.persist?.().catch(() => false)) || false;

    const state: CachedModelState = previous ?? { record, complete: false, files: {}, createdAt: this.deps.now(), lastUsed: this.deps.now() };
    Object.assign(state, { record, origin: found.key, complete: false, ...(commit ? { commit } : {}) });
    await this.saveState(dir, state);
    const meter = new DownloadMeter(this.deps.now, onProgress);
    const fetchAll = async (files: RemoteFile[]) => {
      for (const f of files) meter.add(f.path, f.size, isDone(f) ? f.size ?? done.get(f.path)!.size : 0);
      const todo = files.filter((f) => !isDone(f));
      await pool(todo, this.deps.concurrency ?? 3, async (f) => {
        const r = await writeVerified({ remote: f }, `${modelDir(dir)}/${f.path}`, this.writeDeps(), (delta) => meter.bytes(f.path, delta), signal).catch((e: unknown) => {
          meter.fail(f.path);
          throw e;
        });
        meter.finish(f.path);
        state.files[f.path] = { size: r.size, digest: r.digest };
        await this.saveState(dir, state);
      }, (e) => e instanceof DownloadError && e.kind === 'integrity');
    };
    try {
      await fetchAll(plan.first);
      // The graphs name their external data: fetch exactly those.
      const weights: RemoteFile[] = [];
      const missing: string[] = [];
      for (const c of comps) {
        const blob = await this.deps.store.read(`${modelDir(dir)}/${graphPath(c)}`);
        if (!blob) continue;
        const refs = externalDataFiles(new Uint8Array(await blob.arrayBuffer()));
        let candidates = plan.weightCandidates[c] ?? [];
        if (record.source.kind === 'url' && refs.some((r) => !candidates.some((f) => f.path === `${c}/${r}`))) {
          const base = listing.find((f) => f.path === graphPath(c))!.url;
          const found = await Promise.all(refs.map((r) => headFile(this.deps.fetch, new URL(r, base).href, `${c}/${r}`, signal)));
          candidates = [...candidates, ...found.filter((f): f is RemoteFile => f !== undefined)];
          await this.checkSpace(found.reduce((n, f) => n + (f?.size ?? 0), 0));
        }
        const picked = pickWeights(c, refs, candidates);
        weights.push(...picked.files);
        missing.push(...picked.missing);
      }
      if (missing.length) throw new LayoutError(missing, describeSource(record.source));
      refuseOnWasm([...plan.first, ...weights]);
      meter.dropUnused(new Set([...plan.first, ...weights].map((f) => f.path)));
      await fetchAll(weights);
      state.complete = true;
      state.lastUsed = this.deps.now();
    } finally {
      await this.saveState(dir, state);
    }
    return { ...cachedModelFiles(this.deps.store, dir), persisted: granted, folder: dir };
  }

  /** Takes over an older version's folder whose files proved to be this source's; every other file in it goes. */
  private async adopt(dir: string, old: CachedModelState, drop: readonly string[], origin: string): Promise<void> {
    const files = Object.fromEntries(Object.entries(old.files).filter(([p]) => !drop.includes(p)));
    for (const e of await this.deps.store.list(modelDir(dir))) {
      if (e.path !== 'state.json' && !(e.path in files)) await this.deps.store.remove(`${modelDir(dir)}/${e.path}`);
    }
    await this.saveState(dir, { ...old, origin, files, complete: false });
  }

  private checkSpace(needed: number): Promise<void> {
    return checkSpace(this.deps.storage, needed);
  }

  private writeDeps(): VerifiedWriteDeps {
    const { store, fetch, sleep, retry, checkpointBytes } = this.deps;
    return { store, fetch, ...(sleep ? { sleep } : {}), ...(retry ? { retry } : {}), ...(checkpointBytes ? { checkpointBytes } : {}) };
  }

  /**
   * Copies a local folder's model into storage (hashing as it copies), so it loads later without the folder. Only
   * the layout's files and the external data its graphs name are copied; the space is checked first.
   */
  importFolder(unpinned: ModelRecord, entries: readonly { path: string; blob: Blob }[], onProgress?: (p: DownloadProgress) => void): Promise<ModelFiles & { folder: string }> {
    return this.tabs.exclusive(lockKey(unpinned.id), () => this.importHere(unpinned, entries, onProgress));
  }

  private async importHere(unpinned: ModelRecord, entries: readonly { path: string; blob: Blob }[], onProgress?: (p: DownloadProgress) => void): Promise<ModelFiles & { folder: string }> {
    const record = this.pin(unpinned);
    const { dir, key } = await this.locate(record);
    const comps = ModelCache.components(record);
    const byPath = new Map(entries.map((e) => [e.path, e.blob]));
    const plan = planLayout(entries.map((e) => ({ path: e.path, url: '', size: e.blob.size })), comps);
    if (plan.missing.length) throw new LayoutError(plan.missing, record.name);
    const chosen = [...plan.first];
    for (const c of comps) {
      const graph = byPath.get(graphPath(c));
      if (!graph) continue;
      const picked = pickWeights(c, externalDataFiles(new Uint8Array(await graph.arrayBuffer())), plan.weightCandidates[c] ?? []);
      if (picked.missing.length) throw new LayoutError(picked.missing, record.name);
      chosen.push(...picked.files);
    }
    await this.checkSpace(chosen.reduce((n, f) => n + (f.size ?? 0), 0));
    const state: CachedModelState = { record, origin: key, complete: false, files: {}, createdAt: this.deps.now(), lastUsed: this.deps.now() };
    await this.saveState(dir, state);
    const meter = new DownloadMeter(this.deps.now, onProgress);
    for (const f of chosen) meter.add(f.path, f.size);
    await pool(chosen, 2, async (f) => {
      const r = await writeVerified({ path: f.path, blob: byPath.get(f.path)! }, `${modelDir(dir)}/${f.path}`, this.writeDeps(), (delta) => meter.bytes(f.path, delta));
      state.files[f.path] = { size: r.size, digest: r.digest };
      meter.finish(f.path);
    });
    state.complete = true;
    await this.saveState(dir, state);
    return { ...cachedModelFiles(this.deps.store, dir), folder: dir };
  }

  async list(): Promise<CachedModelInfo[]> {
    const entries = await this.deps.store.list('models');
    const folders = await scanStored(this.deps.store, this.deps.baseHref);
    const bytes = (dir: string) => entries.filter((e) => e.path.startsWith(`${dir}/`)).reduce((n, e) => n + e.size, 0);
    return folders.map((f) => folderInfo(f, bytes(f.dir), this.hub, this.deps.baseHref)).sort((a, b) => b.lastUsed - a.lastUsed);
  }

  /** Re-reads and re-hashes every stored file; a bad one is deleted, so the next load fetches it again. */
  verify(id: string, onFile?: (path: string) => void): Promise<{ ok: boolean; bad: string[] }> {
    return this.tabs.exclusive(lockKey(id), () => this.verifyHere(id, onFile));
  }

  private async verifyHere(id: string, onFile?: (path: string) => void): Promise<{ ok: boolean; bad: string[] }> {
    const s = await this.state(id).catch(() => undefined);
    if (!s) return { ok: false, bad: ['state.json'] };
    const bad: string[] = [];
    for (const [path, want] of Object.entries(s.files)) {
      onFile?.(path);
      const blob = await this.deps.store.read(`${modelDir(id)}/${path}`);
      const digest = blob && blob.size === want.size ? await digestBlob(blob, want.digest.length === 40 ? 'git-sha1' : 'sha256') : undefined;
      if (digest !== want.digest) {
        bad.push(path);
        delete s.files[path];
        await this.deps.store.remove(`${modelDir(id)}/${path}`);
      }
    }
    if (bad.length) {
      s.complete = false;
      await this.saveState(id, s);
    }
    return { ok: bad.length === 0, bad };
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

function describeSource(s: ModelSource): string {
  return s.kind === 'hub' ? `${s.repo}@${s.revision}${s.subfolder ? `/${s.subfolder}` : ''}` : s.kind === 'url' ? s.baseUrl : s.name;
}

/** A stored model as ModelFiles: bytes from storage, and Blobs (on disk) for external data. */
export function cachedModelFiles(store: ByteStore, id: string): ModelFiles {
  return storedFolderFiles(store, modelDir(id), `cache:${id}/`, (p) => `${p} is not in this device's copy of ${id}; verify or re-download the model.`);
}
