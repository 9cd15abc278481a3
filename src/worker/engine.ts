// The engine inside the worker: one request at a time in a queue, requests and options validated, failures mapped to
// error codes, results as Result values. Loading is model-loader.ts, the sessions ModelSessions, a run generation-run.ts.
import { CancelledError, type ProgressEvent, type ProgressListener } from '../pipeline/progress';
import { chunkCount, tokenizePrompt } from '../pipeline/prompt-encoding';
import type { PreparedImages } from '../pipeline/image-modes';
import { DEFAULT_MASK_BLUR } from '../schema/generation-options';
import type { ResolvedRequest } from '../schema/validate';
import type { EngineErrorData, GenerateResponse } from '../schema/response';
import { DownloadError } from '../runtime/download-file';
import type { SessionEvent, SessionOpener } from '../runtime/load-sdxl';
import type { ModelCache, StorageApi } from '../runtime/model-cache';
import type { ModelFiles } from '../runtime/model-files';
import { RunClock, type Ort } from '../runtime/ort-runner';
import type { LoadedOrt, OrtBuildChoice } from '../runtime/ort-build-types';
import type { AdapterReport } from '../runtime/webgpu-adapter';
import { WasmMemoryError } from '../runtime/wasm-fit';
import type { RgbaImage } from '../pipeline/image-tensors';
import { classifyFailure, loadFailure } from './engine-errors';
import { FieldRefusal, runGeneration } from './generation-run';
import { RefinerRequestError } from '../pipeline/refiner-split';
import { checkRun } from './request-check';
import { chooseCheckpoint } from './checkpoint-choice';
import { resolveRunAssets, type AssetSource } from './run-assets';
import { AssetLibrary } from './asset-library';
import { storeAssetSource, storeOverlays } from './store-asset-source';
import type { AssetStore } from '../runtime/asset-store';
import type { ByteStore } from '../runtime/byte-store';
import type { LoraVariantOptions } from '../runtime/lora-variant';
import { answer, loadModel, type LoadedEntry } from './model-loader';
import { decodeRequestImages, NO_VAE_ENCODER } from './request-images';
import { ModelLibrary, type LinkPreview, type ModelRef, type StorageReport } from './model-library';
import type { DownloadProgress, EngineApi, EngineInit, GenerationOptions, GenerationStats, LoadedModelReport, LoadListener, MemoryReport, Result, TokenCount } from './protocol';

export { DEFAULT_MASK_BLUR, MAX_MASK_BLUR } from '../schema/generation-options';
export { OUTPAINT_MIN_STRENGTH } from '../pipeline/image-modes';

export interface EngineDeps {
  /** onnxruntime-web: the module itself (Node), or a loader that picks a build (the browser: JSPI or asyncify). */
  ort: Ort | ((choice: OrtBuildChoice) => Promise<LoadedOrt>);
  /** Finds the adapter; `forceWasm` skips WebGPU (for comparisons and broken drivers). */
  probe(forceWasm: boolean): Promise<AdapterReport>;
  /** Where a base URL's files come from when there is no cache (Node tests). */
  files(baseUrl: string): ModelFiles;
  /** The on-device model cache for a Hub endpoint (OPFS in the browser); absent = read URLs directly. */
  cache?(hubEndpoint: string | undefined, init?: EngineInit): ModelCache | undefined;
  storage?: StorageApi;
  encodeImage(rgba: Uint8ClampedArray, width: number, height: number, format: 'png' | 'jpeg'): Promise<Uint8Array>;
  /** base64 image → RGBA at width × height (cover + centre crop); throws with a reason on bad data. */
  decodeImage(b64: string, width: number, height: number): Promise<RgbaImage>;
  /** Feather radius (px) of the inpainting paste-back. */
  maskBlur?: number;
  randomSeed(): number;
  now(): number;
  /** Why the GPU device was lost, once it has been (failures after that are `device_lost`). */
  deviceLost?(): Promise<string | undefined>;
  /** Opens sessions another way than onnxruntime-web's bytes and Blobs (Node: from file paths, src/node). */
  openSession?: SessionOpener;
  /** The asset library (in the model store) and the byte store fused LoRA overlays go to; absent = no assets. */
  assets?(init?: EngineInit): { store: AssetStore; bytes?: ByteStore } | undefined;
}

export const MODEL_DELETED = 'This model was deleted from this device (in another tab, or here): load it again to keep generating.';

/** Whether the UNet runs with graph capture on WebGPU unless the page says (README, "Static shapes and graph capture"). */
export const GRAPH_CAPTURE_DEFAULT = false;

