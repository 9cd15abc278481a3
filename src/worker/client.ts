// The page side of the worker: a typed Generator with AbortSignal cancellation and errors thrown as SdxlError, on a
// supervised worker that is restarted (settings and model restored) when it dies.
import * as Comlink from 'comlink';
import type { GenerateResponse } from '../schema/response';
import type { GenerateRequest } from '../schema/request';
import type {
  AdapterReport, AssetInfo, AssetListItem, CachedModelInfo, DownloadProgress, EngineApi, LinkPreview, GenerationOptions, GenerationStats, LoadedModelReport, MemoryReport, ModelLoadProgress, ModelRef, ProgressEvent,
  Result, StorageReport, TokenCount,
} from './protocol';
import { withProgress } from './progress-listener';
import { SdxlError, SupervisedWorker, type RestartEvent } from './supervised-worker';

export { SdxlError, type RestartEvent };

export interface GenerateOptions extends GenerationOptions {
  signal?: AbortSignal;
  onProgress?: (p: ProgressEvent) => void;
}

/** What the UI, the page API and (later) the iframe widget use, wherever the engine runs. */
export interface Generator {
  adapter(): Promise<AdapterReport>;
  /** A built-in model id, a Hub repo id ("owner/name[@revision]"), a folder URL, a record, or {local: folder}. */
  loadModel(ref: ModelRef, onProgress?: (p: ModelLoadProgress) => void): Promise<LoadedModelReport>;
  cancelLoad(): void;
  /** Where Hub repo ids resolve from now on (a mirror the user accepted); undefined = the default Hub. */
  setHubEndpoint(endpoint: string | undefined): Promise<void>;
  /** What loading a reference would download, before anything is: source, stored or not, and size (sizes: true). */
  previewModel(ref: string, options: { hub?: string; sizes: boolean }): Promise<LinkPreview>;
  cachedModels(): Promise<CachedModelInfo[]>;
  deleteModel(id: string): Promise<StorageReport>;
  verifyModel(id: string): Promise<{ ok: boolean; bad: string[] }>;
  storage(): Promise<StorageReport>;
  setReleaseTextEncoders(on: boolean): Promise<MemoryReport | undefined>;
  memory(): Promise<MemoryReport | undefined>;
  generate(request: GenerateRequest, options?: GenerateOptions): Promise<GenerateResponse>;
  stats(): Promise<GenerationStats | undefined>;
  countTokens(prompt: string): Promise<TokenCount | undefined>;
  /** Imports a LoRA, textual inversion, VAE or refiner into the asset library; resolves {name, kind, bytes, sha256}. */
  addAsset(asset: AddAssetArg, onProgress?: (p: DownloadProgress) => void): Promise<AssetInfo>;
  listAssets(): Promise<AssetListItem[]>;
  deleteAsset(name: string): Promise<{ deleted: string }>;
  renameAsset(from: string, to: string): Promise<AssetInfo>;
  setActiveRefiner(name: string): Promise<{ activeRefiner: string }>;
  cancelAssetImport(): void;
}

/** What addAsset takes: the kind, the name requests will use, and where the bytes come from. */
export interface AddAssetArg {
  kind: 'lora' | 'textual_inversion' | 'vae' | 'refiner';
  name: string;
  source: string | File | FileSystemDirectoryHandle | { name: string; files: Record<string, Blob> };
}

/** The generation options that were given (comlink clones what it sends; undefined ones are left out). */
function definedOnly(o: GenerationOptions): GenerationOptions {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}

function unwrap<T>(r: Result<T>): T {
  if (!r.ok) throw new SdxlError(r.error);
  return r.value;
}

let jobCounter = 0;

/** URLs and paths are made absolute here, where the page's location is known; ids pass through. */
function absolute(ref: ModelRef): ModelRef {
  if (typeof ref === 'string') return /^(\.{0,2}\/|https?:)/.test(ref) ? new URL(ref, location.href).href : ref;
  if ('source' in ref && ref.source.kind === 'url') return { ...ref, source: { ...ref.source, baseUrl: new URL(ref.source.baseUrl, location.href).href } };
  return ref;
}

export interface WorkerGeneratorOptions {
  forceWasm?: boolean;
  hubEndpoint?: string;
  ortBuild?: 'jspi' | 'asyncify';
  /** 'cpu': keep the denoising loop in JS (for comparisons with the device loop). */
  loop?: 'device' | 'cpu';
  graphCapture?: boolean;
  storeRoot?: FileSystemDirectoryHandle;
  store?: 'opfs' | 'none';
  /** The engine stopped and is coming back (or gave up): for the page to say so. */
  onRestart?: (event: RestartEvent) => void;
}

