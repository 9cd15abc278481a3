// window.sdxl: the page's JavaScript API (generate, loadModel, validate, adapter, stats), typed for callers.
import type { GenerateRequest } from '../schema/request';
import type { FieldError, GenerateResponse } from '../schema/response';
import type { GenerateOptions } from '../worker/client';
import type { SdxlAssetApi } from './asset-api';
import type { AdapterReport, CachedModelInfo, GenerationStats, LoadedModelReport, MemoryReport, ModelLoadProgress, ModelRef, StorageReport } from '../worker/protocol';

export interface SdxlPageApi extends SdxlAssetApi {
  /** Runs one OctoAI-shaped request; rejects with an SdxlError ({code, message, detail}) on bad input or failure. */
  generate(request: GenerateRequest, options?: GenerateOptions): Promise<GenerateResponse>;
  /**
   * Loads a model: a built-in id ("sdxl-lightning-4step-web-fp16"), a Hub repo id ("owner/name[@rev]"), a folder URL,
   * a model record, or {local: folder}. Downloads into this device's cache first when needed (progress: stage
   * 'download' with bytes, speed and ETA; then stage 'session'); resolves once sessions exist.
   */
  loadModel(ref: ModelRef, onProgress?: (p: ModelLoadProgress) => void): Promise<LoadedModelReport>;
  /** Models stored on this device, newest use first. */
  cachedModels(): Promise<CachedModelInfo[]>;
  /** Deletes every byte of a stored model; answers the storage figures after. */
  deleteModel(id: string): Promise<StorageReport>;
  /** Re-hashes a stored model's files; damaged ones are deleted (and fetched again on the next load). */
  verifyModel(id: string): Promise<{ ok: boolean; bad: string[] }>;
  storage(): Promise<StorageReport>;
  /** Stops a download; what arrived is kept, and the next load resumes it. */
  cancelLoad(): void;
  /** Low-memory mode: the text encoders are freed after each prompt is encoded and re-created on the next run. */
  setReleaseTextEncoders(on: boolean): Promise<MemoryReport | undefined>;
  /** Memory the loaded sessions hold, by component. */
  memory(): Promise<MemoryReport | undefined>;
  /** Checks a request against the schema and the loaded model without running it: [] when valid. */
  validate(request: unknown): FieldError[];
  adapter(): Promise<AdapterReport>;
  /** The loaded model, if any. */
  model(): LoadedModelReport | undefined;
  /** Timings of the last generation (text encode, UNet per call, VAE, overhead). */
  stats(): Promise<GenerationStats | undefined>;
  /** Asks the server for a new version of the app now (it also checks on start and hourly while online). */
  checkForUpdate(): Promise<void>;
  /** This build's identity. */
  version(): string;
}

declare global {
  interface Window {
    sdxl: SdxlPageApi;
  }
}