const fail = (code: EngineErrorData['code'], message: string, detail?: EngineErrorData['detail']): { ok: false; error: EngineErrorData } =>
  ({ ok: false, error: detail ? { code, message, detail } : { code, message } });

export class Engine implements EngineApi {
  private model?: LoadedEntry;
  private releaseEncoders = false;
  private library?: ModelLibrary;
  private assetLib?: AssetLibrary;
  private assetSource?: AssetSource;
  private loraOptions: LoraVariantOptions = {};
  /** The load in progress: cancelLoad() aborts its download, or the load between two sessions. */
  private loadAbort?: AbortController;
  private readonly jobs = new Map<string, AbortController>();
  private queue: Promise<unknown> = Promise.resolve();
  private readonly clock = new RunClock();
  private stats?: GenerationStats;
  private adapterReport?: Promise<AdapterReport>;
  private ortLoaded?: Promise<LoadedOrt | { ort: Ort; build: 'node' }>;
  private loopChoice: 'device' | 'cpu' = 'device';
  private graphCapture = GRAPH_CAPTURE_DEFAULT;
  /** What the UNet's newest per-shape session did with graph capture. */
  private unetCapture: 'captured' | 'refused' | 'off' = 'off';
  private readonly onSession = (e: SessionEvent): void => {
    if (e.component !== 'unet' || (e.kind !== 'captured' && e.kind !== 'capture-refused')) return;
    this.unetCapture = e.kind === 'captured' ? 'captured' : 'refused';
    // Capture refused by the EP is worth a line in the console; the run goes on without it, the same images.
    if (e.kind === 'capture-refused') console.warn(`Graph capture refused for ${e.component} (${e.key}); running without it: ${e.message}`);
  };

  constructor(private readonly deps: EngineDeps) {}

  /** Chooses the execution provider once, before the first model load, and where Hub ids resolve. */
  init(options: EngineInit): Promise<AdapterReport> {
    this.adapterReport ??= this.deps.probe(options.forceWasm);
    if (options.loop) this.loopChoice = options.loop;
    if (options.graphCapture !== undefined) this.graphCapture = options.graphCapture;
    const ort = this.deps.ort;
    this.ortLoaded ??= typeof ort === 'function' ? ort(options.ortBuild ?? 'auto') : Promise.resolve({ ort, build: 'node' as const });
    if (!this.library) {
      // The cache's Hub is the default one (what the model list marks others against); a mirror is this session's choice.
      this.library = new ModelLibrary(this.deps.cache?.(undefined, options), this.deps.storage, this.deps.files);
      this.library.setHub(options.hubEndpoint);
      // The loaded model's files deleted (in another tab, or here): its sessions may run on, but nothing is read again.
      this.library.onDeleted((storeKey) => {
        if (this.model && this.model.sessions.files.storeKey === storeKey) this.model.sessions.deleted = true;
      });
      const assets = this.deps.assets?.(options);
      this.assetLib = new AssetLibrary(assets?.store);
      this.assetSource = assets && storeAssetSource(assets.store);
      if (assets?.bytes) this.loraOptions = storeOverlays(assets.bytes);
    }
    return this.adapterReport;
  }

  /** Where Hub repo ids resolve from now on: a mirror the user accepted, or undefined for the default Hub. */
  setHubEndpoint(endpoint: string | undefined): void {
    this.lib().setHub(endpoint);
  }

  /** What loading a reference would download (source, stored or not, size), asking the source for metadata only. */
  async previewModel(ref: string, options: { hub?: string; sizes: boolean }): Promise<Result<LinkPreview>> {
    try {
      return { ok: true, value: await this.lib().preview(ref, { ...options, provider: (await this.adapter()).provider }) };
    } catch (e) {
      return { ok: false, error: { ...loadFailure(e, ref), message: `Could not look up ${ref}: ${e instanceof Error ? e.message : String(e)}` } };
    }
  }

  private async ort(): Promise<Ort> {
    void this.init({ forceWasm: false });
    return (await this.ortLoaded!).ort;
  }

  /** Which onnxruntime-web build runs: 'jspi' or 'asyncify' in the browser, 'node' in the tests. */
  async ortBuild(): Promise<string> {
    void this.init({ forceWasm: false });
    return (await this.ortLoaded!).build;
  }

  private lib(): ModelLibrary {
    void this.init({ forceWasm: false });
    return this.library!;
  }

  adapter(): Promise<AdapterReport> {
    return this.init({ forceWasm: false });
  }

  lastStats(): GenerationStats | undefined {
    return this.stats;
  }

  /** Queued behind running generations, so sessions are never swapped mid-run. */
  loadModel(ref: ModelRef, onProgress?: LoadListener): Promise<Result<LoadedModelReport>> {
    return this.enqueue(async () => {
      try {
        return { ok: true, value: (await this.loadNow(ref, onProgress)).report };
      } catch (e) {
        return { ok: false, error: await this.loadError(e, ref) };
      }
    });
  }

