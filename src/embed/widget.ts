// The embeddable widget (embed.html): a compact generator in an iframe, configured by URL, driven by its own UI or by
// the host page over the versioned penpal protocol. Talks only to its parent, and only at the allowed origins.
import '../schema/zod-config'; // first: no zod JIT (CSP without 'unsafe-eval')
import './widget.css';
import { WindowMessenger, connect, type RemoteProxy } from 'penpal';
import type { FieldError } from '../schema/response';
import { SAMPLERS } from '../schema/samplers';
import { checkForModel } from '../schema/validate';
import { formatBytes } from '../ui/format';
import { describeRestart } from '../ui/engine-restart';
import { SdxlError, createWorkerGenerator, type Generator, type RestartEvent } from '../worker/client';
import type { LoadedModelReport } from '../worker/protocol';
import { PROTOCOL_VERSION, type HostMethods, type Outcome, type ReadyInfo, type WidgetError, type WidgetMethods, type WidgetModel } from './protocol';
import { requestUnpartitionedStore, storageAvailable, storageIsPartitioned } from './storage-partition';
import { countIgnoredMessages, jobIdSchema, modelRefSchema } from './widget-guard';
import { readWidgetParams } from './widget-params';
import { createWidgetView, type WidgetInputs } from './widget-view';

const { params, origins, errors } = readWidgetParams(location.search, location.origin);
document.documentElement.dataset.theme = params.theme;
const partitioned = storageIsPartitioned();
let sharedWithApp = false;
// Where the browser denies storage to a frame embedded by another site, models are read from the network, not kept.
const canStore = await storageAvailable();
// A crashed worker (or a lost GPU device) is replaced and the model reloaded (from the network where nothing is stored).
const onRestart = (e: RestartEvent) => {
  const { text, kind } = describeRestart(e);
  view.status(text, kind);
};
let generator: Generator = createWorkerGenerator({ forceWasm: params.ep === 'wasm', store: canStore ? 'opfs' : 'none', onRestart });
let model: LoadedModelReport | undefined;
const jobs = new Map<string, AbortController>();
let host: RemoteProxy<HostMethods> | undefined;

const view = createWidgetView(document.getElementById('widget')!, params, {
  generate: (inputs) => void runFromUi(inputs),
  cancel: () => jobs.forEach((c) => c.abort()),
});
if (errors.length) view.status(`Ignored bad widget parameters — ${errors.join('; ')}`, 'error');

const toError = (e: unknown): WidgetError => (e instanceof SdxlError ? e.toJSON() : { code: 'internal', message: e instanceof Error ? e.message : String(e) });
const invalid = (message: string): Outcome<never> => ({ ok: false, error: { code: 'protocol', message } });

let modelRef = '';
function describeModel(m: LoadedModelReport): WidgetModel {
  return { ...(m.record?.id ? { id: m.record.id } : {}), name: m.record?.name ?? modelRef, provider: m.provider, sizes: m.sizeRule, defaultSize: m.defaultSize };
}

// The same check as the app page's, with the loaded model's limits (sizes, clip_skip).
const validate = (request: unknown): FieldError[] => checkForModel(request, model);

async function loadModel(ref: string, onProgress?: (p: unknown) => void): Promise<WidgetModel> {
  view.model(`Loading ${ref}…`);
  try {
    model = await generator.loadModel(ref, (p) => {
      if (p.stage === 'download') view.model(`Downloading ${ref}: ${formatBytes(p.received)} of ${formatBytes(p.total)}`);
      onProgress?.(p);
    });
    modelRef = ref;
    view.model(`${model.record?.name ?? ref} · ${model.provider === 'webgpu' ? 'WebGPU' : 'CPU'} · ready`);
    return describeModel(model);
  } catch (e) {
    view.model(`Could not load ${ref}: ${e instanceof Error ? e.message : String(e)}`);
    throw e;
  }
}

async function generate(jobId: string, request: unknown, onProgress?: (p: unknown) => void): Promise<Outcome<import('../schema/response').GenerateResponse>> {
  if (!model) return { ok: false, error: { code: 'model_not_loaded', message: 'The widget has no model loaded yet.' } };
  const detail = validate(request);
  if (detail.length) return { ok: false, error: { code: detail.some((d) => d.type !== 'not_supported') ? 'invalid_request' : 'not_supported', message: 'The request is invalid.', detail } };
  const controller = new AbortController();
  jobs.set(jobId, controller);
  view.setBusy(true);
  view.status('Generating…');
  try {
    const response = await generator.generate(request as never, {
      signal: controller.signal,
      onProgress: (p) => {
        view.progress(p);
        onProgress?.(p);
      },
    });
    const first = response.images[0];
    const format = (request as { image_encoding?: string }).image_encoding === 'jpeg' ? 'jpeg' : 'png';
    if (first) view.image(first.image_b64, format, first.seed);
    view.status(`Done in ${(response.latency_ms / 1000).toFixed(1)} s.`, 'ok');
    return { ok: true, value: response };
  } catch (e) {
    const error = toError(e);
    view.status(error.code === 'cancelled' ? 'Cancelled.' : error.message, error.code === 'cancelled' ? 'info' : 'error');
    return { ok: false, error };
  } finally {
    jobs.delete(jobId);
    view.setBusy(jobs.size > 0);
    view.progress(undefined);
  }
}

