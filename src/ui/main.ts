// App entry: wires the schema-driven form, JSON view, model panel, worker generator, gallery and window.sdxl.
import '../schema/zod-config'; // first: no zod JIT (CSP without 'unsafe-eval')
import './styles.css';
import { CHECKPOINT_DEFAULTS, DEFAULT_CHECKPOINT } from '../schema/request';
import type { FieldError } from '../schema/response';
import { SDXL_SIZES, SDXL_SIZE_RULE, type Size } from '../schema/sizes';
import { checkForModel } from '../schema/validate';
import { SdxlError, createWorkerGenerator, type GenerateOptions } from '../worker/client';
import type { LoadedModelReport, ModelLoadProgress, ModelRef } from '../worker/protocol';
import { showAdapter } from './adapter-badge';
import { describeRestart } from './engine-restart';
import { renderGallery, type GalleryEntry } from './gallery';
import { deleteOldestEntries, loadDraft, loadDraftImages, loadHistory, saveDraft, storeResult } from './history-store';
import { addResult, withStored } from './history-list';
import { blobToBase64, listenForImages } from './image-input';
import { createModeBar } from './mode-bar';
import { modeOf, switchMode, type Mode, type ModeStash } from './modes';
import { createOutpaintPanel } from './outpaint/outpaint-panel';
import { formatBytes } from './format';
import { followLink } from './link-open';
import { createModelPanel } from './model-panel';
import { createDeviceModels } from './models-on-device';
import type { SdxlPageApi } from './page-api';
import { assetApi } from './asset-api';
import { ASSETS_CHANGED } from './assets/asset-panel';
import { createAssetUi } from './assets/asset-ui';
import { createPainterView } from './painter/painter-view';
import { showProgress } from './progress-view';
import { createPreviewView } from './preview-view';
import { describeNegative2, describeStyle, describeTokens } from './prompt-info';
import { createRequestForm, type RequestDraft } from './request-form';
import { track } from './pwa/activity';
import { serveGenerateBridge } from './pwa/generate-bridge';
import { startUpdates } from './pwa/update-prompt';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const params = new URLSearchParams(location.search);
// ?hub= and ?model= are a link's wishes, followed only after the user agrees (link-open.ts).
// ?ort=jspi|asyncify forces an onnxruntime-web build (for comparisons); otherwise JSPI where the browser has it.
const ortParam = params.get('ort');
const generator = createWorkerGenerator({
  forceWasm: params.get('ep') === 'wasm',
  ortBuild: ortParam === 'jspi' || ortParam === 'asyncify' ? ortParam : undefined,
  // ?loop=cpu keeps the denoising loop in JS where the GPU-resident loop would run (for comparisons).
  loop: params.get('loop') === 'cpu' ? 'cpu' : undefined,
  // ?capture=1|0 turns graph capture of the UNet on or off (for comparisons); otherwise the engine's default.
  ...(params.has('capture') ? { graphCapture: params.get('capture') === '1' } : {}),
  // A crashed worker (or a lost GPU device) is replaced and the model reloaded; the draft and the queue stay.
  onRestart: (e) => {
    const { text, kind } = describeRestart(e);
    setStatus(text, kind);
    // Also kept above the page until the next Generate: a queued request's "Done" would replace the status at once.
    $('engine-notice').textContent = text;
    $('engine-notice').hidden = false;
    if (e.phase === 'restarted') showMemory();
  },
});
let model: LoadedModelReport | undefined;
let running: AbortController | undefined;
let history: GalleryEntry[] = [];
// The service worker: offline shell, and "A new version is ready — Reload" (never under a running job).
const updates = startUpdates($('update-banner'));

const status = $('status');
const setStatus = (text: string, kind: 'info' | 'error' | 'ok' = 'info') => {
  status.textContent = text;
  status.dataset.kind = kind;
};

