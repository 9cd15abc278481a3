// The engine inside the worker: one loaded model, sessions reused across requests, one generation at a time.
import { bytesToBase64 } from '../pipeline/base64';
import { CancelledError, throwIfCancelled, type ProgressEvent, type ProgressListener } from '../pipeline/progress';
import { chunkCount, tokenizePrompt } from '../pipeline/prompt-encoding';
import { IMPLEMENTED_SAMPLERS } from '../pipeline/schedulers';
import { generate, type ImageInputs } from '../pipeline/generate';
import { binarizeMask, type RgbaImage } from '../pipeline/image-tensors';
import type { CropBox } from '../pipeline/crop-region';
import { fullResCrop, fullResPasteBack } from '../pipeline/inpaint-full-res';
import { base64ImageHeader, imageProblem, maskMismatch } from '../pipeline/image-header';
import { outpaintFill } from '../pipeline/outpaint-fill';
import { pasteBack } from '../pipeline/paste-back';
import { unsupportedFields } from '../schema/engine-support';
import { DEFAULT_CHECKPOINT, DEFAULT_STRENGTH } from '../schema/request';
import type { ResolvedRequest } from '../schema/validate';
import type { EngineErrorData, FieldError, GenerateResponse } from '../schema/response';
import { validateRequest } from '../schema/validate';
import { DownloadError } from '../runtime/download-file';
import { createComponentSession, loadSdxl, type LoadedModel, type SessionEvent, type SessionOpener } from '../runtime/load-sdxl';
import type { ModelCache, StorageApi } from '../runtime/model-cache';
import type { ModelFiles } from '../runtime/model-files';
import { RunClock, type Ort, type OrtRunner } from '../runtime/ort-runner';
import { gpuCounters } from '../runtime/gpu-counters';
import { transferLedger } from '../runtime/transfer-ledger';
import type { LoadedOrt, OrtBuildChoice } from '../runtime/ort-build-types';
import type { AdapterReport } from '../runtime/webgpu-adapter';
import { WasmMemoryError } from '../runtime/wasm-fit';
import { classifyFailure } from './engine-errors';
import { batchingOptionErrors } from './generation-options';
import { generationStats } from './generation-stats';
import { decideVaeTiling } from './vae-tiling';
import { ModelLibrary, type LinkPreview, type ModelRef, type StorageReport } from './model-library';
import type { EngineApi, EngineInit, GenerationOptions, GenerationStats, LoadedModelReport, LoadListener, MemoryReport, Result, TokenCount } from './protocol';

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
}

/** The paste-back's feather radius (px) unless a generation asks for another, and the largest it may ask for. */
export const DEFAULT_MASK_BLUR = 4;
export const MAX_MASK_BLUR = 64;

/** Outpainting repaints the new area from its smooth pre-fill with at least this strength. */
export const OUTPAINT_MIN_STRENGTH = 0.85;

export const MODEL_DELETED = 'This model was deleted from this device (in another tab, or here): load it again to keep generating.';

/** What a page callback answered: `true` asks to stop here. A callback that throws is ignored, as a fire-and-forget one was. */
async function answer<T>(listener: ((p: T) => unknown) | undefined, p: T): Promise<boolean> {
  if (!listener) return false;
  try {
    return (await listener(p)) === true;
  } catch {
    return false;
  }
}

/** A load stopped by cancelLoad() between two sessions. */
const loadCancelled = () => Object.assign(new Error('Loading was cancelled; the downloaded files are kept, and loading again only re-creates the sessions.'), { name: 'AbortError', sessionStage: true });

const fail = (code: EngineErrorData['code'], message: string, detail?: EngineErrorData['detail']): { ok: false; error: EngineErrorData } =>
  ({ ok: false, error: detail ? { code, message, detail } : { code, message } });

/** The decoded image side of a request: what the pipeline runs on, and what the paste-back needs afterwards. */
interface RequestImages {
  value: ImageInputs | undefined;
  /** The picture before the outpainting pre-fill. */
  original?: RgbaImage;
  /** inpaint_full_res: the init image and mask at width × height, and the box that was repainted. */
  fullRes?: { init: RgbaImage; mask: RgbaImage; box: CropBox };
}

