// The page side of the worker: a typed Generator with AbortSignal cancellation and errors thrown as SdxlError.
import * as Comlink from 'comlink';
import type { EngineErrorData, GenerateResponse } from '../schema/response';
import type { GenerateRequest } from '../schema/request';
import type {
  AdapterReport, CachedModelInfo, EngineApi, GenerationOptions, GenerationStats, LoadedModelReport, MemoryReport, ModelLoadProgress, ModelRef, ProgressEvent,
  Result, StorageReport, TokenCount,
} from './protocol';

/** An engine error on the page: `code`, a message, and for 422-style errors the `detail` list. */
export class SdxlError extends Error {
  readonly code: EngineErrorData['code'];
  readonly detail?: EngineErrorData['detail'];
  constructor(data: EngineErrorData) {
    super(data.message + (data.detail ? ` ${data.detail.map((d) => `[${d.loc.slice(1).join('.')}] ${d.msg}`).join(' ')}` : ''));
    this.name = 'SdxlError';
    this.code = data.code;
    this.detail = data.detail;
  }
  /** The 422 body: {"detail": [...]}. */
  toJSON(): EngineErrorData {
    return { code: this.code, message: this.message, ...(this.detail ? { detail: this.detail } : {}) };
  }
}

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
  cachedModels(): Promise<CachedModelInfo[]>;
  deleteModel(id: string): Promise<StorageReport>;
  verifyModel(id: string): Promise<{ ok: boolean; bad: string[] }>;
  storage(): Promise<StorageReport>;
  setReleaseTextEncoders(on: boolean): Promise<MemoryReport | undefined>;
  memory(): Promise<MemoryReport | undefined>;
  generate(request: GenerateRequest, options?: GenerateOptions): Promise<GenerateResponse>;
  stats(): Promise<GenerationStats | undefined>;
  countTokens(prompt: string): Promise<TokenCount | undefined>;
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

export function createWorkerGenerator(options: { forceWasm?: boolean; hubEndpoint?: string; ortBuild?: 'jspi' | 'asyncify'; storeRoot?: FileSystemDirectoryHandle; store?: 'opfs' | 'none' } = {}): Generator {
  const worker = new Worker(new URL('./sdxl.worker.ts', import.meta.url), { type: 'module' });
  const engine = Comlink.wrap<EngineApi>(worker);
  void engine.init({
    forceWasm: options.forceWasm ?? false,
    ...(options.hubEndpoint ? { hubEndpoint: options.hubEndpoint } : {}),
    ...(options.ortBuild ? { ortBuild: options.ortBuild } : {}),
    ...(options.storeRoot ? { storeRoot: options.storeRoot } : {}),
    ...(options.store ? { store: options.store } : {}),
    baseHref: document.baseURI,
  });
  // A cancel made inside a progress callback travels back with the callback's answer, so the worker stops at that stage.
  let loadCancelled = false;
  return {
    adapter: () => engine.adapter(),
    async loadModel(ref, onProgress) {
      loadCancelled = false;
      const listener = (p: ModelLoadProgress) => {
        onProgress?.(p);
        return loadCancelled;
      };
      return unwrap(await engine.loadModel(absolute(ref), Comlink.proxy(listener)));
    },
    cancelLoad: () => {
      loadCancelled = true;
      void engine.cancelLoad();
    },
    cachedModels: () => engine.cachedModels(),
    deleteModel: (id) => engine.deleteModel(id),
    verifyModel: (id) => engine.verifyModel(id),
    storage: () => engine.storage(),
    setReleaseTextEncoders: (on) => engine.setReleaseTextEncoders(on),
    memory: () => engine.memory(),
    async generate(request, options = {}) {
      const jobId = `job-${++jobCounter}`;
      const { signal, onProgress, maskBlur } = options;
      if (signal?.aborted) throw new SdxlError({ code: 'cancelled', message: 'Generation was cancelled.' });
      const onAbort = () => void engine.cancel(jobId);
      signal?.addEventListener('abort', onAbort);
      try {
        const listener = (p: ProgressEvent) => {
          onProgress?.(p);
          return signal?.aborted === true;
        };
        return unwrap(await engine.generate(jobId, request, Comlink.proxy(listener), maskBlur === undefined ? {} : { maskBlur }));
      } finally {
        signal?.removeEventListener('abort', onAbort);
      }
    },
    stats: () => engine.lastStats(),
    countTokens: (prompt) => engine.countTokens(prompt),
  };
}
