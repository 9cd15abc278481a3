// The asset library: LoRAs, textual inversions, VAEs and refiners stored under assets/<dir>/ of the model store,
// imported from a URL, a Hub repo or files on this device (resumable and verified like models, checked for their
// kind), then listed, renamed, deleted and read with no network. The index is assets/index.json (asset-index.ts).
import { assetNameSchema, folderDigestText, isSingleFile, type AssetEntry, type AssetKind, type AssetPending, type AssetSource, type SourceText } from '../schema/asset';
import type { ByteStore } from './byte-store';
import { AssetContentError, checkConfigJson, checkSafetensorsKind, readSafetensorsHeader } from './asset-content';
import { assetDir, freeDir, readIndex, readPending, writeIndex, writePending } from './asset-index';
import { planAssetFolder, pickSingleFile } from './asset-layout';
import { listAssetSource, type AssetListing } from './asset-listing';
import { digestBlob } from './digest';
import type { RetryPolicy } from './download-file';
import { DownloadMeter, type DownloadProgress } from './download-meter';
import { DEFAULT_HUB_ENDPOINT, type RemoteFile } from './hub';
import type { ModelFiles } from './model-files';
import { graphPath, pickWeights } from './model-layout';
import { externalDataFiles } from './onnx-external-data';
import { checkSpace, type StorageApi } from './store-space';
import { storedFolderFiles } from './stored-files';
import { defaultStoreCoordination, type StoreCoordination } from './store-locks';
import { pool, writeVerified, type VerifiedSource, type VerifiedWriteDeps } from './verified-write';

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

/** Where an import's bytes come from: a URL or Hub id (text), or files on this device by path inside the asset. */
export type AssetInput = { text: SourceText } | { local: { name: string; entries: readonly { path: string; blob: Blob }[] } };

export interface AddOptions {
  signal?: AbortSignal;
  onProgress?(p: DownloadProgress): void;
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
const sameSource = (a: AssetSource, b: AssetSource) => JSON.stringify({ ...a, commit: undefined }) === JSON.stringify({ ...b, commit: undefined });

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

  private async addHere(kind: AssetKind, name: string, input: AssetInput, { signal, onProgress }: AddOptions): Promise<AssetEntry> {
    const { store } = this.deps;
    this.refuseTaken(await readIndex(store), name);
    onProgress?.(DownloadMeter.resolving());
    const where = 'text' in input ? (input.text.kind === 'url' ? input.text.url : `${input.text.repo}${input.text.path ? `:${input.text.path}` : ''}`) : input.local.name;
    const listing: AssetListing = 'text' in input
      ? await listAssetSource({ fetch: this.deps.fetch, hub: this.deps.hubEndpoint ?? DEFAULT_HUB_ENDPOINT, ...(this.deps.baseHref ? { baseHref: this.deps.baseHref } : {}) }, kind, input.text, signal)
      : { files: input.local.entries.map((e) => ({ path: e.path, url: '', size: e.blob.size })), path: '', source: { kind: 'local', name: input.local.name } };
    const blobs = 'local' in input ? new Map(input.local.entries.map((e) => [e.path, e.blob])) : undefined;
    const sourceOf = (f: RemoteFile, original = f.path): VerifiedSource => (blobs ? { path: f.path, blob: blobs.get(original)! } : { remote: f });

    const single = isSingleFile(kind);
    let first: { file: RemoteFile; src: VerifiedSource }[];
    let candidates: ReturnType<typeof planAssetFolder>['weightCandidates'] = {};
    if (single) {
      const picked = pickSingleFile(kind, listing.files, listing.path, where);
      // A file on this device is checked before a byte is copied.
      if (blobs) checkSafetensorsKind(kind, await readSafetensorsHeader(blobs.get(picked.from)!, picked.file.path), picked.file.path);
      first = [{ file: picked.file, src: sourceOf(picked.file, picked.from) }];
    } else {
      const plan = planAssetFolder(kind as 'vae' | 'refiner', listing.files, where);
      first = plan.first.map((f) => ({ file: f, src: sourceOf(f) }));
      candidates = plan.weightCandidates;
    }

    // The folder: an interrupted import of the same asset resumes there; anything else in it goes.
    const dir = freeDir(await readIndex(store), name);
    const previous = await readPending(store, dir);
    const resumable = previous && previous.name.toLowerCase() === name.toLowerCase() && previous.kind === kind && sameSource(previous.source, listing.source);
    if (!resumable) await store.removeTree(assetDir(dir));
    const state: AssetPending = { name, kind, source: listing.source, files: resumable ? previous.files : {} };
    const stored = new Map((await store.list(assetDir(dir))).map((e) => [e.path, e.size]));
    const isDone = (f: RemoteFile) => {
      const d = state.files[f.path];
      const want = f.sha256 ?? f.gitSha1;
      return !!d && stored.get(f.path) === d.size && (f.size === undefined || f.size === d.size) && (!want || want === d.digest) && !blobs;
    };
    const space = (files: readonly RemoteFile[]) => (this.deps.storage
      ? checkSpace(this.deps.storage, files.filter((f) => !isDone(f)).reduce((n, f) => n + (f.size ?? 0) - (stored.get(f.path) ?? 0), 0))
      : Promise.resolve());
    await space(first.map((x) => x.file));
    await writePending(store, dir, state);

    const meter = new DownloadMeter(this.deps.now, onProgress);
    const writeAll = async (items: readonly { file: RemoteFile; src: VerifiedSource }[]) => {
      for (const { file } of items) meter.add(file.path, file.size, isDone(file) ? state.files[file.path]!.size : 0);
      await pool(items.filter((x) => !isDone(x.file)), 3, async ({ file, src }) => {
        const r = await writeVerified(src, `${assetDir(dir)}/${file.path}`, this.writeDeps(), (d) => meter.bytes(file.path, d), signal).catch((e: unknown) => {
          meter.fail(file.path);
          throw e;
        });
        meter.finish(file.path);
        state.files[file.path] = { size: r.size, digest: r.digest };
        await writePending(store, dir, state);
      });
    };
    try {
      await writeAll(first);
      if (!single) await writeAll(await this.weights(dir, candidates, listing, blobs ? sourceOf : undefined, where, space));
      await this.checkContent(kind, dir, Object.keys(state.files));
    } catch (e) {
      // Wrong content is refused for good: nothing of it stays. Anything else (network, cancel) keeps what is verified.
      if (e instanceof AssetContentError) await store.removeTree(assetDir(dir));
      throw e;
    }
    return this.commit(kind, name, dir, state);
  }

