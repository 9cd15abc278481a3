// App entry, wiring only: the draft store and the views that follow it, the model session, generation, the gallery
// and window.sdxl.
import '../schema/zod-config'; // first: no zod JIT (CSP without 'unsafe-eval')
import './styles.css';
import { CHECKPOINT_DEFAULTS, DEFAULT_CHECKPOINT } from '../schema/request';
import type { FieldError, GenerateResponse } from '../schema/response';
import { SDXL_SIZES, SDXL_SIZE_RULE } from '../schema/sizes';
import { checkForModel } from '../schema/validate';
import { createWorkerGenerator } from '../worker/client';
import { showAdapter } from './adapter-badge';
import { assetApi } from './asset-api';
import { ASSETS_CHANGED } from './assets/asset-panel';
import { createAssetUi } from './assets/asset-ui';
import { createDraftStore } from './draft/draft-store';
import { createFieldInfo } from './draft/field-info';
import { createImageViews } from './draft/image-views';
import { createJsonView, wireTabs } from './draft/json-view';
import { describeRestart } from './engine-restart';
import { loadDraft, loadDraftImages, saveDraft } from './history-store';
import { listenForImages } from './image-input';
import { followLink } from './link-open';
import { createMetadataDrop } from './metadata-drop';
import type { SdxlPageApi } from './page-api';
import { serveGenerateBridge } from './pwa/generate-bridge';
import { startUpdates } from './pwa/update-prompt';
import { createRequestForm, type RequestDraft } from './request-form';
import { createPreviewView } from './preview-view';
import { createGeneration } from './session/generation';
import { createMemoryView } from './session/memory-view';
import { createModelSession } from './session/model-session';
import { createResults } from './session/results';
import { scrollBehavior } from './shell/motion';
import { createShell } from './shell/shell';
import { createGenerationQueue } from './queue/generation-queue';
import { loadQueue, saveQueue } from './queue/queue-store';
import { createQueueView } from './queue/queue-view';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
// The header's status chip, the Model & settings drawer, the keyboard shortcuts and their help.
const shell = createShell();
const params = new URLSearchParams(location.search);
const status = $('status');
const setStatus = (text: string, kind: 'info' | 'error' | 'ok' = 'info') => {
  status.textContent = text;
  status.dataset.kind = kind;
};

// --- The engine in its worker -----------------------------------------------------------------------------
// ?ort=jspi|asyncify forces an onnxruntime-web build, ?loop=cpu keeps the denoising loop in JS, ?capture=1|0 turns
// graph capture of the UNet on or off (all for comparisons); ?ep=wasm forces the CPU fallback.
const ortParam = params.get('ort');
const generator = createWorkerGenerator({
  forceWasm: params.get('ep') === 'wasm',
  ortBuild: ortParam === 'jspi' || ortParam === 'asyncify' ? ortParam : undefined,
  loop: params.get('loop') === 'cpu' ? 'cpu' : undefined,
  ...(params.has('capture') ? { graphCapture: params.get('capture') === '1' } : {}),
  // A crashed worker (or a lost GPU device) is replaced and the model reloaded; the draft and the queue stay.
  onRestart: (e) => {
    const { text, kind } = describeRestart(e);
    setStatus(text, kind);
    // Also kept above the page until the next Generate: a queued request's "Done" would replace the status at once.
    $('engine-notice').textContent = text;
    $('engine-notice').hidden = false;
    if (e.phase === 'restarted') memory.refresh();
    if (e.phase === 'restarted' && e.revived?.startsWith('model reloaded')) session.reloadedAfterRestart();
  },
});
// The service worker: offline shell, and "A new version is ready — Reload" (never under a running job).
const updates = startUpdates($('update-banner'));

