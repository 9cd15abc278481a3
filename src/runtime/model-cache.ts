// Models on this device: resolve a record's files (Hub API, manifest.json, or the layout), check the space first,
// download what is missing (bounded concurrency, resumable, verified), and afterwards load, list, verify and delete
// them with no network at all.
import type { ComponentName, ModelRecord, ModelSource } from '../schema/model-record';
import { COMPONENTS } from '../schema/model-record';
import type { ByteStore } from './byte-store';
import { digestBlob, newDigest } from './digest';
import { downloadFile, type RetryPolicy } from './download-file';
import { DownloadMeter, type DownloadProgress } from './download-meter';
import { DEFAULT_HUB_ENDPOINT, listHubFiles, type RemoteFile } from './hub';
import type { ModelFiles } from './model-files';
import { graphPath, planLayout, pickWeights, OPTIONAL_FILES, REQUIRED_FILES, REQUIRED_GRAPHS } from './model-layout';
import { externalDataFiles } from './onnx-external-data';
import { readStateFile, readStoreManifest } from './store-files';
import { defaultStoreCoordination, type StoreCoordination } from './store-locks';

export interface StorageApi {
  estimate(): Promise<{ quota?: number; usage?: number }>;
  /** Window-only in browsers: a worker's cache leaves it to the page (which asks before a download starts). */
  persist?(): Promise<boolean>;
  persisted(): Promise<boolean>;
}

