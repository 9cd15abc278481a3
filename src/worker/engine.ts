// The engine inside the worker: one request at a time in a queue, requests and options validated, failures mapped to
// error codes, results as Result values. Loading is model-loader.ts, the sessions ModelSessions, a run generation-run.ts.
import * as Comlink from 'comlink';
import { CancelledError, type ProgressEvent, type ProgressListener } from '../pipeline/progress';
import { chunkCount, tokenizePrompt } from '../pipeline/prompt-encoding';
import type { PreparedImages } from '../pipeline/image-modes';
import { DEFAULT_MASK_BLUR } from '../schema/generation-options';
import type { ResolvedRequest } from '../schema/validate';
import type { EngineErrorData, GenerateResponse } from '../schema/response';
import { DownloadError } from '../runtime/download-file';
import { WasmMemoryError } from '../runtime/wasm-fit';
import { classifyFailure, loadFailure } from './engine-errors';
import { FieldRefusal, runGeneration } from './generation-run';
import { RefinerRequestError } from '../pipeline/refiner-split';
import { checkRun } from './request-check';
import { chooseCheckpoint } from './checkpoint-choice';
import { resolveRunAssets } from './run-assets';
import { answer, loadModel, type LoadedEntry } from './model-loader';
import { decodeRequestImages, NO_VAE_ENCODER } from './request-images';
import type { ModelRef } from './model-library';
import { EngineHost } from './engine-host';
import type { EngineApi, GenerationOptions, GenerationStats, LoadedModelReport, LoadListener, MemoryReport, Result, TokenCount } from './protocol';

export { DEFAULT_MASK_BLUR, MAX_MASK_BLUR } from '../schema/generation-options';
export { OUTPAINT_MIN_STRENGTH } from '../pipeline/image-modes';

export type { EngineDeps } from './engine-host';
export { GRAPH_CAPTURE_DEFAULT } from './engine-host';

export const MODEL_DELETED = 'This model was deleted from this device (in another tab, or here): load it again to keep generating.';

const fail = (code: EngineErrorData['code'], message: string, detail?: EngineErrorData['detail']): { ok: false; error: EngineErrorData } =>
  ({ ok: false, error: detail ? { code, message, detail } : { code, message } });

export class Engine extends EngineHost implements EngineApi {
  private model?: LoadedEntry;
  private releaseEncoders = false;
  /** The load in progress: cancelLoad() aborts its download, or the load between two sessions. */
  private loadAbort?: AbortController;
  private readonly jobs = new Map<string, AbortController>();
  private queue: Promise<unknown> = Promise.resolve();
  private stats?: GenerationStats;

  protected assetDeleted(): void {
    // Variants are keyed by content, not by asset: any deletion drops them all (LoRA overlays included); the next run
    // that names an asset makes its sessions again.
    void this.enqueue(async () => this.model?.sessions.dropAssetVariants()).catch(() => undefined);
  }

  protected filesDeleted(storeKey: string): void {
    // The loaded model's files deleted (in another tab, or here): its sessions may run on, but nothing is read again.
    if (this.model && this.model.sessions.files.storeKey === storeKey) this.model.sessions.deleted = true;
  }

  cancelLoad(): void {
    this.lib().cancel();
    this.loadAbort?.abort();
  }

  cancel(jobId: string): void {
    this.jobs.get(jobId)?.abort();
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
      await this.variantsReady;
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
    const variants = this.model.sessions.loraCache();
    return { residentBytes, components, releaseTextEncoders: this.releaseEncoders, ...(variants ? { loraVariants: variants } : {}) };
  }

  generate(jobId: string, body: unknown, onProgress?: ProgressListener, options: GenerationOptions = {}): Promise<Result<GenerateResponse>> {
    const controller = new AbortController();
    this.jobs.set(jobId, controller);
    // Every stage waits for the page's answer to its event: `true` (the page cancelled meanwhile) stops it there.
    const listener = async (p: ProgressEvent) => {
      // A preview's pixels are handed over to the page, not copied (comlink transfers the buffer; elsewhere a no-op).
      if (await answer(onProgress, p.preview ? Comlink.transfer(p, [p.preview.rgba.buffer]) : p)) controller.abort();
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
    const explicit = typeof body === 'object' && body !== null && 'checkpoint' in body;
    const choice = chooseCheckpoint(checked.req.checkpoint, model.report.record?.id, await this.lib().list(), explicit);
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
      const settings = { options, assets: assets.assets, maskBlur: options.maskBlur ?? this.deps.maskBlur ?? DEFAULT_MASK_BLUR, tileLatent: checked.tileLatent, givenFields: typeof body === 'object' && body !== null ? Object.keys(body) : [] };
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