// --- Form and JSON view: two views of one draft request ------------------------------------------------
const jsonText = $<HTMLTextAreaElement>('json-text');
const jsonError = $('json-error');
const form = createRequestForm($<HTMLFormElement>('request-form'), (draft) => {
  jsonText.value = JSON.stringify(draft, null, 2);
  saveDraft(draft);
  updateFieldInfo(draft);
  syncImageViews(draft);
  assetUi.showDraft(draft);
});

// --- Custom assets: the library panel, and the form's controls for LoRAs, embeddings, VAE, refiner, checkpoint ----
const assets = assetApi(generator, () => document.dispatchEvent(new CustomEvent(ASSETS_CHANGED)));
const assetUi = createAssetUi({
  panel: $('assets-panel'), form: $<HTMLFormElement>('request-form'), costs: $('asset-costs'), warnings: $('asset-warnings'),
  api: assets, cancelImport: () => generator.cancelAssetImport(), setInfo: (f, t) => form.setInfo(f, t),
  draft: { get: () => form.get(), set: (d) => { setDraft(d); updateFieldInfo(d); } },
  models: () => generator.cachedModels(), loaded: () => model && { recordId: model.record?.id, name: model.record?.name }, stats: () => generator.stats(), memory: () => generator.memory(),
});

// --- Mask painter: shown over the init image; its mask becomes mask_image ----------------------------------
const painter = createPainterView($('painter'), (maskB64) => {
  const draft = { ...form.get(), mask_image: maskB64 };
  if (maskB64 === undefined) delete draft.mask_image;
  setDraft(draft);
});
let painterImage: unknown;
function syncPainter(draft: RequestDraft): void {
  if (draft.init_image === painterImage) return;
  painterImage = draft.init_image;
  const init = typeof draft.init_image === 'string' ? draft.init_image.replace(/^data:[^,]*,/, '') : undefined;
  // A picture the outpaint panel did not make is the one it extends next.
  if (init !== composedByOutpaint) void outpaint.setSource(init).catch(() => undefined);
  void painter.setImage(init).catch(() => setStatus('The init image could not be shown: is it a PNG, JPEG or WebP?', 'error'));
}

// --- Modes: text, image, inpaint, outpaint are only fields of the request ------------------------------------
let mode: Mode = 'txt2img';
let stash: ModeStash = {};
const modeBar = createModeBar($('mode-bar'), (picked) => {
  const r = switchMode(form.get(), picked, stash);
  stash = r.stash;
  mode = picked;
  setDraft(r.draft);
});
/** Keeps the shown mode in step with the request; a chosen mode waits while its picture or mask is still to come. */
function syncImageViews(draft: RequestDraft): void {
  const read = modeOf(draft);
  const waiting = (mode !== 'txt2img' && read === 'txt2img') || (mode === 'inpaint' && read === 'img2img');
  if (!waiting) mode = read;
  modeBar.show(mode);
  $('image-zone').hidden = mode === 'txt2img';
  $('image-zone-text').textContent = draft.init_image === undefined
    ? 'Drop a picture here or anywhere on the page, paste one (Ctrl+V), or'
    : 'Replace the picture: drop or paste another, or';
  outpaint.show(mode === 'outpaint');
  if (mode !== 'txt2img') $('request-form').querySelector('details[data-group="image"]')?.setAttribute('open', '');
  syncPainter(draft);
}

// --- Outpainting: the picture on a larger canvas (snapped to the model's sizes) with a mask over the new area ----
let composedByOutpaint: string | undefined;
const outpaint = createOutpaintPanel($('outpaint'), () => model?.sizeRule ?? SDXL_SIZE_RULE, (result) => {
  composedByOutpaint = result.init_image;
  painterImage = result.init_image;
  void painter.setImage(result.init_image, result.mask);
  const draft: RequestDraft = { ...form.get(), init_image: result.init_image, width: result.width, height: result.height, outpainting: true };
  delete draft.mask_image; // the painter hands in the new area's mask
  setDraft(draft);
});

