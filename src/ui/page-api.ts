// window.sdxl: the page's JavaScript API (generate, loadModel, validate, adapter, stats), typed for callers.
import type { GenerateRequest } from '../schema/request';
import type { FieldError, GenerateResponse } from '../schema/response';
import type { GenerateOptions } from '../worker/client';
import type { AdapterReport, GenerationStats, LoadedModelReport, LoadProgress } from '../worker/protocol';

export interface SdxlPageApi {
  /** Runs one OctoAI-shaped request; rejects with an SdxlError ({code, message, detail}) on bad input or failure. */
  generate(request: GenerateRequest, options?: GenerateOptions): Promise<GenerateResponse>;
  /** Loads an SDXL ONNX folder (Optimum layout) from a base URL; resolves once sessions exist. */
  loadModel(url: string, onProgress?: (p: LoadProgress) => void): Promise<LoadedModelReport>;
  /** Checks a request against the schema and the loaded model without running it: [] when valid. */
  validate(request: unknown): FieldError[];
  adapter(): Promise<AdapterReport>;
  /** The loaded model, if any. */
  model(): LoadedModelReport | undefined;
  /** Timings of the last generation (text encode, UNet per call, VAE, overhead). */
  stats(): Promise<GenerationStats | undefined>;
}

declare global {
  interface Window {
    sdxl: SdxlPageApi;
  }
}