/** Whether the UNet runs with graph capture on WebGPU unless the page says (README, "Static shapes and graph capture"). */
export const GRAPH_CAPTURE_DEFAULT = false;

export class Engine implements EngineApi {
  private model?: { key: string; loaded: LoadedModel; report: LoadedModelReport; files: ModelFiles; encodersReleased: boolean; deleted?: boolean };
  private releaseEncoders = false;
  private library?: ModelLibrary;
  private loading?: Promise<Result<LoadedModelReport>>;
  /** The load in progress (its sessions): cancelLoad() aborts it between two sessions. */
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
        if (this.model && this.model.files.storeKey === storeKey) this.model.deleted = true;
      });
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
      return fail('model_load_failed', `Could not look up ${ref}: ${e instanceof Error ? e.message : String(e)}`);
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

  loadModel(ref: ModelRef, onProgress?: LoadListener): Promise<Result<LoadedModelReport>> {
    const name = typeof ref === 'string' ? ref : 'local' in ref ? ref.local.name : ref.id;
    // Loads queue behind running generations so sessions are never swapped mid-run.
    const run = async (): Promise<Result<LoadedModelReport>> => {
      const adapter = await this.adapter();
      const start = this.deps.now();
      const abort = new AbortController();
      this.loadAbort = abort;
      try {
        const source = await this.lib().resolve(ref, adapter, (p) => void onProgress?.({ stage: 'download', ...p }));
        if (this.model?.key === source.key && !this.model.deleted) return { ok: true, value: this.model.report };
        const loaded = await loadSdxl(source.files, {
          ort: await this.ort(), provider: adapter.provider, clock: this.clock, openSession: this.deps.openSession, graphCapture: this.graphCapture, onSession: this.onSession, onProgress: (p) => void onProgress?.({ stage: 'session', ...p }),
          // Each session starts with an event the page answers; a cancel from it (or sent meanwhile) stops the load there.
          checkpoint: async (component) => {
            if (component && await answer(onProgress, { stage: 'session', component, file: `${component}/model.onnx`, received: 0 })) abort.abort();
            await new Promise((resolve) => setTimeout(resolve, 0));
            if (abort.signal.aborted) throw loadCancelled();
          },
        });
        await this.model?.loaded.release();
        const report: LoadedModelReport = {
          ...loaded.info, load_ms: this.deps.now() - start, provider: adapter.provider, cached: source.cached, ortBuild: await this.ortBuild(),
          ...(source.record ? { record: source.record } : {}), ...(source.persisted !== undefined ? { persisted: source.persisted } : {}),
          ...(source.foreignHost ? { foreignHost: source.foreignHost } : {}),
        };
        this.model = { key: source.key, loaded, report, files: source.files, encodersReleased: false };
        return { ok: true, value: report };
      } catch (e) {
        // Cancel aborts either a file in flight or the Hub listing before it.
        const cancelled = (e instanceof DownloadError && e.kind === 'cancelled') || (e instanceof Error && e.name === 'AbortError');
        if (cancelled && 'sessionStage' in (e as object)) return fail('cancelled', (e as Error).message);
        if (cancelled) return fail('cancelled', 'The download was cancelled; what arrived is kept, and loading again resumes it.');
        if (e instanceof WasmMemoryError) return fail('exceeds_wasm_memory', e.message);
        return { ok: false, error: classifyFailure(e, 'load', fail('model_load_failed', `Could not load ${name}: ${e instanceof Error ? e.message : String(e)}`).error, await this.deps.deviceLost?.()) };
      } finally {
        if (this.loadAbort === abort) this.loadAbort = undefined;
      }
    };
    const result = this.queue.then(run, run);
    this.queue = result;
    return result;
  }

  async countTokens(prompt: string): Promise<TokenCount | undefined> {
    if (!this.model) return undefined;
    const t = tokenizePrompt(this.model.loaded.components, prompt);
    return {
      tokens: t.chunks1.reduce((n, c) => n + c.tokens, 0),
      chunks: chunkCount(t),
      perChunk: this.model.loaded.components.tokenizer.maxLength - 2,
      lastChunk: t.chunks1[t.chunks1.length - 1]!.tokens,
    };
  }

  async setReleaseTextEncoders(on: boolean): Promise<MemoryReport | undefined> {
    this.releaseEncoders = on;
    // Turning it off brings them back now; turning it on frees them now (after any run in progress).
    const run = () => (on ? this.releaseTextEncoders() : this.restoreTextEncoders());
    this.queue = this.queue.then(run, run);
    await this.queue;
    return this.memory();
  }

  memory(): MemoryReport | undefined {
    if (!this.model) return undefined;
    const { componentBytes } = this.model.loaded.info;
    const components: MemoryReport['components'] = {};
    for (const [name, bytes] of Object.entries(componentBytes)) {
      components[name] = { bytes, resident: !(this.model.encodersReleased && name.startsWith('text_encoder')) };
    }
    if (this.model.loaded.components.vaeEncoder && !components.vae_encoder) components.vae_encoder = { bytes: 0, resident: true };
    const residentBytes = Object.values(components).reduce((n, c) => n + (c.resident ? c.bytes : 0), 0);
    return { residentBytes, components, releaseTextEncoders: this.releaseEncoders };
  }

  private async releaseTextEncoders(): Promise<void> {
    const m = this.model;
    if (!m || m.encodersReleased) return;
    m.encodersReleased = true;
    await Promise.all([m.loaded.components.textEncoder, m.loaded.components.textEncoder2].map((r) => (r as OrtRunner).release()));
  }

  private async restoreTextEncoders(): Promise<void> {
    const m = this.model;
    if (!m?.encodersReleased) return;
    const { provider } = await this.adapter();
    const opts = { ort: await this.ort(), provider, clock: this.clock, openSession: this.deps.openSession };
    m.loaded.components.textEncoder = (await createComponentSession(m.files, 'text_encoder', opts)).runner;
    m.loaded.components.textEncoder2 = (await createComponentSession(m.files, 'text_encoder_2', opts)).runner;
    m.encodersReleased = false;
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
    const run = () => this.runGeneration(body, controller.signal, listener, options);
    const result = this.queue.then(run, run).finally(() => this.jobs.delete(jobId));
    this.queue = result;
    return result;
  }

  private async runGeneration(body: unknown, signal: AbortSignal, onProgress: (p: ProgressEvent) => Promise<void>, options: GenerationOptions): Promise<Result<GenerateResponse>> {
    if (!this.model) return fail('model_not_loaded', 'No model is loaded: call loadModel(url) first.');
    if (this.model.deleted) return fail('model_deleted', MODEL_DELETED);
    const maskBlur = options.maskBlur ?? this.deps.maskBlur ?? DEFAULT_MASK_BLUR;
    if (!Number.isInteger(maskBlur) || maskBlur < 0 || maskBlur > MAX_MASK_BLUR) {
      return fail('invalid_request', 'The generation options are invalid.', [{ loc: ['options', 'maskBlur'], msg: `maskBlur must be a whole number of pixels from 0 to ${MAX_MASK_BLUR}.`, type: 'value_error' }]);
    }
    const batchingErrors = batchingOptionErrors(options);
    if (batchingErrors.length > 0) return fail('invalid_request', 'The generation options are invalid.', batchingErrors);
    const { loaded } = this.model;
    const start = this.deps.now();
    const v = validateRequest(body, { sizeRule: loaded.info.sizeRule, maxClipSkip: loaded.info.maxClipSkip }, loaded.info.defaultSize);
    if (!v.ok) return fail('invalid_request', 'The request is invalid.', v.detail);
    const unsupported = unsupportedFields(v.request, { samplers: IMPLEMENTED_SAMPLERS });
    if (unsupported.length > 0) return fail('not_supported', 'The request uses fields this engine does not support yet.', unsupported);
    const req = v.request;
    const tiling = decideVaeTiling(options.vaeTiling, { adapter: await this.adapter(), lowMemory: this.releaseEncoders, components: loaded.components, width: req.width, height: req.height });
    if (!tiling.ok) return fail('invalid_request', 'The generation options are invalid.', tiling.detail);
    const images = await this.requestImages(req, loaded);
    if ('error' in images) return { ok: false, error: images.error };
    this.clock.reset();
    const gpuMark = gpuCounters.installed ? gpuCounters.mark() : undefined;
    const transferMark = transferLedger.mark();
    try {
      if (this.model?.encodersReleased) {
        // Low-memory mode: the text encoders' sessions come back first (both, then the check, so none is left half-made).
        await onProgress({ stage: 'session', component: 'text_encoder', image: 0, images: req.num_images, step: 0, steps: 0 });
        throwIfCancelled(signal);
        await this.restoreTextEncoders();
        throwIfCancelled(signal);
      }
      let encoded = false;
      const result = await generate(loaded.components, { ...req, images: images.value }, {
        signal, randomSeed: this.deps.randomSeed, now: this.deps.now,
        onProgress: (p) => {
          // The prompt is encoded once per request: in low-memory mode the encoders go as soon as denoising starts.
          if (!encoded && p.stage !== 'encode_prompt' && this.releaseEncoders) void this.releaseTextEncoders();
          encoded ||= p.stage !== 'encode_prompt';
          return onProgress(p);
        },
        yieldToHost: () => new Promise((resolve) => setTimeout(resolve, 0)),
        deviceLoop: this.loopChoice === 'device',
        // The Lightning checkpoint is distilled on trailing timesteps, whatever spacing its config file names.
        timestepSpacing: req.checkpoint === DEFAULT_CHECKPOINT ? 'trailing' : undefined,
        cfgBatch: options.cfgBatch, imageBatch: options.imageBatch,
        vaeTileLatent: tiling.tileLatent,
      });
      const out = [];
      for (const img of result.images) {
        // Inpainting gives back the user's own pixels outside the mask, with a feathered seam; inpaint_full_res
        // pastes the repainted box back as diffusers' apply_overlay does (the mask as sent, no feathering).
        const inputs = images.value;
        const { fullRes } = images;
        const rgba = fullRes
          ? fullResPasteBack(fullRes.init, fullRes.mask, img, fullRes.box)
          : inputs?.mask
            ? pasteBack(images.original ?? inputs.init, img, binarizeMask(inputs.mask), maskBlur)
            : img.rgba;
        const bytes = await this.deps.encodeImage(rgba, img.width, img.height, req.image_encoding);
        out.push({ image_b64: bytesToBase64(bytes), seed: img.seed, removed_for_safety: false, width: img.width, height: img.height });
      }
      const total = this.deps.now() - start;
      const gpu = gpuMark && gpuCounters.end(gpuMark);
      const { components } = loaded;
      this.stats = {
        ...generationStats({
          provider: this.model!.report.provider, clock: this.clock, encodeMs: result.timings.encode_prompt, totalMs: total,
          denoiseLoop: result.denoiseLoop, denoiseSteps: result.denoiseSteps,
          latent: [components.latentChannels, req.height / components.vaeScaleFactor, req.width / components.vaeScaleFactor],
          transfers: transferLedger.since(transferMark),
          gpu: this.model!.report.provider === 'webgpu' ? gpu : undefined,
          vaeTilePx: result.images.some((i) => (i.tiles ?? 1) > 1) ? tiling.tileLatent! * components.vaeScaleFactor : undefined,
        }),
        unet_graph_capture: this.unetCapture,
      };
      return { ok: true, value: { images: out, latency_ms: Math.round(total), prediction_time_ms: Math.round(total) } };
    } catch (e) {
      if (gpuMark) gpuCounters.end(gpuMark);
      if (e instanceof CancelledError) return fail('cancelled', 'Generation was cancelled.');
      return { ok: false, error: classifyFailure(e, 'generate', fail('internal', `Generation failed: ${e instanceof Error ? e.message : String(e)}`).error, await this.deps.deviceLost?.()) };
    }
  }

  /** Decodes init_image and mask_image; bad data becomes a field error, a model without a VAE encoder a clear refusal. */
  private async requestImages(req: ResolvedRequest, loaded: LoadedModel): Promise<RequestImages | { error: EngineErrorData }> {
    if (req.init_image === undefined) return { value: undefined };
    const record = this.model?.report.record;
    if (!loaded.components.vaeEncoder && record?.components.vae_encoder) {
      // A text-to-image export whose record names a VAE encoder elsewhere: fetch it now, once.
      try {
        const files = await this.lib().component(record, 'vae_encoder');
        const { provider } = await this.adapter();
        loaded.components.vaeEncoder = (await createComponentSession(files, 'vae_encoder', { ort: await this.ort(), provider, clock: this.clock, openSession: this.deps.openSession })).runner;
        loaded.info.hasVaeEncoder = true;
        this.model!.report.hasVaeEncoder = true;
      } catch (e) {
        return { error: { code: 'model_load_failed', message: `Image-to-image needs the VAE encoder, which could not be fetched: ${e instanceof Error ? e.message : String(e)}` } };
      }
    }
    if (!loaded.components.vaeEncoder) {
      return {
        error: {
          code: 'not_supported',
          message: 'This model cannot do image-to-image or inpainting.',
          detail: [{
            loc: ['body', 'init_image'],
            msg: 'This model has no VAE encoder (vae_encoder/model.onnx). Add an SDXL VAE encoder exported to ONNX in the Optimum layout to the model folder, or remove init_image.',
            type: 'not_supported',
          }],
        },
      };
    }
    const detail: FieldError[] = [];
    const decode = async (field: 'init_image' | 'mask_image', b64: string) => {
      // The header first: a small file can claim a size that takes gigabytes to decode.
      const problem = imageProblem(b64);
      if (problem) {
        detail.push({ loc: ['body', field], msg: `${field} cannot be used: ${problem}.`, type: problem.includes('megapixels') ? 'image_too_large' : 'value_error' });
        return undefined;
      }
      try {
        return await this.deps.decodeImage(b64, req.width, req.height);
      } catch (e) {
        detail.push({ loc: ['body', field], msg: `${field} could not be read: ${e instanceof Error ? e.message : String(e)}.`, type: 'value_error' });
        return undefined;
      }
    };
    if (req.mask_image !== undefined) {
      const [initHeader, maskHeader] = [base64ImageHeader(req.init_image), base64ImageHeader(req.mask_image)];
      const mismatch = typeof initHeader === 'string' || typeof maskHeader === 'string' ? undefined : maskMismatch(initHeader, maskHeader);
      if (mismatch) return { error: { code: 'invalid_request', message: 'The request is invalid.', detail: [{ loc: ['body', 'mask_image'], msg: `${mismatch}.`, type: 'value_error' }] } };
    }
    const init = await decode('init_image', req.init_image);
    const mask = req.mask_image === undefined ? undefined : await decode('mask_image', req.mask_image);
    if (detail.length > 0 || !init) return { error: { code: 'invalid_request', message: 'The request is invalid.', detail } };
    const strength = req.strength ?? DEFAULT_STRENGTH;
    if (req.outpainting && mask) {
      // The new area starts as a smooth continuation of the edges, repainted with at least OUTPAINT_MIN_STRENGTH.
      const filled = { ...init, rgba: outpaintFill(init, binarizeMask(mask)) };
      return { value: { init: filled, mask, strength: Math.max(strength, OUTPAINT_MIN_STRENGTH) }, original: init };
    }
    if (req.inpaint_full_res && mask) {
      // Only the padded box around the mask is repainted, at the full width × height, then laid back in.
      const crop = fullResCrop(init, mask, req.width, req.height, req.inpaint_full_res_padding);
      if (!crop) {
        const msg = 'mask_image has no painted pixel: inpaint_full_res repaints the area around the non-black part of the mask. Paint the area to repaint in white.';
        return { error: { code: 'invalid_request', message: 'The request is invalid.', detail: [{ loc: ['body', 'mask_image'], msg, type: 'value_error' }] } };
      }
      return { value: { init: crop.init, mask: crop.mask, strength }, fullRes: { init, mask, box: crop.box } };
    }
    return { value: { init, mask, strength } };
  }
}