/** A picture brought in (drop, paste, file, or a result): the init image of the current image mode. */
function takeImage(b64: string, from: 'user' | 'result'): void {
  const draft: RequestDraft = { ...form.get(), init_image: b64 };
  // Inpainting a result again keeps the painted mask (same size); a new picture starts without one.
  if (!(from === 'result' && mode === 'inpaint')) delete draft.mask_image;
  if (mode === 'outpaint') draft.outpainting = true;
  else delete draft.outpainting;
  if (mode === 'txt2img') mode = 'img2img';
  setDraft(draft);
}
listenForImages(document.body, (b64) => takeImage(b64, 'user'), (message) => setStatus(message, 'error'));
$('image-pick').addEventListener('click', () => $('image-file').click());
$<HTMLInputElement>('image-file').addEventListener('change', () => {
  const file = $<HTMLInputElement>('image-file').files?.[0];
  if (file) void blobToBase64(file).then((b64) => takeImage(b64, 'user'));
  $<HTMLInputElement>('image-file').value = '';
});

// --- Live notes: token counts per chunk, and what the chosen style adds ----------------------------------
let countTimer: ReturnType<typeof setTimeout> | undefined;
function updateFieldInfo(draft: RequestDraft): void {
  form.setInfo('style_preset', describeStyle(String(draft.style_preset ?? 'base')));
  clearTimeout(countTimer);
  countTimer = setTimeout(() => {
    for (const field of ['prompt', 'negative_prompt', 'prompt_2', 'negative_prompt_2'] as const) {
      const text = typeof draft[field] === 'string' ? (draft[field] as string) : '';
      const note = field === 'negative_prompt_2' ? describeNegative2(draft) : '';
      void generator.countTokens(text).then((c) => form.setInfo(field, note || (c && text ? describeTokens(c) : '')));
    }
  }, 150);
}
jsonText.addEventListener('input', () => {
  try {
    const parsed: unknown = JSON.parse(jsonText.value);
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('the request must be a JSON object');
    jsonError.textContent = '';
    form.set(parsed as RequestDraft);
    saveDraft(parsed as RequestDraft);
    updateFieldInfo(parsed as RequestDraft);
    syncImageViews(parsed as RequestDraft);
    assetUi.showDraft(parsed as RequestDraft);
  } catch (e) {
    jsonError.textContent = `Not valid JSON yet: ${e instanceof Error ? e.message : String(e)}`;
  }
});
for (const [tab, show] of [['tab-form', 'request-form'], ['tab-json', 'json-view']] as const) {
  $(tab).addEventListener('click', () => {
    for (const [t, s] of [['tab-form', 'request-form'], ['tab-json', 'json-view']] as const) {
      $(t).classList.toggle('active', t === tab);
      $(t).setAttribute('aria-selected', String(t === tab));
      $(s).hidden = s !== show;
    }
  });
}
const initialDraft = loadDraft() ?? { prompt: 'a lighthouse on a cliff at sunset, dramatic clouds, detailed, cinematic lighting' };
form.set(initialDraft);
jsonText.value = JSON.stringify(initialDraft, null, 2);
updateFieldInfo(initialDraft);
syncImageViews(initialDraft);
// The draft's pictures are kept in IndexedDB (too large for localStorage): back they come, unless one was picked since.
void loadDraftImages().then((images) => {
  const draft = form.get();
  if (images.init_image !== undefined && draft.init_image === undefined) setDraft({ ...draft, ...images });
});
const defaults = CHECKPOINT_DEFAULTS[DEFAULT_CHECKPOINT]!;
form.setPlaceholders({
  steps: String(defaults.steps), cfg_scale: String(defaults.cfg_scale), sampler: defaults.sampler, seed: 'random', negative_prompt: 'none',
  prompt_2: 'the prompt', negative_prompt_2: 'the negative prompt', clip_skip: '0',
});
form.setSizePresets(SDXL_SIZES);