// --- The draft request: one store; the form, JSON view, image views, notes and assets follow it -------------
const store = createDraftStore(loadDraft() ?? { prompt: 'a lighthouse on a cliff at sunset, dramatic clouds, detailed, cinematic lighting' });
const form = createRequestForm($<HTMLFormElement>('request-form'), (draft) => store.set(draft, 'form'));
store.subscribe((draft, origin) => {
  if (origin !== 'form') form.set(draft);
});
form.set(store.get());
store.subscribe((draft) => saveDraft(draft));
createJsonView($<HTMLTextAreaElement>('json-text'), $('json-error'), store);
wireTabs([[$('tab-form'), $('request-form')], [$('tab-json'), $('json-view')]]);
const fieldInfo = createFieldInfo(form, store, (text) => generator.countTokens(text));
const images = createImageViews({
  modeBar: $('mode-bar'), zone: $('image-zone'), zoneText: $('image-zone-text'), pick: $<HTMLButtonElement>('image-pick'),
  file: $<HTMLInputElement>('image-file'), painter: $('painter'), outpaint: $('outpaint'), form: $<HTMLFormElement>('request-form'),
}, store, () => session.current()?.sizeRule ?? SDXL_SIZE_RULE, (message) => setStatus(message, 'error'));
// A dropped or pasted picture that carries a request (ours, A1111's, ComfyUI's) restores it; others become the init image.
const bringImage = createMetadataDrop({
  after: status, getDraft: () => store.get(), setDraft: (d) => store.set(d, 'image'), takeImage: (b64) => images.takeImage(b64, 'user'), setStatus,
});
listenForImages(document.body, (b64) => void bringImage(b64), (message) => setStatus(message, 'error'));
// The draft's pictures are kept in IndexedDB (too large for localStorage): back they come, unless one was picked since.
void loadDraftImages().then((kept) => {
  if (kept.init_image !== undefined && store.get().init_image === undefined) store.update(kept, 'app');
});
const defaults = CHECKPOINT_DEFAULTS[DEFAULT_CHECKPOINT]!;
form.setPlaceholders({
  steps: String(defaults.steps), cfg_scale: String(defaults.cfg_scale), sampler: defaults.sampler, seed: 'random', negative_prompt: 'none',
  prompt_2: 'the prompt', negative_prompt_2: 'the negative prompt', clip_skip: '0',
});
form.setSizePresets(SDXL_SIZES);

// --- Custom assets: the library panel, and the form's controls for LoRAs, embeddings, VAE, refiner, checkpoint ----
const assets = assetApi(generator, () => document.dispatchEvent(new CustomEvent(ASSETS_CHANGED)));
const assetUi = createAssetUi({
  panel: $('assets-panel'), form: $<HTMLFormElement>('request-form'), costs: $('asset-costs'), warnings: $('asset-warnings'),
  api: assets, cancelImport: () => generator.cancelAssetImport(), setInfo: (f, t) => form.setInfo(f, t),
  draft: { get: () => store.get(), set: (d) => store.set(d, 'app') },
  models: () => generator.cachedModels(), loaded: () => { const m = session.current(); return m && { recordId: m.record?.id, name: m.record?.name }; },
  stats: () => generator.stats(), memory: () => generator.memory(),
});
store.subscribe((draft) => assetUi.showDraft(draft));

// --- Validation: the same schema the worker uses, plus the loaded model's sizes --------------------------
const validate = (draft: unknown): FieldError[] => checkForModel(draft, session.current());
function showErrors(detail: FieldError[]): void {
  const unplaced = form.showErrors(detail);
  const summary = $('form-errors');
  summary.hidden = detail.length === 0;
  summary.textContent = detail.length ? `${detail.length} problem${detail.length > 1 ? 's' : ''} to fix before generating${unplaced.length ? `: ${unplaced.map((d) => d.msg).join(' ')}` : '.'}` : '';
}

// --- Models and memory ------------------------------------------------------------------------------------
const memory = createMemoryView($<HTMLInputElement>('low-memory'), $('memory-info'), generator);
const session = createModelSession({
  generator, form, store, panelRoot: $('model-panel'), deviceModelsRoot: $('device-models'), status: setStatus,
  onLoaded: () => {
    queue?.kick();
    memory.refresh();
    images.modelChanged();
    fieldInfo.refresh();
  },
  onStoredModelsChanged: () => assetUi.modelsChanged(),
  watchPanel: (panel, root) => shell.watchModel(panel, root),
});
// The memory setting lives in the same card as the stored models.
$('device-models').append($('memory-card'));

