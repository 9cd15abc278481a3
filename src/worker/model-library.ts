// Which files a load reads: a record through the on-device cache (downloading what is missing), a plain URL or Hub id
// made into a record, or a local folder read in place; plus the cache's list, verify, delete and storage figures, and
// what a link's model would download (for the page to ask first).
import type { ExecutionProvider } from '../runtime/ort-runner';
import type { ModelFiles } from '../runtime/model-files';
import { listLocalFolder, localModelFiles, type LocalFolder } from '../runtime/local-files';
import type { CachedModelInfo, ModelCache, StorageApi } from '../runtime/model-cache';
import { DEFAULT_HUB_ENDPOINT } from '../runtime/hub';
import { foreignHost, legacyOrigin, pinRecord, withHub } from '../runtime/model-origin';
import type { DownloadProgress } from '../runtime/download-meter';
import type { AdapterReport } from '../runtime/webgpu-adapter';
import { wasmMisfit } from '../runtime/wasm-fit';
import { BUILTIN_MODELS } from '../schema/model-records';
import { parseModelRecord, recordFromUserInput, type ComponentName, type ModelRecord, type ModelRecordInput } from '../schema/model-record';

/** What to load: a URL, a Hub repo id or a built-in record's id; a record; or a folder on this device. */
export type ModelRef = string | ModelRecordInput | { local: LocalFolder; import?: boolean };

export interface StorageReport {
  usage?: number;
  quota?: number;
  persisted: boolean;
}

/** A model a link names, before anything is downloaded: where it comes from, whether it is stored, and its size. */
export interface LinkPreview {
  name: string;
  source: { kind: 'hub'; endpoint: string; repo: string; revision: string; subfolder?: string } | { kind: 'url'; url: string } | { kind: 'local'; name: string };
  /** The host, when the bytes would come from anywhere but the default Hub or this app's server. */
  foreignHost?: string;
  /** Stored complete from exactly this source: loads with no network, no question. */
  stored: boolean;
  /** Where it is stored (what to load it by), when stored. */
  folder?: string;
  /** Total download, from the source's listing; undefined when it cannot be known without downloading (or not asked). */
  bytes?: number;
  /** Why this engine cannot run the model, known from the listing's sizes (a model too large for the wasm fallback). */
  refusal?: { code: 'exceeds_wasm_memory'; message: string; component: string; componentBytes: number; limitBytes: number };
}

export interface Resolved {
  files: ModelFiles;
  record?: ModelRecord;
  cached: boolean;
  persisted?: boolean;
  key: string;
  /** The host the bytes came from when it is not the default Hub or the app's own server. */
  foreignHost?: string;
}

export class ModelLibrary {
  private download?: AbortController;
  /** The Hub that repo ids resolve against this session: a mirror a link named and the user accepted; else the default. */
  private hub?: string;

  constructor(private readonly cache: ModelCache | undefined, private readonly storageApi: StorageApi | undefined, private readonly urlFiles: (url: string) => ModelFiles) {}

  /** A record for a reference; built-in ids first, then Hub ids and URLs. */
  static record(ref: string | ModelRecordInput): ModelRecord {
    const builtin = typeof ref === 'string' ? BUILTIN_MODELS.find((m) => m.id === ref) : undefined;
    const r = typeof ref === 'string' && !builtin ? recordFromUserInput(ref) : parseModelRecord(builtin ?? ref);
    if (!r.ok) throw new Error(`Not a usable model record: ${r.errors.join('; ')}`);
    return r.record;
  }

  setHub(endpoint: string | undefined): void {
    this.hub = endpoint;
  }

  /**
   * The record a reference names: a built-in id first (so a stored folder can never pose as one), then a folder on
   * this device (its stored record, source and all), then a Hub repo id or URL; Hub ids take this session's Hub.
   */
  private async recordFor(ref: string | ModelRecordInput, hub = this.hub): Promise<ModelRecord> {
    const builtin = typeof ref === 'string' && BUILTIN_MODELS.some((m) => m.id === ref);
    let record: ModelRecord | undefined;
    if (typeof ref === 'string' && !builtin && this.cache && /^[a-z0-9][a-z0-9._@~-]*$/.test(ref)) {
      const s = await this.cache.state(ref);
      if (s && !s.origin && legacyOrigin(s.record, this.cache.baseHref) === undefined) {
        throw new Error(`${ref} was stored by an older version that did not record which Hub it came from, so it is not loaded: delete it, and load the model by its repo id to download it again.`);
      }
      record = s?.record;
    }
    record ??= ModelLibrary.record(ref);
    return hub ? withHub(record, hub) : record;
  }

