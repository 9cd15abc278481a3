// The asset library: LoRAs, textual inversions, VAEs and refiners stored under assets/<dir>/ of the model store,
// imported from a URL, a Hub repo or files on this device (resumable and verified like models, checked for their
// kind), then listed, renamed, deleted and read with no network. The index is assets/index.json (asset-index.ts).
import { assetNameSchema, folderDigestText, isSingleFile, MAX_ASSETS, type AssetEntry, type AssetKind, type AssetPending } from '../schema/asset';
import type { ByteStore } from './byte-store';
import { assetDir, readIndex, writeIndex } from './asset-index';
import { importAsset, type AddOptions, type AssetInput, type ImportDeps } from './asset-import';
import { digestBlob } from './digest';
import type { RetryPolicy } from './download-file';
import { DEFAULT_HUB_ENDPOINT } from './hub';
import type { ModelFiles } from './model-files';
import type { StorageApi } from './store-space';
import { storedFolderFiles } from './stored-files';
import { defaultStoreCoordination, type StoreCoordination } from './store-locks';

export type { AddOptions, AssetInput } from './asset-import';

export interface AssetStoreDeps {
  store: ByteStore;
  fetch: typeof fetch;
  /** Quota checks before bytes move (none without it). */
  storage?: StorageApi;
  hubEndpoint?: string;
  baseHref?: string;
  sleep?(ms: number): Promise<void>;
  retry?: RetryPolicy;
  checkpointBytes?: number;
  now(): number;
  coordination?: StoreCoordination;
}

/** A name that is taken, or not in the library: `field` is the argument it is about. */
export class AssetNameError extends Error {
  constructor(readonly field: 'name' | 'to', readonly rule: 'taken' | 'unknown' | 'invalid' | 'kind', message: string) {
    super(message);
    this.name = 'AssetNameError';
  }
}

const INDEX_LOCK = 'assets/index.json';
const nameLock = (name: string) => `assets/name:${name.toLowerCase()}`;

export class AssetStore {
  private readonly tabs: StoreCoordination;
  constructor(private readonly deps: AssetStoreDeps) {
    this.tabs = deps.coordination ?? defaultStoreCoordination();
  }

  /** Every asset, in the order added. */
  async list(): Promise<AssetEntry[]> {
    return (await readIndex(this.deps.store)).assets;
  }

  async get(name: string): Promise<AssetEntry | undefined> {
    return (await this.list()).find((a) => a.name === name);
  }

  /** Imports an asset under a new name; resumes an interrupted import of the same name, kind and source. */
  add(kind: AssetKind, name: string, input: AssetInput, opts: AddOptions = {}): Promise<AssetEntry> {
    const checked = assetNameSchema.safeParse(name);
    if (!checked.success) return Promise.reject(new AssetNameError('name', 'invalid', `${JSON.stringify(name)} is not a valid asset name: ${checked.error.issues[0]!.message}.`));
    return this.tabs.exclusive(nameLock(name), () => this.addHere(kind, name, input, opts), opts.signal);
  }

  private async addHere(kind: AssetKind, name: string, input: AssetInput, opts: AddOptions): Promise<AssetEntry> {
    this.refuseTaken(await readIndex(this.deps.store), name);
    const { dir, state } = await importAsset(this.importDeps(), kind, name, input, opts);
    return this.commit(kind, name, dir, state);
  }

  /** Records the import in the index (SHA-256 of every file; a git blob id from the Hub is hashed again) and returns it. */
  private async commit(kind: AssetKind, name: string, dir: string, state: AssetPending): Promise<AssetEntry> {
    const { store } = this.deps;
    const files = await Promise.all(Object.entries(state.files).sort(([a], [b]) => (a < b ? -1 : 1)).map(async ([path, f]) => ({
      path, bytes: f.size,
      sha256: f.digest.length === 64 ? f.digest : await digestBlob((await store.read(`${assetDir(dir)}/${path}`))!, 'sha256'),
    })));
    const sha256 = isSingleFile(kind) ? files[0]!.sha256 : await digestBlob(new Blob([folderDigestText(files)]), 'sha256');
    const entry: AssetEntry = {
      name, kind, bytes: files.reduce((n, f) => n + f.bytes, 0), sha256, source: state.source,
      added: new Date(this.deps.now()).toISOString(), files, dir,
    };
    await this.tabs.exclusive(INDEX_LOCK, async () => {
      const index = await readIndex(store);
      this.refuseTaken(index, name);
      if (index.assets.length >= MAX_ASSETS) throw new Error(`The library holds ${MAX_ASSETS} assets, as many as it can: delete some first.`);
      await writeIndex(store, { ...index, assets: [...index.assets, entry] });
    });
    await store.remove(`${assetDir(dir)}/state.json`);
    return entry;
  }

  private refuseTaken(index: { assets: AssetEntry[] }, name: string, except?: AssetEntry): void {
    const taken = index.assets.find((a) => a !== except && a.name.toLowerCase() === name.toLowerCase());
    if (taken) throw new AssetNameError('name', 'taken', `The library already has an asset named ${taken.name} (a ${taken.kind}); names are unique, whatever their case: delete or rename it first, or pick another name.`);
  }