export function createWorkerGenerator(options: WorkerGeneratorOptions = {}): Generator {
  const init = {
    forceWasm: options.forceWasm ?? false,
    ...(options.hubEndpoint ? { hubEndpoint: options.hubEndpoint } : {}),
    ...(options.ortBuild ? { ortBuild: options.ortBuild } : {}),
    ...(options.loop ? { loop: options.loop } : {}),
    ...(options.graphCapture !== undefined ? { graphCapture: options.graphCapture } : {}),
    ...(options.storeRoot ? { storeRoot: options.storeRoot } : {}),
    ...(options.store ? { store: options.store } : {}),
    baseHref: document.baseURI,
  };
  // What a fresh worker needs to stand where the last one stood: the low-memory setting and the last model loaded.
  let releaseEncoders: boolean | undefined;
  let lastModel: ModelRef | undefined;
  let hubEndpoint: string | undefined;
  const supervisor = new SupervisedWorker<EngineApi>({
    create: () => new Worker(new URL('./sdxl.worker.ts', import.meta.url), { type: 'module' }),
    ...(typeof navigator !== 'undefined' && navigator.locks ? { locks: navigator.locks } : {}),
    ...(options.onRestart ? { onRestart: options.onRestart } : {}),
    async revive(engine) {
      await engine.init(init);
      if (releaseEncoders !== undefined) await engine.setReleaseTextEncoders(releaseEncoders);
      if (hubEndpoint !== undefined) await engine.setHubEndpoint(hubEndpoint);
      if (lastModel === undefined) return 'no model was loaded';
      const r = await engine.loadModel(lastModel);
      return r.ok ? `model reloaded${r.value.cached ? ' from this device' : ''}` : `the model could not be reloaded: ${r.error.message}`;
    },
  });
  const call = <R>(fn: (engine: Comlink.Remote<EngineApi>) => Promise<R>) => supervisor.call(fn);
  void call((engine) => engine.init(init)).catch(() => undefined); // a failure shows on the next call
  // Loads, settings and generations run one at a time here, as they do in the worker: what waits behind a call
  // that a crash ends is still waiting, and runs on the restarted worker.
  let queue: Promise<unknown> = Promise.resolve();
  const queued = <R>(fn: () => Promise<R>): Promise<R> => {
    const r = queue.then(fn, fn);
    queue = r.catch(() => undefined);
    return r;
  };
  // Every progress event is a sign of life; its answer (true = stop here) travels back, so a cancel made inside a
  // progress callback stops the worker at that stage. Events that arrive after their call settled are dropped.
  const sign = () => supervisor.signOfLife();
  let loadCancelled = false;
  /** While a cancelled load is pending: the supervisor's grace clock (a load stuck inside a session's creation, which
   *  no check between sessions can stop, ends with the worker replaced, as a stuck run does). */
  let loadGrace: (() => void) | undefined;
  let loading = false;
  return {
    adapter: () => call((e) => e.adapter()),
    loadModel: (ref, onProgress) => queued(async () => {
      loadCancelled = false;
      const listener = (p: ModelLoadProgress) => {
        onProgress?.(p);
        return loadCancelled;
      };
      loading = true;
      try {
        const r = unwrap(await withProgress(listener, (l) => call<Result<LoadedModelReport>>((e) => e.loadModel(absolute(ref), l)), sign));
        lastModel = absolute(ref);
        return r;
      } finally {
        loading = false;
        loadGrace?.();
        loadGrace = undefined;
      }
    }),
    cancelLoad: () => {
      loadCancelled = true;
      if (loading) loadGrace ??= supervisor.cancelling();
      void call((e) => e.cancelLoad()).catch(() => undefined);
    },
    setHubEndpoint: (endpoint) => {
      hubEndpoint = endpoint;
      return call((e) => e.setHubEndpoint(endpoint));
    },
    previewModel: async (ref, opts) => unwrap(await call<Result<LinkPreview>>((e) => e.previewModel(absolute(ref) as string, opts))),
    cachedModels: () => call((e) => e.cachedModels()),
    deleteModel: (id) => call((e) => e.deleteModel(id)),
    verifyModel: (id) => call((e) => e.verifyModel(id)),
    storage: () => call((e) => e.storage()),
    setReleaseTextEncoders: (on) => queued(async () => {
      releaseEncoders = on;
      return call((e) => e.setReleaseTextEncoders(on));
    }),
    memory: () => call((e) => e.memory()),
    generate: (request, options = {}) => queued(async () => {
      const jobId = `job-${++jobCounter}`;
      const { signal, onProgress, ...generation } = options;
      if (signal?.aborted) throw new SdxlError({ code: 'cancelled', message: 'Generation was cancelled.' });
      let cancelled: (() => void) | undefined;
      const onAbort = () => {
        cancelled = supervisor.cancelling();
        void call((e) => e.cancel(jobId)).catch(() => undefined);
      };
      signal?.addEventListener('abort', onAbort);
      try {
        const listener = (p: ProgressEvent) => {
          onProgress?.(p);
          return signal?.aborted === true;
        };
        return unwrap(await withProgress(listener, (l) => call<Result<GenerateResponse>>((e) => e.generate(jobId, request, l, definedOnly(generation))), sign));
      } finally {
        signal?.removeEventListener('abort', onAbort);
        cancelled?.();
      }
    }),
    stats: () => call((e) => e.lastStats()),
    countTokens: (prompt) => call((e) => e.countTokens(prompt)),
    addAsset: async (asset, onProgress) => {
      // A URL relative to the page is made absolute here, where the page's location is known.
      const source = typeof asset.source === 'string' && /^\.{0,2}\//.test(asset.source) ? new URL(asset.source, location.href).href : asset.source;
      const listener = (p: DownloadProgress) => {
        onProgress?.(p);
        return false;
      };
      return unwrap(await withProgress(listener, (l) => call<Result<AssetInfo>>((e) => e.addAsset({ ...asset, source }, l)), sign));
    },
    listAssets: async () => unwrap(await call<Result<AssetListItem[]>>((e) => e.listAssets())),
    deleteAsset: async (name) => unwrap(await call<Result<{ deleted: string }>>((e) => e.deleteAsset(name))),
    renameAsset: async (from, to) => unwrap(await call<Result<AssetInfo>>((e) => e.renameAsset(from, to))),
    setActiveRefiner: async (name) => unwrap(await call<Result<{ activeRefiner: string }>>((e) => e.setActiveRefiner(name))),
    cancelAssetImport: () => void call((e) => e.cancelAssetImport()).catch(() => undefined),
  };
}