  /** Loads (inside the queue) and makes it the model; the old one's sessions go once the new ones exist. */
  private async loadNow(ref: ModelRef, onProgress?: LoadListener): Promise<LoadedEntry> {
    const abort = new AbortController();
    this.loadAbort = abort;
    try {
      const ctx = {
        library: this.lib(), adapter: await this.adapter(), ort: await this.ort(), ortBuild: await this.ortBuild(), clock: this.clock,
        openSession: this.deps.openSession, graphCapture: this.graphCapture, onSession: this.onSession, now: this.deps.now, loraOptions: this.loraOptions,
      };
      const entry = await loadModel(ctx, ref, this.model, abort.signal, onProgress);
      if (entry !== this.model) {
        await this.model?.sessions.release();
        this.model = entry;
      }
      return entry;
    } finally {
      if (this.loadAbort === abort) this.loadAbort = undefined;
    }
  }

  private async loadError(e: unknown, ref: ModelRef): Promise<EngineErrorData> {
    // Cancel aborts either a file in flight or the Hub listing before it, or the load between two sessions.
    const cancelled = (e instanceof DownloadError && e.kind === 'cancelled') || (e instanceof Error && e.name === 'AbortError');
    if (cancelled && 'sessionStage' in (e as object)) return { code: 'cancelled', message: (e as Error).message };
    if (cancelled) return { code: 'cancelled', message: 'The download was cancelled; what arrived is kept, and loading again resumes it.' };
    if (e instanceof WasmMemoryError) return { code: 'exceeds_wasm_memory', message: e.message };
    const name = typeof ref === 'string' ? ref : 'local' in ref ? ref.local.name : ref.id;
    return loadFailure(e, name, await this.deps.deviceLost?.());
  }

  async countTokens(prompt: string): Promise<TokenCount | undefined> {
    if (!this.model) return undefined;
    const components = this.model.sessions.runners();
    const t = tokenizePrompt(components, prompt);
    return {
      tokens: t.chunks1.reduce((n, c) => n + c.tokens, 0),
      chunks: chunkCount(t),
      perChunk: components.tokenizer.maxLength - 2,
      lastChunk: t.chunks1[t.chunks1.length - 1]!.tokens,
    };
  }

  async setReleaseTextEncoders(on: boolean): Promise<MemoryReport | undefined> {
    this.releaseEncoders = on;
    // Turning it off brings them back now; turning it on frees them now (after any run in progress).
    await this.enqueue(async () => {
      const s = this.model?.sessions;
      await (on ? s?.releaseTextEncoders() : s?.restoreTextEncoders());
    });
    return this.memory();
  }

  memory(): MemoryReport | undefined {
    if (!this.model) return undefined;
    const components = this.model.sessions.resident();
    const residentBytes = Object.values(components).reduce((n, c) => n + (c.resident ? c.bytes : 0), 0);
    return { residentBytes, components, releaseTextEncoders: this.releaseEncoders };
  }

  cancelLoad(): void {
    this.lib().cancel();
    this.loadAbort?.abort();
  }

  cachedModels() {
    return this.lib().list();
  }

  deleteModel(id: string): Promise<StorageReport> {
    return this.lib().remove(id);
  }

  verifyModel(id: string) {
    return this.lib().verify(id);
  }

  storage(): Promise<StorageReport> {
    return this.lib().storage();
  }

  /** The asset library's page API (window.sdxl.addAsset and friends); every answer a Result. */
  assetLibrary(): AssetLibrary {
    void this.init({ forceWasm: false });
    return this.assetLib!;
  }

  addAsset(arg: unknown, onProgress?: (p: DownloadProgress) => void) {
    return this.assetLibrary().addAsset(arg, onProgress);
  }

  listAssets() {
    return this.assetLibrary().listAssets();
  }

  deleteAsset(name: string) {
    return this.assetLibrary().deleteAsset(name);
  }

  renameAsset(from: string, to: string) {
    return this.assetLibrary().renameAsset(from, to);
  }

  setActiveRefiner(name: string) {
    return this.assetLibrary().setActiveRefiner(name);
  }

  cancelAssetImport(): void {
    this.assetLibrary().cancel();
  }

  cancel(jobId: string): void {
    this.jobs.get(jobId)?.abort();
  }