  private importDeps(): ImportDeps {
    const { store, fetch, sleep, retry, checkpointBytes, storage, hubEndpoint, baseHref, now } = this.deps;
    return {
      store, fetch, now, hub: hubEndpoint ?? DEFAULT_HUB_ENDPOINT,
      ...(sleep ? { sleep } : {}), ...(retry ? { retry } : {}), ...(checkpointBytes ? { checkpointBytes } : {}), ...(storage ? { storage } : {}), ...(baseHref ? { baseHref } : {}),
    };
  }

  private unknown(name: string, field: 'name' = 'name'): AssetNameError {
    return new AssetNameError(field, 'unknown', `There is no asset named ${JSON.stringify(name)} in this library.`);
  }

  /** Renames an asset in the index (its bytes stay where they are); the active refiner follows its name. */
  rename(from: string, to: string): Promise<AssetEntry> {
    const checked = assetNameSchema.safeParse(to);
    if (!checked.success) return Promise.reject(new AssetNameError('to', 'invalid', `${JSON.stringify(to)} is not a valid asset name: ${checked.error.issues[0]!.message}.`));
    return this.tabs.exclusive(INDEX_LOCK, async () => {
      const index = await readIndex(this.deps.store);
      const entry = index.assets.find((a) => a.name === from);
      if (!entry) throw this.unknown(from);
      try {
        this.refuseTaken(index, to, entry);
      } catch (e) {
        throw new AssetNameError('to', 'taken', (e as Error).message);
      }
      const renamed = { ...entry, name: to };
      await writeIndex(this.deps.store, {
        ...index, assets: index.assets.map((a) => (a === entry ? renamed : a)),
        ...(index.activeRefiner === from ? { activeRefiner: to } : {}),
      });
      return renamed;
    });
  }

  /** Deletes an asset and its bytes, and tells every tab (an engine holding it lets it go). */
  remove(name: string): Promise<void> {
    return this.tabs.exclusive(INDEX_LOCK, async () => {
      const index = await readIndex(this.deps.store);
      const entry = index.assets.find((a) => a.name === name);
      if (!entry) throw this.unknown(name);
      const { activeRefiner, ...rest } = index;
      await writeIndex(this.deps.store, { ...rest, assets: index.assets.filter((a) => a !== entry), ...(activeRefiner && activeRefiner !== name ? { activeRefiner } : {}) });
      await this.deps.store.removeTree(assetDir(entry.dir));
      this.tabs.deleted(assetDir(entry.dir));
    });
  }

  /** Called with an asset's store key (`assets/<dir>`, its files' storeKey) when it is deleted, here or in another tab. */
  onDeleted(listener: (storeKey: string) => void): () => void {
    return this.tabs.onDeleted(listener);
  }

  /** The refiner `use_refiner` uses: the one chosen, else the first refiner added; undefined when there is none. */
  async activeRefiner(): Promise<string | undefined> {
    const index = await readIndex(this.deps.store);
    return index.activeRefiner ?? index.assets.find((a) => a.kind === 'refiner')?.name;
  }

  setActiveRefiner(name: string): Promise<void> {
    return this.tabs.exclusive(INDEX_LOCK, async () => {
      const index = await readIndex(this.deps.store);
      const entry = index.assets.find((a) => a.name === name);
      if (!entry) throw this.unknown(name);
      if (entry.kind !== 'refiner') throw new AssetNameError('name', 'kind', `${name} is a ${entry.kind}, not a refiner.`);
      await writeIndex(this.deps.store, { ...index, activeRefiner: name });
    });
  }

  /** Re-reads and re-hashes every file of an asset against the index; the bad ones are named (the asset stays listed). */
  async verify(name: string): Promise<{ ok: boolean; bad: string[] }> {
    const entry = await this.get(name);
    if (!entry) throw this.unknown(name);
    const bad: string[] = [];
    for (const f of entry.files) {
      const blob = await this.deps.store.read(`${assetDir(entry.dir)}/${f.path}`);
      if (!blob || blob.size !== f.bytes || (await digestBlob(blob, 'sha256')) !== f.sha256) bad.push(f.path);
    }
    return { ok: bad.length === 0, bad };
  }

  /** An asset's stored files as the loader reads them (a VAE's vae_decoder/model.onnx, a refiner's unet/…). */
  async files(name: string): Promise<ModelFiles> {
    const entry = await this.get(name);
    if (!entry) throw this.unknown(name);
    return storedFolderFiles(this.deps.store, assetDir(entry.dir), `asset:${entry.name}/`, (p) => `${p} is not in this device's copy of the asset ${entry.name}; delete it and add it again.`);
  }

  /** A LoRA's or an embedding's file, as a Blob (on disk for OPFS and Node). */
  async blob(name: string): Promise<Blob> {
    const entry = await this.get(name);
    if (!entry) throw this.unknown(name);
    return (await this.files(name)).blob!(entry.files[0]!.path);
  }

  async bytes(name: string): Promise<Uint8Array> {
    return new Uint8Array(await (await this.blob(name)).arrayBuffer());
  }
}