  /** The external data each stored graph names, from the listing (or asked for at a folder URL without a manifest). */
  private async weights(
    dir: string, candidates: ReturnType<typeof planAssetFolder>['weightCandidates'], listing: AssetListing,
    local: ((f: RemoteFile) => VerifiedSource) | undefined, where: string, space: (files: readonly RemoteFile[]) => Promise<void>,
  ): Promise<{ file: RemoteFile; src: VerifiedSource }[]> {
    const out: RemoteFile[] = [];
    for (const [c, known] of Object.entries(candidates) as [keyof typeof candidates, RemoteFile[]][]) {
      const graph = await this.deps.store.read(`${assetDir(dir)}/${graphPath(c)}`);
      if (!graph) continue;
      const refs = externalDataFiles(new Uint8Array(await graph.arrayBuffer()));
      let pool = known;
      if (listing.probe) {
        const asked = await Promise.all(refs.filter((r) => !known.some((f) => f.path === `${c}/${r}`)).map((r) => listing.probe!(`${c}/${r}`)));
        pool = [...known, ...asked.filter((f): f is RemoteFile => f !== undefined)];
      }
      const picked = pickWeights(c, refs, pool);
      if (picked.missing.length) throw new AssetContentError(picked.missing[0]!, `${where}: ${graphPath(c)} refers to external data the source does not have: ${picked.missing.join(', ')}.`);
      out.push(...picked.files);
    }
    await space(out);
    return out.map((f) => ({ file: f, src: local ? local(f) : { remote: f } }));
  }

  /** What the stored bytes must hold for the kind (the .safetensors keys, JSON configs). */
  private async checkContent(kind: AssetKind, dir: string, paths: readonly string[]): Promise<void> {
    for (const p of paths) {
      const blob = (await this.deps.store.read(`${assetDir(dir)}/${p}`))!;
      if (isSingleFile(kind)) checkSafetensorsKind(kind, await readSafetensorsHeader(blob, p), p);
      else if (p.endsWith('.json')) await checkConfigJson(blob, p);
    }
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
      await writeIndex(store, { ...index, assets: [...index.assets, entry] });
    });
    await store.remove(`${assetDir(dir)}/state.json`);
    return entry;
  }

  private refuseTaken(index: { assets: AssetEntry[] }, name: string, except?: AssetEntry): void {
    const taken = index.assets.find((a) => a !== except && a.name.toLowerCase() === name.toLowerCase());
    if (taken) throw new AssetNameError('name', 'taken', `The library already has an asset named ${taken.name} (a ${taken.kind}); names are unique, whatever their case: delete or rename it first, or pick another name.`);
  }

  private writeDeps(): VerifiedWriteDeps {
    const { store, fetch, sleep, retry, checkpointBytes } = this.deps;
    return { store, fetch, ...(sleep ? { sleep } : {}), ...(retry ? { retry } : {}), ...(checkpointBytes ? { checkpointBytes } : {}) };
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