// --- Validation: the same schema the worker uses, plus the loaded model's sizes --------------------------
const validate = (draft: unknown): FieldError[] => checkForModel(draft, model);

function showErrors(detail: FieldError[]): void {
  const unplaced = form.showErrors(detail);
  const summary = $('form-errors');
  summary.hidden = detail.length === 0;
  summary.textContent = detail.length ? `${detail.length} problem${detail.length > 1 ? 's' : ''} to fix before generating${unplaced.length ? `: ${unplaced.map((d) => d.msg).join(' ')}` : '.'}` : '';
}

// --- Models ---------------------------------------------------------------------------------------------
const tinyAvailable = fetch('models/tiny-sdxl/model_index.json', { method: 'HEAD' }).then((r) => r.ok, () => false);
const panel = createModelPanel($('model-panel'), {
  load: (ref, name) => void loadModel(ref, name).catch(() => undefined),
  cancel: () => generator.cancelLoad(),
}, tinyAvailable);
const deviceModels = createDeviceModels($('device-models'), {
  load: (id, name) => void loadModel(id, name).catch(() => undefined),
  verify: async (id) => {
    const r = await generator.verifyModel(id);
    await refreshDeviceModels();
    return r;
  },
  remove: async (id) => {
    await generator.deleteModel(id);
    await refreshDeviceModels();
  },
});
// The memory setting lives in the same card as the stored models.
$('device-models').append($('memory-card'));
async function refreshDeviceModels(): Promise<void> {
  const [models, storage] = await Promise.all([generator.cachedModels(), generator.storage()]);
  deviceModels.show(models, storage);
  panel.showCached(models);
  assetUi.modelsChanged();
}

/** A loaded record's recommended defaults fill the fields the user has left empty (and become the placeholders). */
function applyRecordDefaults(report: LoadedModelReport): void {
  const defaults = report.record?.defaults ?? {};
  const draft = form.get();
  let changed = false;
  for (const [field, value] of Object.entries(defaults)) {
    if (value === undefined || draft[field] !== undefined) continue;
    draft[field] = value;
    changed = true;
  }
  if (changed) setDraft(draft);
  form.setPlaceholders(Object.fromEntries(Object.entries(defaults).map(([k, v]) => [k, String(v)])));
}

async function loadModel(ref: ModelRef, name = typeof ref === 'string' ? ref : 'model', onProgress?: (p: ModelLoadProgress) => void, persist = true): Promise<LoadedModelReport> {
  panel.showLoading(name);
  // Ask once for persistent storage (window-only), so the browser does not evict gigabytes of weights under pressure.
  if (persist) await navigator.storage?.persist?.().catch(() => false);
  try {
    let downloaded = false;
    const report = await track('download', generator.loadModel(ref, (p) => {
      panel.showProgress(p);
      onProgress?.(p);
      // Once, when the download is over and sessions start: the stored model's row is complete now.
      if (p.stage === 'session' && !downloaded) {
        downloaded = true;
        void refreshDeviceModels();
      }
    }));
    model = report;
    applyRecordDefaults(report);
    showMemory();
    void refreshDeviceModels();
    outpaint.refresh();
    panel.showLoaded(report);
    if (report.sizeRule.kind === 'list') form.setSizePresets(report.sizeRule.sizes);
    else {
      const { min, max } = report.sizeRule;
      const presets: Size[] = ([[64, 64], [96, 64], [64, 96], [128, 128], [256, 256], [512, 512], [1024, 1024]] as Size[])
        .filter(([w, h]) => w >= min && h >= min && w <= max && h <= max);
      form.setSizePresets(presets);
    }
    form.setPlaceholders({ width: String(report.defaultSize[0]), height: String(report.defaultSize[1]) });
    setStatus('Model ready. Write a prompt and generate.', 'ok');
    updateFieldInfo(form.get());
    return report;
  } catch (e) {
    panel.showError(e instanceof Error ? e.message : String(e));
    setStatus(e instanceof Error ? e.message : String(e), 'error');
    void refreshDeviceModels();
    throw e;
  }
}