export interface ModelCacheDeps {
  store: ByteStore;
  fetch: typeof fetch;
  storage: StorageApi;
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

/** What state.json keeps for a model: the record, each verified file, and when it was used. */
export interface CachedModelState {
  record: ModelRecord;
  complete: boolean;
  files: Record<string, { size: number; digest: string }>;
  createdAt: number;
  lastUsed: number;
}

export interface CachedModelInfo {
  id: string;
  name: string;
  bytes: number;
  complete: boolean;
  createdAt: number;
  lastUsed: number;
  components: string[];
}

export class QuotaError extends Error {
  constructor(readonly needed: number, readonly available: number) {
    super(`Not enough storage for this model: it needs ${gb(needed)} more, and this browser allows ${gb(available)} more for this site. Free some space (delete other models below, or clear site data) and try again.`);
    this.name = 'QuotaError';
  }
}

export class LayoutError extends Error {
  constructor(readonly missing: string[], where: string) {
    super(`${where} is not an SDXL ONNX folder in the Optimum layout: missing ${missing.join(', ')}.`);
    this.name = 'LayoutError';
  }
}

const gb = (n: number) => (n >= 1e9 ? `${(n / 1e9).toFixed(2)} GB` : `${(n / 1e6).toFixed(1)} MB`);
const modelDir = (id: string) => `models/${id}`;
const statePath = (id: string) => `${modelDir(id)}/state.json`;

/** Runs `work` over items with at most `limit` at once; the first failure stops new starts and is rethrown. */
async function pool<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failed: unknown;
  const runners = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length && failed === undefined) {
      const item = items[next++]!;
      try {
        await work(item);
      } catch (e) {
        failed ??= e;
      }
    }
  });
  await Promise.all(runners);
  if (failed !== undefined) throw failed;
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

  /** The stored state.json, validated; a damaged one throws an Error naming the file and the field. */
  async state(id: string): Promise<CachedModelState | undefined> {
    return readStateFile(await this.deps.store.read(statePath(id)).catch(() => undefined), statePath(id));
  }

  private async saveState(s: CachedModelState): Promise<void> {
    await this.deps.store.writeText(statePath(s.record.id), JSON.stringify(s));
  }

  /** The components a load needs: all but the lazy ones, plus those asked for. */
  static components(record: ModelRecord, include: readonly ComponentName[] = []): ComponentName[] {
    return COMPONENTS.filter((c) => !record.components[c]?.lazy || include.includes(c));
  }

  /** True when every file a load of these components needs is stored and verified: then no network is touched. */
  async isCached(record: ModelRecord, include: readonly ComponentName[] = []): Promise<boolean> {
    const s = await this.state(record.id).catch(() => undefined);
    if (!s?.complete) return false;
    const comps = ModelCache.components(record, include);
    const have = new Set(Object.keys(s.files));
    const need = [...REQUIRED_FILES, ...REQUIRED_GRAPHS.filter((c) => comps.includes(c)).map(graphPath)];
    if (comps.some((c) => record.components[c] && ![...have].some((p) => p.startsWith(`${c}/`)))) return false;
    return need.every((p) => have.has(p));
  }

  /** Lists what a source offers, as paths of the Optimum layout. */
  async listSource(source: ModelSource, signal?: AbortSignal): Promise<RemoteFile[]> {
    if (source.kind === 'hub') return (await listHubFiles(this.deps.fetch, this.hub, source.repo, source.revision, source.subfolder, signal)).files;
    if (source.kind === 'local') throw new Error('A local folder is read in place, not downloaded.');
    const base = new URL(source.baseUrl.endsWith('/') ? source.baseUrl : `${source.baseUrl}/`, this.deps.baseHref).href;
    // Our shard tool's manifest.json lists every file with its size and SHA-256.
    const manifest = await readStoreManifest(await this.deps.fetch(`${base}manifest.json`, { signal }).catch(() => undefined), `${base}manifest.json`);
    if (manifest) return manifest.files.map((f) => ({ path: f.path, url: new URL(f.path, base).href, size: f.bytes, ...(f.sha256 ? { sha256: f.sha256 } : {}) }));
    // Otherwise ask for each file of the layout (HEAD gives the size); external data is asked for once a graph names it.
    const paths = [...REQUIRED_FILES, ...OPTIONAL_FILES, ...COMPONENTS.map(graphPath)];
    const found = await Promise.all(paths.map((p) => this.head(new URL(p, base).href, p, signal)));
    return found.filter((f): f is RemoteFile => f !== undefined);
  }

  private async head(url: string, path: string, signal?: AbortSignal): Promise<RemoteFile | undefined> {
    const res = await this.deps.fetch(url, { method: 'HEAD', signal }).catch(() => undefined);
    if (!res?.ok) return undefined;
    const size = Number(res.headers.get('content-length'));
    return { path, url, ...(Number.isFinite(size) && res.headers.has('content-length') ? { size } : {}) };
  }

  /** Every file of the record's sources; a component with its own source replaces the main listing's folder. */
  private async listRecord(record: ModelRecord, comps: readonly ComponentName[], signal?: AbortSignal): Promise<RemoteFile[]> {
    let files = await this.listSource(record.source, signal);
    if (record.files) {
      const known = new Map(record.files.map((f) => [f.path, f]));
      files = files.map((f) => ({ ...f, ...(known.get(f.path) ?? {}) }));
    }
    for (const c of comps) {
      const own = record.components[c];
      if (!own) continue;
      const theirs = (await this.listSource(own.source, signal)).filter((f) => f.path.startsWith(`${c}/`));
      files = [...files.filter((f) => !f.path.startsWith(`${c}/`)), ...theirs];
    }
    return files;
  }

  /**
   * Makes sure the record's files are stored and verified, downloading what is missing, and returns them as
   * ModelFiles. Refuses before writing a byte when the space is short.
   */
  ensure(record: ModelRecord, opts: { include?: ComponentName[]; signal?: AbortSignal; onProgress?: (p: DownloadProgress) => void } = {}): Promise<ModelFiles & { persisted: boolean }> {
    // Another tab fetching the same model: wait for it, then find the files stored (or resume what it left).
    return this.tabs.exclusive(modelDir(record.id), () => this.ensureHere(record, opts), opts.signal);
  }

  private async ensureHere(record: ModelRecord, opts: { include?: ComponentName[]; signal?: AbortSignal; onProgress?: (p: DownloadProgress) => void }): Promise<ModelFiles & { persisted: boolean }> {
    const { signal, onProgress } = opts;
    const comps = ModelCache.components(record, opts.include);
    const persisted = await this.deps.storage.persisted().catch(() => false);
    if (await this.isCached(record, opts.include)) {
      const s = (await this.state(record.id))!;
      await this.saveState({ ...s, lastUsed: this.deps.now() });
      return { ...cachedModelFiles(this.deps.store, record.id), persisted };
    }
    onProgress?.(DownloadMeter.resolving());
    const listing = await this.listRecord(record, comps, signal);
    const plan = planLayout(listing, comps);
    if (plan.missing.length) throw new LayoutError(plan.missing, describeSource(record.source));

    // A damaged state.json vouches for nothing: every file is fetched and verified again, and the state rewritten.
    const previous = await this.state(record.id).catch(() => undefined);
    const done = new Map(Object.entries(previous?.files ?? {}));
    const stored = new Map((await this.deps.store.list(modelDir(record.id))).map((e) => [e.path, e.size]));
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
    const granted = persisted || (await this.deps.storage.persist?.().catch(() => false)) || false;

    const state: CachedModelState = previous ?? { record, complete: false, files: {}, createdAt: this.deps.now(), lastUsed: this.deps.now() };
    state.record = record;
    state.complete = false;
    await this.saveState(state);
    const meter = new DownloadMeter(this.deps.now, onProgress);
    const fetchAll = async (files: RemoteFile[]) => {
      for (const f of files) meter.add(f.path, f.size, isDone(f) ? f.size ?? done.get(f.path)!.size : 0);
      const todo = files.filter((f) => !isDone(f));
      await pool(todo, this.deps.concurrency ?? 3, async (f) => {
        const r = await downloadFile(f, {
          fetch: this.deps.fetch, store: this.deps.store, sleep: this.deps.sleep ?? ((ms) => new Promise((res) => setTimeout(res, ms))),
          retry: this.deps.retry, checkpointBytes: this.deps.checkpointBytes,
        }, (delta) => meter.bytes(f.path, delta), signal, `${modelDir(record.id)}/${f.path}`).catch((e: unknown) => {
          meter.fail(f.path);
          throw e;
        });
        meter.finish(f.path);
        state.files[f.path] = { size: r.size, digest: r.digest };
        await this.saveState(state);
      });
    };
    try {
      await fetchAll(plan.first);
      // The graphs name their external data: fetch exactly those.
      const weights: RemoteFile[] = [];
      const missing: string[] = [];
      for (const c of comps) {
        const blob = await this.deps.store.read(`${modelDir(record.id)}/${graphPath(c)}`);
        if (!blob) continue;
        const refs = externalDataFiles(new Uint8Array(await blob.arrayBuffer()));
        let candidates = plan.weightCandidates[c] ?? [];
        if (record.source.kind === 'url' && refs.some((r) => !candidates.some((f) => f.path === `${c}/${r}`))) {
          const base = listing.find((f) => f.path === graphPath(c))!.url;
          const found = await Promise.all(refs.map((r) => this.head(new URL(r, base).href, `${c}/${r}`, signal)));
          candidates = [...candidates, ...found.filter((f): f is RemoteFile => f !== undefined)];
          await this.checkSpace(found.reduce((n, f) => n + (f?.size ?? 0), 0));
        }
        const picked = pickWeights(c, refs, candidates);
        weights.push(...picked.files);
        missing.push(...picked.missing);
      }
      if (missing.length) throw new LayoutError(missing, describeSource(record.source));
      meter.dropUnused(new Set([...plan.first, ...weights].map((f) => f.path)));
      await fetchAll(weights);
      state.complete = true;
      state.lastUsed = this.deps.now();
    } finally {
      await this.saveState(state);
    }
    return { ...cachedModelFiles(this.deps.store, record.id), persisted: granted };
  }

  private async checkSpace(needed: number): Promise<void> {
    if (needed <= 0) return;
    const { quota, usage } = await this.deps.storage.estimate();
    if (quota === undefined) return;
    const available = quota - (usage ?? 0);
    if (needed > available) throw new QuotaError(needed, available);
  }

  /**
   * Copies a local folder's model into storage (hashing as it copies), so it loads later without the folder. Only
   * the layout's files and the external data its graphs name are copied; the space is checked first.
   */
  importFolder(record: ModelRecord, entries: readonly { path: string; blob: Blob }[], onProgress?: (p: DownloadProgress) => void): Promise<ModelFiles> {
    return this.tabs.exclusive(modelDir(record.id), () => this.importHere(record, entries, onProgress));
  }

  private async importHere(record: ModelRecord, entries: readonly { path: string; blob: Blob }[], onProgress?: (p: DownloadProgress) => void): Promise<ModelFiles> {
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
    const state: CachedModelState = { record, complete: false, files: {}, createdAt: this.deps.now(), lastUsed: this.deps.now() };
    await this.saveState(state);
    const meter = new DownloadMeter(this.deps.now, onProgress);
    for (const f of chosen) meter.add(f.path, f.size);
    await pool(chosen, 2, async (f) => {
      const out = await this.deps.store.open(`${modelDir(record.id)}/${f.path}`);
      const hasher = await newDigest('sha256', 0);
      try {
        await out.truncate(0);
        const reader = byPath.get(f.path)!.stream().getReader();
        let at = 0;
        for (let r = await reader.read(); !r.done; r = await reader.read()) {
          await out.write(r.value, at);
          hasher.update(r.value);
          at += r.value.length;
          meter.bytes(f.path, r.value.length);
        }
        await out.flush();
        state.files[f.path] = { size: at, digest: hasher.digest('hex') };
        meter.finish(f.path);
      } finally {
        await out.close();
      }
    });
    state.complete = true;
    await this.saveState(state);
    return cachedModelFiles(this.deps.store, record.id);
  }

  async list(): Promise<CachedModelInfo[]> {
    const entries = await this.deps.store.list('models');
    const ids = [...new Set(entries.map((e) => e.path.split('/')[0]!))];
    const out: CachedModelInfo[] = [];
    for (const id of ids) {
      const s = await this.state(id).catch(() => undefined);
      const bytes = entries.filter((e) => e.path.startsWith(`${id}/`)).reduce((n, e) => n + e.size, 0);
      out.push({
        id, name: s?.record.name ?? id, bytes, complete: s?.complete ?? false, createdAt: s?.createdAt ?? 0, lastUsed: s?.lastUsed ?? 0,
        components: s ? [...new Set(Object.keys(s.files).map((p) => p.split('/')[0]!).filter((c) => (COMPONENTS as readonly string[]).includes(c)))] : [],
      });
    }
    return out.sort((a, b) => b.lastUsed - a.lastUsed);
  }

  /** Re-reads and re-hashes every stored file; a bad one is deleted, so the next load fetches it again. */
  verify(id: string, onFile?: (path: string) => void): Promise<{ ok: boolean; bad: string[] }> {
    return this.tabs.exclusive(modelDir(id), () => this.verifyHere(id, onFile));
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
      await this.saveState(s);
    }
    return { ok: bad.length === 0, bad };
  }

  /** Deletes a stored model (after any download of it in another tab) and tells every tab. */
  remove(id: string): Promise<void> {
    return this.tabs.exclusive(modelDir(id), async () => {
      await this.deps.store.removeTree(modelDir(id));
      this.tabs.deleted(modelDir(id));
    });
  }
}

function describeSource(s: ModelSource): string {
  return s.kind === 'hub' ? `${s.repo}@${s.revision}${s.subfolder ? `/${s.subfolder}` : ''}` : s.kind === 'url' ? s.baseUrl : s.name;
}

/** A stored model as ModelFiles: bytes from storage, and Blobs (on disk) for external data. */
export function cachedModelFiles(store: ByteStore, id: string): ModelFiles {
  const at = (p: string) => `${modelDir(id)}/${p}`;
  const need = async (p: string) => {
    const b = await store.read(at(p));
    if (!b) throw new Error(`${p} is not in this device's copy of ${id}; verify or re-download the model.`);
    return b;
  };
  return {
    location: `cache:${id}/`,
    storeKey: modelDir(id),
    bytes: async (p, onBytes) => {
      const b = await need(p);
      const bytes = new Uint8Array(await b.arrayBuffer());
      onBytes?.(bytes.length, bytes.length);
      return bytes;
    },
    json: async <T>(p: string) => JSON.parse(await (await need(p)).text()) as T,
    exists: async (p) => (await store.read(at(p))) !== undefined,
    blob: need,
  };
}

