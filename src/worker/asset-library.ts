// The asset library as the engine offers it: add (a URL, Hub id, File, directory handle or picked folder), list,
// rename and delete assets, choose the active refiner, and resolve the names a request gives; every failure is
// `{code, message, detail}` data, a bad argument or an unknown name a 422-style field error.
import { parseSourceText, type AssetEntry, type AssetKind, type AssetSource } from '../schema/asset';
import type { EngineErrorData, FieldError } from '../schema/response';
import { AssetContentError } from '../runtime/asset-content';
import { FOLDER_LAYOUT } from '../runtime/asset-layout';
import { AssetNameError, type AssetInput, type AssetStore } from '../runtime/asset-store';
import { DownloadError } from '../runtime/download-file';
import type { DownloadProgress } from '../runtime/download-meter';
import { listLocalFolder } from '../runtime/local-files';
import type { ModelFiles } from '../runtime/model-files';
import { QuotaError } from '../runtime/store-space';
import { addAssetSchema } from './add-asset-args';
import type { Result } from './protocol';

/** What addAsset answers, and each item of listAssets (with where it came from, when, and whether it is the active refiner). */
export interface AssetInfo {
  name: string;
  kind: AssetKind;
  bytes: number;
  sha256: string;
}
export interface AssetListItem extends AssetInfo {
  source: AssetSource;
  added: string;
  /** Refiners only: the one `use_refiner: true` uses. */
  active?: boolean;
}

/** A stored asset the engine opens: its entry and its files (a LoRA's .safetensors is `files.blob(entry.files[0].path)`). */
export interface ResolvedAsset {
  entry: AssetEntry;
  files: ModelFiles;
}

const info = (a: AssetEntry): AssetInfo => ({ name: a.name, kind: a.kind, bytes: a.bytes, sha256: a.sha256 });
const invalid = (message: string, detail: FieldError[]): { ok: false; error: EngineErrorData } => ({ ok: false, error: { code: 'invalid_request', message, detail } });
const messageOf = (e: unknown) => (e instanceof Error ? e.message : String(e));
/** Component folders an asset's files start with: a picked folder's own name is stripped only when it is not one. */
const KNOWN_FOLDERS = new Set([...Object.values(FOLDER_LAYOUT).flatMap((l) => [...l.components, ...l.extras.map((p) => p.split('/')[0]!)])]);

export class AssetLibrary {
  private readonly importing = new Set<AbortController>();

  constructor(private readonly store: AssetStore | undefined) {}

  /** `await sdxl.addAsset({kind, name, source})` → `{name, kind, bytes, sha256}`; progress as for model downloads. */
  async addAsset(arg: unknown, onProgress?: (p: DownloadProgress) => void): Promise<Result<AssetInfo>> {
    const parsed = addAssetSchema.safeParse(arg);
    if (!parsed.success) {
      return invalid('The asset is invalid.', parsed.error.issues.map((i) => ({ loc: ['body', ...i.path.map((p) => (typeof p === 'number' ? p : String(p)))], msg: i.message, type: i.code === 'custom' ? 'value_error' : i.code })));
    }
    const { kind, name, source } = parsed.data;
    return this.run(async (store) => {
      const controller = new AbortController();
      this.importing.add(controller);
      try {
        return info(await store.add(kind, name, await inputOf(source), { signal: controller.signal, ...(onProgress ? { onProgress } : {}) }));
      } finally {
        this.importing.delete(controller);
      }
    });
  }

  /** Stops the imports in progress; what is verified stays, and adding the same asset again resumes. */
  cancel(): void {
    for (const c of this.importing) c.abort();
  }

  /** Re-hashes an asset's stored files: `{ok, bad}` names any that no longer match (delete and add it again). */
  verifyAsset(name: unknown): Promise<Result<{ ok: boolean; bad: string[] }>> {
    return this.run((store) => store.verify(String(name)));
  }

  listAssets(): Promise<Result<AssetListItem[]>> {
    return this.run(async (store) => {
      const [assets, active] = await Promise.all([store.list(), store.activeRefiner()]);
      return assets.map((a) => ({ ...info(a), source: a.source, added: a.added, ...(a.kind === 'refiner' ? { active: a.name === active } : {}) }));
    });
  }

  deleteAsset(name: unknown): Promise<Result<{ deleted: string }>> {
    return this.run(async (store) => {
      await store.remove(String(name));
      return { deleted: String(name) };
    });
  }

  renameAsset(from: unknown, to: unknown): Promise<Result<AssetInfo>> {
    return this.run(async (store) => info(await store.rename(String(from), String(to))));
  }

  setActiveRefiner(name: unknown): Promise<Result<{ activeRefiner: string }>> {
    return this.run(async (store) => {
      await store.setActiveRefiner(String(name));
      return { activeRefiner: String(name) };
    });
  }

  /** Calls back with `assets/<dir>` (a resolved asset's `files.storeKey`) when an asset is deleted, here or in another tab. */
  onDeleted(listener: (storeKey: string) => void): void {
    this.store?.onDeleted(listener);
  }