// --- Memory: what the sessions hold, and the low-memory setting (remembered across visits) ---------------------
const lowMemory = $<HTMLInputElement>('low-memory');
const MEMORY_KEY = 'sdxl-web:release-text-encoders';
lowMemory.checked = localStorage.getItem(MEMORY_KEY) === '1';
void generator.setReleaseTextEncoders(lowMemory.checked);
lowMemory.addEventListener('change', () => {
  localStorage.setItem(MEMORY_KEY, lowMemory.checked ? '1' : '0');
  void generator.setReleaseTextEncoders(lowMemory.checked).then(showMemory);
});
function showMemory(): void {
  void generator.memory().then((m) => {
    const out = $('memory-info');
    if (!m) return void (out.textContent = '');
    const parts = Object.entries(m.components).map(([name, c]) => `${name} ${formatBytes(c.bytes)}${c.resident ? '' : ' (released)'}`);
    out.textContent = `Resident model memory: ${formatBytes(m.residentBytes)} — ${parts.join(', ')}`;
  });
}

// --- Generation -----------------------------------------------------------------------------------------
const progress = $('progress');
const livePreview = createPreviewView($('live-preview'));
const generateButton = $<HTMLButtonElement>('generate');
const cancelButton = $<HTMLButtonElement>('cancel');

/** A generation counts as running until its result is stored, so an update reload never loses it. */
function generate(request: RequestDraft, options: GenerateOptions = {}): Promise<GalleryEntry['response']> {
  return track('generation', runGeneration(request, options));
}

async function runGeneration(request: RequestDraft, options: GenerateOptions): Promise<GalleryEntry['response']> {
  if (!model) throw new SdxlError({ code: 'model_not_loaded', message: 'No model is loaded: load one first.' });
  const controller = new AbortController();
  options.signal?.addEventListener('abort', () => controller.abort());
  if (options.signal?.aborted) controller.abort();
  running = controller;
  generateButton.disabled = true;
  cancelButton.hidden = false;
  setStatus('Generating…');
  try {
    const response = await generator.generate(request as never, {
      signal: controller.signal,
      maskBlur: options.maskBlur,
      cfgBatch: options.cfgBatch,
      imageBatch: options.imageBatch,
      vaeTiling: options.vaeTiling,
      preview: options.preview,
      onProgress: (p) => {
        showProgress(progress, p);
        livePreview.show(p);
        options.onProgress?.(p);
      },
    });
    assetUi.afterRun(request, response);
    const entry: GalleryEntry = { response, request, createdAt: Date.now() };
    history = addResult(history, entry);
    renderGallery($('gallery'), history, galleryActions);
    setStatus(`Done in ${(response.latency_ms / 1000).toFixed(1)} s.`, 'ok');
    showMemory();
    // Shown at once; if the browser will not store it, it is marked so (with the reason) rather than lost silently.
    if (!(await storeResult(entry))) {
      renderGallery($('gallery'), history, galleryActions);
      setStatus(`Done, but not saved — ${entry.notSaved}.`, 'error');
    }
    return response;
  } catch (e) {
    if (e instanceof SdxlError && e.detail) showErrors(e.detail);
    setStatus(e instanceof SdxlError && e.code === 'cancelled' ? 'Cancelled.' : e instanceof Error ? e.message : String(e), e instanceof SdxlError && e.code === 'cancelled' ? 'info' : 'error');
    throw e;
  } finally {
    running = undefined;
    generateButton.disabled = false;
    cancelButton.hidden = true;
    showProgress(progress, undefined);
    livePreview.hide();
  }
}

