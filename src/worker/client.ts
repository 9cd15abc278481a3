// The page side of the worker: a typed Generator with AbortSignal cancellation and errors thrown as SdxlError.
import * as Comlink from 'comlink';
import type { EngineErrorData, GenerateResponse } from '../schema/response';
import type { GenerateRequest } from '../schema/request';
import type { AdapterReport, EngineApi, GenerationOptions, GenerationStats, LoadedModelReport, LoadProgress, ProgressEvent, Result, TokenCount } from './protocol';

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
  loadModel(url: string, onProgress?: (p: LoadProgress) => void): Promise<LoadedModelReport>;
  generate(request: GenerateRequest, options?: GenerateOptions): Promise<GenerateResponse>;
  stats(): Promise<GenerationStats | undefined>;
  countTokens(prompt: string): Promise<TokenCount | undefined>;
}

function unwrap<T>(r: Result<T>): T {
  if (!r.ok) throw new SdxlError(r.error);
  return r.value;
}

let jobCounter = 0;

export function createWorkerGenerator(options: { forceWasm?: boolean } = {}): Generator {
  const worker = new Worker(new URL('./sdxl.worker.ts', import.meta.url), { type: 'module' });
  const engine = Comlink.wrap<EngineApi>(worker);
  void engine.init({ forceWasm: options.forceWasm ?? false });
  return {
    adapter: () => engine.adapter(),
    async loadModel(url, onProgress) {
      const absolute = new URL(url, location.href).href;
      return unwrap(await engine.loadModel(absolute, onProgress ? Comlink.proxy(onProgress) : undefined));
    },
    async generate(request, options = {}) {
      const jobId = `job-${++jobCounter}`;
      const { signal, onProgress, maskBlur } = options;
      if (signal?.aborted) throw new SdxlError({ code: 'cancelled', message: 'Generation was cancelled.' });
      const onAbort = () => void engine.cancel(jobId);
      signal?.addEventListener('abort', onAbort);
      try {
        return unwrap(await engine.generate(jobId, request, onProgress ? Comlink.proxy(onProgress) : undefined, maskBlur === undefined ? {} : { maskBlur }));
      } finally {
        signal?.removeEventListener('abort', onAbort);
      }
    },
    stats: () => engine.lastStats(),
    countTokens: (prompt) => engine.countTokens(prompt),
  };
}
