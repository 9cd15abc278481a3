// What crosses the comlink boundary between the page and the worker: plain data only.
import type { LoadProgress, ModelInfo } from '../runtime/load-sdxl';
import type { AdapterReport } from '../runtime/webgpu-adapter';
import type { ProgressEvent } from '../pipeline/progress';
import type { EngineErrorData, GenerateResponse } from '../schema/response';

export type Result<T> = { ok: true; value: T } | { ok: false; error: EngineErrorData };

/** Where time went in the last generation, in ms; overhead = total − time inside session.run. */
export interface GenerationStats {
  provider: 'webgpu' | 'wasm';
  total_ms: number;
  text_encode_ms: number;
  unet_ms_per_call: number[];
  vae_decode_ms: number;
  session_run_ms: number;
  pipeline_overhead_ms: number;
}

export interface LoadedModelReport extends ModelInfo {
  load_ms: number;
  provider: 'webgpu' | 'wasm';
}

/** How a prompt splits into CLIP chunks (75 tokens each) with the loaded model's tokenizer. */
export interface TokenCount {
  tokens: number;
  chunks: number;
  perChunk: number;
  /** Tokens in the last chunk (BREAK can leave earlier chunks part-full). */
  lastChunk: number;
}

/** Settings of a generation that are not part of the OctoAI request body. */
export interface GenerationOptions {
  /** Inpainting paste-back: radius (px) over which the repainted area fades in at the mask's edge; 0 = hard edge. */
  maskBlur?: number;
}

export interface EngineApi {
  countTokens(prompt: string): Promise<TokenCount | undefined>;
  init(options: { forceWasm: boolean }): Promise<AdapterReport>;
  adapter(): Promise<AdapterReport>;
  loadModel(baseUrl: string, onProgress?: (p: LoadProgress) => void): Promise<Result<LoadedModelReport>>;
  generate(jobId: string, body: unknown, onProgress?: (p: ProgressEvent) => void, options?: GenerationOptions): Promise<Result<GenerateResponse>>;
  cancel(jobId: string): void;
  lastStats(): GenerationStats | undefined;
}

export type { AdapterReport, LoadProgress, ModelInfo, ProgressEvent };