  /**
   * The asset a request names, for the engine: an unknown name (or one of another kind) is a field error at `loc`
   * listing the names of that kind the library has.
   */
  async resolve(kind: AssetKind, name: string, loc: (string | number)[] = ['body', kind]): Promise<Result<ResolvedAsset>> {
    const store = this.store;
    if (!store) return invalid('The request names an asset, but this engine stores none.', [{ loc, msg: `Unknown asset ${JSON.stringify(name)}: this engine has no asset library (storage is off).`, type: 'asset_unknown' }]);
    let assets: AssetEntry[];
    try {
      assets = await store.list();
    } catch (e) {
      return { ok: false, error: assetError(e) };
    }
    const entry = assets.find((a) => a.name === name);
    if (entry && entry.kind === kind) return { ok: true, value: { entry, files: await store.files(name) } };
    const names = assets.filter((a) => a.kind === kind).map((a) => a.name);
    const have = names.length ? `the library's ${kind} assets are ${names.map((n) => JSON.stringify(n)).join(', ')}` : `the library has no ${kind} asset`;
    const msg = entry ? `${JSON.stringify(name)} is a ${entry.kind} asset, not a ${kind}; ${have}.` : `Unknown ${kind} asset ${JSON.stringify(name)}: ${have}. Add it with addAsset({kind: '${kind}', name, source}) first.`;
    return invalid('The request names an unknown asset.', [{ loc, msg, type: 'asset_unknown' }]);
  }

  /** The refiner `use_refiner: true` runs: the active one (chosen, else the first added). */
  async resolveRefiner(loc: (string | number)[] = ['body', 'use_refiner']): Promise<Result<ResolvedAsset>> {
    const name = this.store ? await this.store.activeRefiner().catch(() => undefined) : undefined;
    if (!name) return invalid('The request asks for a refiner, but there is none.', [{ loc, msg: "use_refiner needs a refiner asset: add one with addAsset({kind: 'refiner', name, source}) first.", type: 'asset_unknown' }]);
    return this.resolve('refiner', name, loc);
  }

  private async run<T>(work: (store: AssetStore) => Promise<T>): Promise<Result<T>> {
    if (!this.store) return { ok: false, error: { code: 'not_supported', message: 'This engine stores no assets (its storage is off).' } };
    try {
      return { ok: true, value: await work(this.store) };
    } catch (e) {
      return { ok: false, error: assetError(e) };
    }
  }
}

/** What a failure of the library means, as error data. */
export function assetError(e: unknown): EngineErrorData {
  if (e instanceof AssetNameError) {
    const type = { taken: 'asset_name_taken', unknown: 'asset_unknown', invalid: 'value_error', kind: 'asset_kind' }[e.rule];
    return { code: 'invalid_request', message: 'The asset is invalid.', detail: [{ loc: ['body', e.field], msg: e.message, type }] };
  }
  if (e instanceof AssetContentError) return { code: 'invalid_request', message: 'The asset is invalid.', detail: [{ loc: ['body', 'source'], msg: e.message, type: 'asset_content' }] };
  if (e instanceof DownloadError && e.kind === 'cancelled') return { code: 'cancelled', message: 'The import was cancelled; adding the same asset again resumes it.' };
  if ((e as { name?: unknown })?.name === 'AbortError') return { code: 'cancelled', message: 'The import was cancelled; adding the same asset again resumes it.' };
  if (e instanceof DownloadError || e instanceof QuotaError || (e as { name?: unknown })?.name === 'HubError') return { code: 'asset_import_failed', message: `The asset could not be imported: ${messageOf(e)}` };
  return { code: 'internal', message: `The asset library failed: ${messageOf(e)}` };
}

/** A source as the store takes it: text, or files by path inside the asset. */
async function inputOf(source: string | File | FileSystemDirectoryHandle | { name: string; files: Record<string, Blob> }): Promise<AssetInput> {
  if (typeof source === 'string') {
    const r = parseSourceText(source);
    if (!r.ok) throw new AssetContentError('source', r.message);
    return { text: r.source };
  }
  if (source instanceof Blob) return { local: { name: source.name, entries: [{ path: source.name, blob: source }] } };
  if ('files' in source) return { local: { name: source.name, entries: pickedEntries(source.files) } };
  return { local: { name: source.name, entries: await listLocalFolder(source) } };
}

/** A picked or dropped folder's files by path inside it: the folder's own name ("vae_alt/…") is not part of the path. */
function pickedEntries(files: Record<string, Blob>): { path: string; blob: Blob }[] {
  const paths = Object.keys(files).map((p) => p.replace(/^\/+/, ''));
  const first = new Set(paths.map((p) => p.split('/')[0]!));
  const strip = first.size === 1 && paths.every((p) => p.includes('/')) && !KNOWN_FOLDERS.has([...first][0]!);
  return Object.entries(files).map(([p, blob]) => {
    const path = p.replace(/^\/+/, '');
    return { path: strip ? path.slice(path.indexOf('/') + 1) : path, blob };
  });
}
