// Which files a load reads: a record through the on-device cache (downloading what is missing), a plain URL or Hub id
// made into a record, or a local folder read in place; plus the cache's list, verify, delete and storage figures.
import type { ModelFiles } from '../runtime/model-files';
import { listLocalFolder, localModelFiles, type LocalFolder } from '../runtime/local-files';
import type { CachedModelInfo, ModelCache, StorageApi } from '../runtime/model-cache';
import type { DownloadProgress } from '../runtime/download-meter';
import type { AdapterReport } from '../runtime/webgpu-adapter';
import { BUILTIN_MODELS } from '../schema/model-records';
import { parseModelRecord, recordFromUserInput, type ComponentName, type ModelRecord, type ModelRecordInput } from '../schema/model-record';

/** What to load: a URL, a Hub repo id or a built-in record's id; a record; or a folder on this device. */
export type ModelRef = string | ModelRecordInput | { local: LocalFolder; import?: boolean };

export interface StorageReport {
  usage?: number;
  quota?: number;
  persisted: boolean;
}

export interface Resolved {
  files: ModelFiles;
  record?: ModelRecord;
  cached: boolean;
  persisted?: boolean;
  key: string;
}

export class ModelLibrary {
  private download?: AbortController;

  constructor(private readonly cache: ModelCache | undefined, private readonly storageApi: StorageApi | undefined, private readonly urlFiles: (url: string) => ModelFiles) {}

  /** A record for a reference; built-in ids first, then Hub ids and URLs. */
  static record(ref: string | ModelRecordInput): ModelRecord {
    const builtin = typeof ref === 'string' ? BUILTIN_MODELS.find((m) => m.id === ref) : undefined;
    const r = typeof ref === 'string' && !builtin ? recordFromUserInput(ref) : parseModelRecord(builtin ?? ref);
    if (!r.ok) throw new Error(`Not a usable model record: ${r.errors.join('; ')}`);
    return r.record;
  }

  async resolve(ref: ModelRef, adapter: AdapterReport, onDownload?: (p: DownloadProgress) => void): Promise<Resolved> {
    if (typeof ref === 'object' && 'local' in ref) {
      if (!ref.import || !this.cache) return { files: localModelFiles(ref.local), cached: false, key: `local:${ref.local.name}` };
      // Imported: a record of its own, so the model loads later (offline) without the folder.
      const record = ModelLibrary.record({ id: `local-${ref.local.name.toLowerCase().replace(/[^a-z0-9._-]+/g, '-')}`.slice(0, 80), name: ref.local.name, source: { kind: 'local', name: ref.local.name } });
      const files = await this.cache.importFolder(record, await listLocalFolder(ref.local), onDownload);
      return { files, record, cached: true, key: `record:${record.id}` };
    }
    // Without a cache (Node tests), a URL is read directly.
    if (!this.cache) {
      if (typeof ref !== 'string') throw new Error('This engine has no model cache: give a URL.');
      return { files: this.urlFiles(ref), cached: false, key: ref };
    }
    // A model stored on this device can be named by its id; its record comes from storage.
    // A damaged state.json is named in the error, unless the id is a built-in one (then it is fetched and verified again).
    const stored = typeof ref === 'string' && /^[a-z0-9][a-z0-9._-]*$/.test(ref)
      ? (await this.cache.state(ref).catch((e: unknown) => {
        if (BUILTIN_MODELS.some((m) => m.id === ref)) return undefined;
        throw e;
      }))?.record
      : undefined;
    const record = stored ?? ModelLibrary.record(ref);
    if (record.requires.shaderF16 && !adapter.shaderF16) {
      throw new Error(`${record.name} is an fp16 model: it needs WebGPU with the shader-f16 feature, which ${adapter.provider === 'webgpu' ? 'this GPU does not offer' : 'the CPU backend does not have'}. Use a GPU and browser with shader-f16 (recent Chrome or Edge on most GPUs), or an fp32 export.`);
    }
    this.download?.abort();
    const controller = new AbortController();
    this.download = controller;
    try {
      const files = await this.cache.ensure(record, { signal: controller.signal, onProgress: onDownload });
      return { files, record, cached: true, persisted: files.persisted, key: `record:${record.id}` };
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