function setDraft(draft: RequestDraft): void {
  form.set(draft);
  jsonText.value = JSON.stringify(draft, null, 2);
  saveDraft(draft);
  syncImageViews(draft);
  assetUi.showDraft(draft);
}

/** Tries again to store a result the browser refused (after space was freed). */
async function saveAgain(entry: GalleryEntry): Promise<void> {
  const saved = await storeResult(entry);
  renderGallery($('gallery'), history, galleryActions);
  setStatus(saved ? 'Saved: the result will be here after a reload.' : `Still not saved — ${entry.notSaved}.`, saved ? 'ok' : 'error');
}

const galleryActions = {
  retrySave: (entry: GalleryEntry) => void saveAgain(entry),
  // Frees room by deleting the five oldest stored results (the user's choice, and they leave the gallery too).
  deleteOldest: (entry: GalleryEntry) => void deleteOldestEntries(5).then(
    (keys) => {
      history = history.filter((e) => e === entry || !keys.includes(e.createdAt));
      return saveAgain(entry);
    },
    (e: unknown) => setStatus(`Could not delete old results: ${e instanceof Error ? e.message : String(e)}`, 'error'),
  ),
  reuseSeed: (seed: number) => setDraft({ ...form.get(), seed, num_images: 1 }),
  // The painted mask stays (same size), so a region can be repainted again and again; Clear removes it.
  useAsInit: (imageB64: string) => {
    takeImage(imageB64, 'result');
    $('painter').scrollIntoView({ behavior: 'smooth', block: 'nearest' });
  },
};

generateButton.addEventListener('click', () => {
  $('engine-notice').hidden = true;
  const draft = form.get();
  const problems = validate(draft);
  showErrors(problems);
  if (problems.length > 0) {
    setStatus('Fix the highlighted fields first; nothing was generated.', 'error');
    return;
  }
  // The form's runs show live previews (window.sdxl.generate asks for them with options.preview).
  void generate(draft, { maskBlur: painter.maskBlur(), preview: true }).catch(() => undefined);
});
cancelButton.addEventListener('click', () => running?.abort());
document.addEventListener('keydown', (e) => {
  if ((e.ctrlKey || e.metaKey) && e.key === 'Enter') generateButton.click();
});

// --- Start-up -------------------------------------------------------------------------------------------
void generator.adapter().then((a) => {
  showAdapter($('adapter'), $('fallback-banner'), a, $('adapter-details'));
  panel.showAdapter(a);
});
void refreshDeviceModels();
void loadHistory().then((h) => {
  history = withStored(history, h);
  renderGallery($('gallery'), history, galleryActions);
});
void followLink(location.search, { generator, status: setStatus, load: (ref, persist) => loadModel(ref, undefined, undefined, persist) });

const api: SdxlPageApi = {
  ...assets,
  generate: (request, options) => generate(request as RequestDraft, options),
  loadModel: (ref, onProgress) => loadModel(ref, undefined, onProgress),
  cachedModels: () => generator.cachedModels(),
  deleteModel: async (id) => {
    const storage = await generator.deleteModel(id);
    await refreshDeviceModels();
    return storage;
  },
  verifyModel: (id) => generator.verifyModel(id),
  storage: () => generator.storage(),
  cancelLoad: () => generator.cancelLoad(),
  setReleaseTextEncoders: async (on) => {
    const m = await generator.setReleaseTextEncoders(on);
    lowMemory.checked = on;
    showMemory();
    return m;
  },
  memory: () => generator.memory(),
  validate: (request) => validate(request),
  adapter: () => generator.adapter(),
  model: () => model,
  stats: () => generator.stats(),
  checkForUpdate: () => updates.check(),
  version: () => __BUILD_ID__,
};
window.sdxl = api;
// Same-origin POST <base>generate/sdxl (OctoAI's endpoint) is answered by the service worker through this page.
serveGenerateBridge({ model: () => (model ? model.record?.name ?? 'model' : undefined), generate: (body, options) => generate(body as RequestDraft, options) });
