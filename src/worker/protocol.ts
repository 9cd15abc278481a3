// What crosses the comlink boundary between the page and the worker: plain data only.
import type { LoadProgress } from '../runtime/component-session';
import type { ModelInfo } from '../runtime/load-sdxl';
import type { DownloadProgress } from '../runtime/download-meter';
import type { CachedModelInfo } from '../runtime/model-cache';
import type { ModelRecord } from '../schema/model-record';
import type { OrtBuildChoice } from '../runtime/ort-build-types';
import type { LinkPreview, ModelRef, StorageReport } from './model-library';
import type { AssetInfo, AssetListItem } from './asset-library';
import type { AdapterReport } from '../runtime/webgpu-adapter';
import type { ExecutionProvider } from '../runtime/ort-runner';
import type { ProgressEvent, ProgressListener } from '../pipeline/progress';
import type { TensorCounts } from '../runtime/tensor-ledger';
import type { GpuCounts } from '../runtime/gpu-counters';
import type { EngineErrorData, GenerateResponse } from '../schema/response';
import type { GenerationOptions } from '../schema/generation-options';

export type Result<T> = { ok: true; value: T } | { ok: false; error: EngineErrorData };

/** Where time went in the last generation, in ms; overhead = total − time inside session.run. */
export interface GenerationStats {
  provider: ExecutionProvider;
  /** The UNet's graph capture: 'captured' (its current shape's session replays), 'refused' by the EP (plain session), or 'off'. */
  unet_graph_capture?: 'captured' | 'refused' | 'off';
  /** Milliseconds this run spent on its assets (LoRA fusion, variant sessions); 0 when all were ready. */
  asset_ms?: number;
  total_ms: number;
  text_encode_ms: number;
  unet_ms_per_call: number[];
  vae_decode_ms: number;
  session_run_ms: number;
  pipeline_overhead_ms: number;
  /** onnxruntime tensors the worker's runtime created and disposed since it started (equal between runs: no leak). */
  tensors?: TensorCounts;
  /** The most bytes held in GPU buffers while the VAE decoder ran (weights included), in MB; null where not counted. */
  vae_peak_gpu_mb: number | null;
  /** Present when the VAE decoded in tiles: the tile edge in pixels and the decoder calls it took (all images). */
  /** Decoder calls, and encoder calls when an init image was encoded in tiles too. */
  vae_tiles?: { tile_px: number; calls: number; encoder_calls?: number };
  /** 'cpu': each UNet output comes back to the CPU for guidance and the scheduler step; 'gpu': the latents stay there. */
  denoise_loop: 'cpu' | 'gpu';
  /** Denoise steps (UNet-call steps, as progress counts them) summed over the images. */
  denoise_steps: number;
  /** Full-latent tensors ([batch, C, h, w]) read back to / uploaded from the CPU in the denoise loop, per step. */
  readbacks_per_step: number;
  uploads_per_step: number;
  /** Compute dispatches per UNet session.run; null where not counted (wasm EP, or no JS WebGPU API). */
  dispatches_per_unet_call: number | null;
  /** Per UNet call: CPU ms from session.run's start to its last queue.submit; null where not counted. */
  unet_encode_cpu_ms: number[] | null;
  /** The most bytes held in GPU buffers during the request (weights included), in MB (1e6); null where not counted. */
  peak_gpu_mb: number | null;
  /** The device-level counters over the whole request; null where not counted. */
  gpu: Omit<GpuCounts, 'lastSubmitAt'> | null;
}

export interface LoadedModelReport extends ModelInfo {
  load_ms: number;
  provider: ExecutionProvider;
  /** The record it was loaded from (defaults, GPU needs), when it came through the cache. */
  record?: ModelRecord;
  /** The server the model came from when it is not the default Hub or this app's own: shown beside its name. */
  foreignHost?: string;
  /** Read from this device's storage (downloaded now or before), not streamed from the network. */
  cached: boolean;
  /** Whether the browser granted persistent storage (not evicted under storage pressure). */
  persisted?: boolean;
  /** The onnxruntime-web build running it: 'jspi' or 'asyncify' ('node' in the tests). */
  ortBuild: string;
}

/** Loading a model: downloading into the cache first (when needed), then creating each component's session. */
export type ModelLoadProgress = ({ stage: 'download' } & DownloadProgress) | ({ stage: 'session' } & LoadProgress);