let uiJobs = 0;
async function runFromUi(inputs: WidgetInputs): Promise<void> {
  const request = { ...(params.defaults ?? {}), ...inputs };
  const detail = validate(request);
  if (detail.length) return view.status(detail.map((d) => d.msg).join(' '), 'error');
  await generate(`ui-${++uiJobs}`, request);
}

// --- The host page: penpal over a private MessageChannel after a handshake with the parent at an allowed origin ----
const counter = countIgnoredMessages(window, window.parent, origins);
const methods: WidgetMethods = {
  async hello(protocol) {
    if (!Number.isInteger(protocol)) throw new Error('hello(protocol): protocol must be an integer');
    const adapter = await generator.adapter();
    const info: ReadyInfo = {
      protocol: PROTOCOL_VERSION,
      app: __BUILD_ID__,
      capabilities: { samplers: SAMPLERS, modes: ['txt2img', 'img2img', 'inpaint', 'outpaint'], maxImages: 16, imageEncodings: ['png', 'jpeg'] },
      adapter: { provider: adapter.provider, shaderF16: adapter.shaderF16, ...(adapter.description ? { description: adapter.description } : {}) },
      storage: { partitioned, available: canStore || sharedWithApp, sharedWithApp },
      ...(model ? { model: describeModel(model) } : {}),
    };
    return info;
  },
  async generate(jobId, request) {
    const id = jobIdSchema.safeParse(jobId);
    if (!id.success) return invalid('generate(jobId, request): jobId must be a string of 1–128 characters.');
    return generate(id.data, request, (progress) => void host?.event({ type: 'progress', jobId: id.data, progress }));
  },
  async cancel(jobId) {
    const id = jobIdSchema.safeParse(jobId);
    if (id.success) jobs.get(id.data)?.abort();
  },
  async loadModel(jobId, ref) {
    const id = jobIdSchema.safeParse(jobId);
    const r = modelRefSchema.safeParse(ref);
    if (!id.success || !r.success) return invalid('loadModel(jobId, ref): ref must be a model id, Hub repo id or URL (a string up to 2048 characters).');
    try {
      // A call from the embedding page's code is that page's decision; only links and URL parameters ask first.
      return { ok: true, value: await loadModel(r.data, (progress) => void host?.event({ type: 'modelProgress', jobId: id.data, progress })) };
    } catch (e) {
      return { ok: false, error: toError(e) };
    }
  },
  validate: async (request) => validate(request),
  counters: async () => ({ ignoredMessages: counter.ignored, ...(counter.lastOrigin ? { lastIgnoredOrigin: counter.lastOrigin } : {}) }),
};
if (window.parent !== window) {
  const connection = connect<HostMethods>({ messenger: new WindowMessenger({ remoteWindow: window.parent, allowedOrigins: origins }), methods: { ...methods } });
  void connection.promise.then((r) => (host = r), () => undefined);
}

// --- The model named in the URL: loaded at once when it is on this device, otherwise only after the user agrees ----
async function startModel(): Promise<void> {
  const ref = params.model;
  if (!ref) return view.model('No model yet: the page embedding this widget loads one.');
  // Stored from exactly the source this reference names (never a copy from another server under the same id); asking
  // needs no network at all. A folder id this site's store lacks names no source here: it is only asked about.
  const preview = await generator.previewModel(ref, { sizes: false }).catch(() => undefined);
  if (preview?.stored) return void (await loadModel(preview.folder ?? ref).catch(() => undefined));
  const s = preview?.source;
  const from = !s ? '' : ` (${s.kind === 'hub' ? `${s.repo}@${s.revision} on ${new URL(s.endpoint).host}` : s.kind === 'url' ? s.url : s.name})`;
  const openApp = { label: 'Open the full app', testid: 'w-open-app', run: () => void window.open(new URL(`./?model=${encodeURIComponent(ref)}`, location.href).href, '_blank', 'noopener') };
  const askAccess = { label: "Use the app's stored models", testid: 'w-storage-access', run: () => void useAppStore(ref) };
  if (!canStore && !sharedWithApp) {
    return view.model(`${ref}${from} cannot be kept here: this browser does not let the widget store files while another site embeds it, so every visit would download the model again. Download it once in the full app, or load it for this visit only.`, [
      openApp, { label: 'Load for this visit only', testid: 'w-confirm-download', run: () => void loadModel(ref).catch(() => undefined) }, askAccess,
    ]);
  }
  const where = partitioned ? ' Models stored by the full app are not visible here: this browser keeps a separate store for each site that embeds the widget, so this site needs its own copy.' : '';
  view.model(`${ref}${from} is not stored on this device yet.${where}`, [
    { label: 'Download here', testid: 'w-confirm-download', run: () => void loadModel(ref).catch(() => undefined) }, openApp, ...(partitioned ? [askAccess] : []),
  ]);
}

/** Storage Access: with the user's permission, the widget reads the app's own (unpartitioned) model store. */
async function useAppStore(ref: string): Promise<void> {
  const r = await requestUnpartitionedStore();
  if (!r.ok) return view.status(r.reason, 'error');
  generator = createWorkerGenerator({ forceWasm: params.ep === 'wasm', storeRoot: r.root, store: 'opfs', onRestart });
  sharedWithApp = true;
  await startModel().catch(() => undefined);
  if (!model) view.status(`Storage access granted, but ${ref} is not in the app's store either.`, 'info');
}

void startModel();
