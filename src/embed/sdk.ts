// The client SDK (built as sdk.js beside index.html): talks to the embedded widget like OctoAI's TypeScript client
// talks to its API — `createClient(...).imageGen.generateSdxl(request)`. Its one runtime dependency is penpal.
import { CallOptions, WindowMessenger, connect, type RemoteProxy } from 'penpal';
import { requestToSnake, responseToCamel, type SdkResponse } from './case-mapping';
import { PROTOCOL_VERSION, type HostMethods, type Outcome, type ReadyInfo, type WidgetError, type WidgetEvent, type WidgetMethods, type WidgetModel } from './protocol';
import type { FieldError } from '../schema/response';

export type { ReadyInfo, SdkResponse, WidgetModel };
export { requestToSnake, responseToCamel, responseToSnake, toCamel, toSnake } from './case-mapping';

/** Every failure: `code` ('invalid_request', 'cancelled', 'timeout', …), a message, and the 422 `detail` list. */
export class SdxlError extends Error {
  readonly code: WidgetError['code'];
  readonly detail?: FieldError[];
  constructor(error: WidgetError) {
    super(error.message);
    this.name = 'SdxlError';
    this.code = error.code;
    if (error.detail) this.detail = error.detail;
  }
}

export interface CreateClientOptions {
  /** An iframe already on the page, showing the widget (its `src` gives the origin). */
  iframe?: HTMLIFrameElement;
  /** Or: where to create the widget's iframe. */
  container?: HTMLElement;
  /** The widget's URL; defaults to the embed.html beside this sdk.js. Extra parameters (model, theme…) go here. */
  url?: string;
  /** The widget's origin; defaults to the URL's. */
  origin?: string;
  /** How long to wait for the widget to answer the handshake (ms, default 30 000). */
  connectTimeoutMs?: number;
}

export interface CallSettings {
  signal?: AbortSignal;
  /** Rejects with code 'timeout' (and cancels the run) after this many ms. No limit when absent. */
  timeoutMs?: number;
}
export interface GenerateSettings extends CallSettings {
  onProgress?: (progress: unknown) => void;
}

export interface SdxlClient {
  /** Resolves with the widget's handshake (protocol, capabilities, model, adapter, storage). */
  ready: Promise<ReadyInfo>;
  imageGen: {
    /** An OctoAI request in snake_case or camelCase → OctoAI's client response (`images[].imageB64`). */
    generateSdxl(request: Record<string, unknown>, settings?: GenerateSettings): Promise<SdkResponse>;
  };
  loadModel(ref: unknown, settings?: GenerateSettings): Promise<WidgetModel>;
  /** The request's problems against the schema and the loaded model: [] when valid. */
  validate(request: Record<string, unknown>): Promise<FieldError[]>;
  counters(): Promise<{ ignoredMessages: number; lastIgnoredOrigin?: string }>;
  destroy(): void;
}

const DEFAULT_CONNECT_TIMEOUT_MS = 30_000;
let jobCounter = 0;

function widgetFrame(options: CreateClientOptions): { iframe: HTMLIFrameElement; origin: string } {
  if (options.iframe) return { iframe: options.iframe, origin: options.origin ?? new URL(options.iframe.src, location.href).origin };
  if (!options.container) throw new SdxlError({ code: 'protocol', message: 'createClient needs an iframe, or a container to create one in.' });
  const url = new URL(options.url ?? new URL('embed.html', import.meta.url).href, location.href);
  // The widget answers only the origins its URL names: this page.
  if (!url.searchParams.has('origins')) url.searchParams.set('origins', location.origin);
  const iframe = document.createElement('iframe');
  iframe.src = url.href;
  iframe.title = 'Image generator';
  iframe.allow = 'cross-origin-isolated; storage-access; clipboard-write';
  iframe.style.cssText = 'border:0;width:100%;height:100%;min-height:320px';
  options.container.append(iframe);
  return { iframe, origin: options.origin ?? url.origin };
}

export function createClient(options: CreateClientOptions): SdxlClient {
  const { iframe, origin } = widgetFrame(options);
  const listeners = new Map<string, (e: WidgetEvent) => void>();
  const host: HostMethods = { event: (e) => listeners.get(e.jobId)?.(e) };
  const messenger = new WindowMessenger({ remoteWindow: iframe.contentWindow!, allowedOrigins: [origin] });
  const connection = connect<WidgetMethods>({ messenger, methods: { ...host }, timeout: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS });
  const remote: Promise<RemoteProxy<WidgetMethods>> = connection.promise.catch((e: unknown) => {
    throw new SdxlError({ code: 'not_connected', message: `The widget at ${origin} did not answer: ${e instanceof Error ? e.message : String(e)}` });
  });
  const ready = remote.then(async (r) => {
    const info = await r.hello(PROTOCOL_VERSION);
    if (info.protocol !== PROTOCOL_VERSION) throw new SdxlError({ code: 'protocol', message: `The widget speaks protocol ${info.protocol}; this SDK speaks ${PROTOCOL_VERSION}.` });
    return info;
  });

  /** One job: events routed by id, abort and timeout cancel it in the widget, and its Outcome becomes a value or an SdxlError. */
  async function job<T>(settings: GenerateSettings, run: (r: RemoteProxy<WidgetMethods>, jobId: string) => Promise<Outcome<T>>): Promise<T> {
    const r = await remote;
    await ready;
    const jobId = `sdk-${++jobCounter}-${Math.random().toString(36).slice(2, 8)}`;
    const { signal, timeoutMs, onProgress } = settings;
    if (signal?.aborted) throw new SdxlError({ code: 'cancelled', message: 'The call was cancelled before it started.' });
    if (onProgress) listeners.set(jobId, (e) => onProgress(e.progress));
    let timedOut = false;
    const cancel = () => void r.cancel(jobId).catch(() => undefined);
    const timer = timeoutMs === undefined ? undefined : setTimeout(() => ((timedOut = true), cancel()), timeoutMs);
    signal?.addEventListener('abort', cancel);
    try {
      const outcome = await run(r, jobId);
      if (outcome.ok) return outcome.value;
      if (timedOut && outcome.error.code === 'cancelled') throw new SdxlError({ code: 'timeout', message: `No result within ${timeoutMs} ms; the run was cancelled.` });
      throw new SdxlError(outcome.error);
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', cancel);
      listeners.delete(jobId);
    }
  }

  return {
    ready,
    imageGen: {
      async generateSdxl(request, settings = {}) {
        const { body, conflicts } = requestToSnake(request);
        if (conflicts.length) {
          throw new SdxlError({ code: 'invalid_request', message: 'A field was given twice with different values.', detail: conflicts.map((f) => ({ loc: ['body', f], msg: `${f} is given in snake_case and camelCase with different values.`, type: 'value_error' })) });
        }
        return responseToCamel(await job(settings, (r, jobId) => r.generate(jobId, body)));
      },
    },
    loadModel: (ref, settings = {}) => job(settings, (r, jobId) => r.loadModel(jobId, ref)),
    validate: async (request) => {
      const r = await remote;
      return r.validate(requestToSnake(request).body, new CallOptions({ timeout: 10_000 }));
    },
    counters: async () => (await remote).counters(),
    destroy: () => connection.destroy(),
  };
}