/** Told of load progress; the event that starts each session is awaited, and answering `true` cancels the load there. */
export type LoadListener = (p: ModelLoadProgress) => void | boolean | Promise<void | boolean>;

/** How a prompt splits into CLIP chunks (75 tokens each) with the loaded model's tokenizer. */
export interface TokenCount {
  tokens: number;
  chunks: number;
  perChunk: number;
  /** Tokens in the last chunk (BREAK can leave earlier chunks part-full). */
  lastChunk: number;
}

/** Settings of a generation that are not part of the OctoAI request body (their schema: src/schema/generation-options.ts). */
export type { GenerationOptions };

export interface EngineInit {
  forceWasm: boolean;
  /** The Hugging Face Hub (or a stand-in) that repo ids resolve against. */
  hubEndpoint?: string;
  /** onnxruntime-web build: JSPI where the browser has it ('auto'), or forced. */
  ortBuild?: OrtBuildChoice;
  /** 'cpu' keeps the denoising loop in JS even where the device loop is offered (comparisons, ?loop=cpu). */
  loop?: 'device' | 'cpu';
  /** The page's base URL: relative model URLs resolve against the app, wherever it is deployed. */
  baseHref?: string;
  /**
   * Where models are stored: this context's OPFS by default, or a directory the Storage Access API handed an embedded
   * widget (the top-level app's unpartitioned store).
   */
  storeRoot?: FileSystemDirectoryHandle;
  /** 'none' where the browser denies storage (a widget in another site's page): URLs are read directly, nothing kept. */
  store?: 'opfs' | 'none';
  /** Graph capture for the UNet on WebGPU (?capture=0|1); unset: the engine's default. */
  graphCapture?: boolean;
}

/** GPU (or wasm) memory the loaded sessions hold, by component; text encoders may be released between runs. */
export interface MemoryReport {
  residentBytes: number;
  components: Record<string, { bytes: number; resident: boolean }>;
  releaseTextEncoders: boolean;
  /** LoRA-fused variants cached on this device for this session (size-capped, least recently used evicted first). */
  loraVariants?: { entries: number; bytes: number; parsedLoras: number };
}

export interface EngineApi {
  /** Low-memory mode: free the text encoders after each prompt is encoded (re-created, ~1–2 s, on the next run). */
  setReleaseTextEncoders(on: boolean): Promise<MemoryReport | undefined>;
  memory(): MemoryReport | undefined;
  countTokens(prompt: string): Promise<TokenCount | undefined>;
  init(options: EngineInit): Promise<AdapterReport>;
  adapter(): Promise<AdapterReport>;
  loadModel(ref: ModelRef, onProgress?: LoadListener): Promise<Result<LoadedModelReport>>;
  /** Stops a download in progress (what arrived is kept for resuming), or a load between two sessions. */
  cancelLoad(): void;
  /** Where Hub repo ids resolve from now on (a mirror the user accepted); undefined = the default Hub. */
  setHubEndpoint(endpoint: string | undefined): void;
  /** A model's source, whether it is stored, and (sizes: true) its download size from metadata only: nothing is stored. */
  previewModel(ref: string, options: { hub?: string; sizes: boolean }): Promise<Result<LinkPreview>>;
  cachedModels(): Promise<CachedModelInfo[]>;
  deleteModel(id: string): Promise<StorageReport>;
  verifyModel(id: string): Promise<{ ok: boolean; bad: string[] }>;
  storage(): Promise<StorageReport>;
  generate(jobId: string, body: unknown, onProgress?: ProgressListener, options?: GenerationOptions): Promise<Result<GenerateResponse>>;
  cancel(jobId: string): void;
  lastStats(): GenerationStats | undefined;
  /** The asset library: `source` is a URL, a Hub id (`owner/repo[@rev][:path]`), a File or a directory handle. */
  addAsset(arg: unknown, onProgress?: (p: DownloadProgress) => void): Promise<Result<AssetInfo>>;
  listAssets(): Promise<Result<AssetListItem[]>>;
  deleteAsset(name: string): Promise<Result<{ deleted: string }>>;
  renameAsset(from: string, to: string): Promise<Result<AssetInfo>>;
  setActiveRefiner(name: string): Promise<Result<{ activeRefiner: string }>>;
  cancelAssetImport(): void;
}

export type { AssetInfo, AssetListItem };
export type { AdapterReport, CachedModelInfo, DownloadProgress, LinkPreview, LoadProgress, ModelInfo, ModelRef, ProgressEvent, ProgressListener, StorageReport, TensorCounts };