  /** What loading this reference would download, asking only for metadata; `sizes: false` asks nothing at all. */
  async preview(ref: string, options: { hub?: string; sizes: boolean; provider?: ExecutionProvider }, signal?: AbortSignal): Promise<LinkPreview> {
    const unpinned = await this.recordFor(ref, options.hub ?? this.hub);
    // Without a cache (a widget the browser lets store nothing) nothing is ever stored.
    const record = this.cache ? this.cache.pin(unpinned) : pinRecord(unpinned, DEFAULT_HUB_ENDPOINT);
    const s = record.source;
    const source: LinkPreview['source'] = s.kind === 'hub'
      ? { kind: 'hub', endpoint: s.endpoint!, repo: s.repo, revision: s.revision, ...(s.subfolder ? { subfolder: s.subfolder } : {}) }
      : s.kind === 'url' ? { kind: 'url', url: s.baseUrl } : { kind: 'local', name: s.name };
    const host = foreignHost(record, this.cache?.defaultHub, this.cache?.baseHref);
    const base = { name: record.name, source, ...(host ? { foreignHost: host } : {}) };
    if (!this.cache) return { ...base, stored: false };
    if (!options.sizes) {
      const folder = await this.cache.storedFolder(record);
      return { ...base, stored: folder !== undefined, ...(folder ? { folder } : {}) };
    }
    const p = await this.cache.preview(record, signal);
    const misfit = options.provider === 'wasm' && p.componentBytes ? wasmMisfit(p.componentBytes) : undefined;
    const refusal = misfit && { code: 'exceeds_wasm_memory' as const, message: misfit.message, component: misfit.component, componentBytes: misfit.componentBytes, limitBytes: misfit.limitBytes };
    return { ...base, stored: p.stored, ...(p.folder ? { folder: p.folder } : {}), ...(p.bytes !== undefined ? { bytes: p.bytes } : {}), ...(refusal ? { refusal } : {}) };
  }

  async resolve(ref: ModelRef, adapter: AdapterReport, onDownload?: (p: DownloadProgress) => void): Promise<Resolved> {
    if (typeof ref === 'object' && 'local' in ref) {
      if (!ref.import || !this.cache) return { files: localModelFiles(ref.local), cached: false, key: `local:${ref.local.name}` };
      // Imported: a record of its own, so the model loads later (offline) without the folder.
      const record = ModelLibrary.record({ id: `local-${ref.local.name.toLowerCase().replace(/[^a-z0-9._-]+/g, '-')}`.slice(0, 80), name: ref.local.name, source: { kind: 'local', name: ref.local.name } });
      const files = await this.cache.importFolder(record, await listLocalFolder(ref.local), onDownload);
      return { files, record: this.cache.pin(record), cached: true, key: `folder:${files.folder}` };
    }
    // Without a cache (Node tests), a URL is read directly.
    if (!this.cache) {
      if (typeof ref !== 'string') throw new Error('This engine has no model cache: give a URL.');
      return { files: this.urlFiles(ref), cached: false, key: ref };
    }
    const record = this.cache.pin(await this.recordFor(ref));
    if (record.requires.shaderF16 && !adapter.shaderF16) {
      throw new Error(`${record.name} is an fp16 model: it needs WebGPU with the shader-f16 feature, which ${adapter.provider === 'webgpu' ? 'this GPU does not offer' : 'the CPU backend does not have'}. Use a GPU and browser with shader-f16 (recent Chrome or Edge on most GPUs), or an fp32 export.`);
    }
    this.download?.abort();
    const controller = new AbortController();
    this.download = controller;
    try {
      const files = await this.cache.ensure(record, { signal: controller.signal, onProgress: onDownload, provider: adapter.provider });
      const host = foreignHost(record, this.cache.defaultHub, this.cache.baseHref);
      return { files, record, cached: true, persisted: files.persisted, key: `folder:${files.folder}`, ...(host ? { foreignHost: host } : {}) };
    } finally {
      if (this.download === controller) this.download = undefined;
    }
  }

  /** Fetches a component a record takes lazily (the VAE encoder of a text-to-image export) into the cache. */
  async component(record: ModelRecord, component: ComponentName, onDownload?: (p: DownloadProgress) => void): Promise<ModelFiles> {
    if (!this.cache) throw new Error('This engine has no model cache.');
    return this.cache.ensure(record, { include: [component], onProgress: onDownload });
  }

  /** Calls back with the store key of each model deleted from this device, here or in another tab. */
  onDeleted(listener: (storeKey: string) => void): void {
    this.cache?.onDeleted(listener);
  }

  cancel(): void {
    this.download?.abort();
  }

  list(): Promise<CachedModelInfo[]> {
    return this.cache?.list() ?? Promise.resolve([]);
  }

  async remove(id: string): Promise<StorageReport> {
    await this.cache?.remove(id);
    return this.storage();
  }

  verify(id: string): Promise<{ ok: boolean; bad: string[] }> {
    return this.cache?.verify(id) ?? Promise.resolve({ ok: false, bad: [] });
  }

  async storage(): Promise<StorageReport> {
    const [estimate, persisted] = await Promise.all([
      this.storageApi?.estimate().catch(() => ({})) ?? {},
      this.storageApi?.persisted().catch(() => false) ?? false,
    ]);
    return { ...estimate, persisted };
  }
}