// --- Results: stored before shown, the recent cards and the History gallery ----------------------------------
const results = createResults({
  recent: $('gallery'), gallery: $('history-gallery'),
  draft: () => store.get(), setDraft: (d) => store.set(d, 'app'), updateDraft: (patch) => store.update(patch, 'app'),
  takeImage: (b64, mode) => {
    images.takeImage(b64, 'result', mode);
    $('painter').scrollIntoView({ behavior: scrollBehavior(), block: 'nearest' });
  },
  enqueue: (request) => {
    if (!queue) throw new Error('The queue is not ready yet.');
    queue.add(request, images.maskBlur());
  },
  modelId: () => { const m = session.current(); return m?.record?.id ?? m?.record?.name; },
  status: setStatus,
});
async function keepResult(request: RequestDraft, response: GenerateResponse): Promise<void> {
  assetUi.afterRun(request, response);
  memory.refresh();
  await results.keep(request, response);
}

// --- Generation -----------------------------------------------------------------------------------------
const generation = createGeneration({
  generator, model: () => session.current(), generateButton: $<HTMLButtonElement>('generate'), cancelButton: $<HTMLButtonElement>('cancel'),
  progress: $('progress'), preview: createPreviewView($('live-preview')), status: setStatus, showErrors, onResult: keepResult,
});
// Generate adds the request to the queue; the queue runs one at a time and survives a reload.
const queueView = createQueueView($('queue'), $<HTMLInputElement>('forever'), {
  cancel: (id) => queue?.cancel(id), move: (id, by) => queue?.move(id, by), setForever: (on) => queue?.setForever(on),
});
let queue: ReturnType<typeof createGenerationQueue> | undefined;
void loadQueue().then((kept) => {
  queue = createGenerationQueue({
    // The form's runs show live previews (window.sdxl.generate asks for them with options.preview).
    run: async (job, signal) => void (await generation.run(job.request, { signal, preview: true, ...(job.maskBlur === undefined ? {} : { maskBlur: job.maskBlur }) })),
    ready: () => session.current() !== undefined,
    changed: (state) => {
      queueView.show(state);
      void saveQueue(state.jobs);
    },
  }, kept);
  queueView.show(queue.state());
  queue.kick();
});
$('generate').addEventListener('click', () => {
  $('engine-notice').hidden = true;
  const draft = store.get();
  const problems = validate(draft);
  showErrors(problems);
  if (problems.length > 0) return setStatus('Fix the highlighted fields first; nothing was generated.', 'error');
  if (!queue) return setStatus('The queue is still being read back; press Generate again in a moment.', 'info');
  queue.add(draft, images.maskBlur());
  if (!session.current()) setStatus('Queued: it starts once a model is loaded (open the model panel to load one).', 'info');
});
document.addEventListener('keydown', (e) => {
  if ((e.ctrlKey || e.metaKey) && e.key === 'Enter') $('generate').click();
});

// --- Start-up -------------------------------------------------------------------------------------------
void generator.adapter().then((a) => showAdapter($('adapter'), $('fallback-banner'), a, $('adapter-details')));
void session.refreshStored();
void followLink(location.search, { generator, status: setStatus, load: (ref, persist) => session.load(ref, undefined, undefined, persist) });

const api: SdxlPageApi = {
  ...assets,
  generate: (request, options) => generation.run(request as RequestDraft, options),
  loadModel: (ref, onProgress) => session.load(ref, undefined, onProgress),
  cachedModels: () => generator.cachedModels(),
  deleteModel: (id) => session.deleteModel(id),
  verifyModel: (id) => generator.verifyModel(id),
  storage: () => generator.storage(),
  cancelLoad: () => generator.cancelLoad(),
  setReleaseTextEncoders: (on) => memory.setLowMemory(on),
  memory: () => generator.memory(),
  validate: (request) => validate(request),
  adapter: () => generator.adapter(),
  model: () => session.current(),
  stats: () => generator.stats(),
  checkForUpdate: () => updates.check(),
  version: () => __BUILD_ID__,
};
window.sdxl = api;
// Same-origin POST <base>generate/sdxl (OctoAI's endpoint) is answered by the service worker through this page.
serveGenerateBridge({ model: () => { const m = session.current(); return m ? m.record?.name ?? 'model' : undefined; }, generate: (body, options) => generation.run(body as RequestDraft, options) });