  generate(jobId: string, body: unknown, onProgress?: ProgressListener, options: GenerationOptions = {}): Promise<Result<GenerateResponse>> {
    const controller = new AbortController();
    this.jobs.set(jobId, controller);
    // Every stage waits for the page's answer to its event: `true` (the page cancelled meanwhile) stops it there.
    const listener = async (p: ProgressEvent) => {
      if (await answer(onProgress, p)) controller.abort();
    };
    return this.enqueue(() => this.runGeneration(body, controller.signal, listener, options)).finally(() => this.jobs.delete(jobId));
  }

  /** One queue for loads, memory changes and generations: each starts when the one before has settled. */
  private enqueue<T>(run: () => Promise<T>): Promise<T> {
    const result = this.queue.then(run, run);
    this.queue = result;
    return result;
  }

  private async runGeneration(body: unknown, signal: AbortSignal, onProgress: (p: ProgressEvent) => Promise<void>, rawOptions: unknown): Promise<Result<GenerateResponse>> {
    let model = this.model;
    if (!model) return fail('model_not_loaded', 'No model is loaded: call loadModel(url) first.');
    if (model.sessions.deleted) return fail('model_deleted', MODEL_DELETED);
    let checked = checkRun(body, rawOptions, await this.checkContext(model));
    if (!checked.ok) return { ok: false, error: checked.error };
    const choice = chooseCheckpoint(checked.req.checkpoint, model.report.record?.id, await this.lib().list());
    if (choice.kind === 'unknown') return fail('invalid_request', 'The request is invalid.', [choice.error]);
    if (choice.kind === 'load') {
      // Another stored model for this request: it is loaded (from the device, no download) and stays loaded.
      await onProgress({ stage: 'session', component: 'unet', image: 0, images: checked.req.num_images, step: 0, steps: 0 });
      try {
        model = await this.loadNow(choice.folder);
      } catch (e) {
        return { ok: false, error: await this.loadError(e, choice.folder) };
      }
      checked = checkRun(body, rawOptions, await this.checkContext(model));
      if (!checked.ok) return { ok: false, error: checked.error };
    }
    const { req, options } = checked;
    const assets = await resolveRunAssets(req, this.assetSource);
    if (!assets.ok) return fail('invalid_request', 'The request is invalid.', assets.detail);
    const images = await this.requestImages(req, model);
    if ('error' in images) return { ok: false, error: images.error };
    try {
      const ctx = {
        sessions: model.sessions, provider: model.report.provider, clock: this.clock, releaseEncoders: this.releaseEncoders,
        loop: this.loopChoice, unetCapture: this.unetCapture, encodeImage: this.deps.encodeImage, randomSeed: this.deps.randomSeed, now: this.deps.now,
      };
      const settings = { options, assets: assets.assets, maskBlur: options.maskBlur ?? this.deps.maskBlur ?? DEFAULT_MASK_BLUR, tileLatent: checked.tileLatent };
      const run = await runGeneration(ctx, req, images, settings, signal, onProgress);
      this.stats = run.stats;
      const ms = Math.round(run.totalMs);
      return { ok: true, value: { images: run.images, latency_ms: ms, prediction_time_ms: ms, ...(run.warnings.length > 0 ? { warnings: run.warnings } : {}) } };
    } catch (e) {
      if (e instanceof CancelledError) return fail('cancelled', 'Generation was cancelled.');
      if (e instanceof FieldRefusal || e instanceof RefinerRequestError) return fail('invalid_request', 'The request is invalid.', e.detail);
      return { ok: false, error: classifyFailure(e, 'generate', fail('internal', `Generation failed: ${e instanceof Error ? e.message : String(e)}`).error, await this.deps.deviceLost?.()) };
    }
  }

  private async checkContext(model: LoadedEntry) {
    return { info: model.sessions.info, adapter: await this.adapter(), lowMemory: this.releaseEncoders, components: model.sessions.runners() };
  }

  /** The request's pictures; a model whose record names its VAE encoder elsewhere fetches it now, once. */
  private async requestImages(req: ResolvedRequest, model: LoadedEntry): Promise<PreparedImages | { error: EngineErrorData }> {
    if (req.init_image === undefined) return { value: undefined };
    const record = model.report.record;
    if (!model.sessions.info.hasVaeEncoder && record?.components.vae_encoder) {
      try {
        await model.sessions.addVaeEncoder(await this.lib().component(record, 'vae_encoder'));
        model.report.hasVaeEncoder = true;
      } catch (e) {
        const cause = loadFailure(e, 'the VAE encoder');
        return { error: { ...cause, message: `Image-to-image needs the VAE encoder, which could not be fetched: ${e instanceof Error ? e.message : String(e)}` } };
      }
    }
    if (!model.sessions.info.hasVaeEncoder) return { error: NO_VAE_ENCODER };
    return decodeRequestImages(req, this.deps.decodeImage);
  }
}
