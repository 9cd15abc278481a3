// The response body of POST /generate/sdxl, and errors as data that cross the worker boundary.
export interface GeneratedImage {
  image_b64: string;
  seed: number;
  removed_for_safety: boolean;
  width: number;
  height: number;
}

export interface GenerateResponse {
  images: GeneratedImage[];
  latency_ms: number;
  /** The same time under the name OctoAI's published SDK reads (`predictionTimeMs`). */
  prediction_time_ms: number;
  /** What the run could not honour in full but did not fail for (e.g. LoRA keys that match no module), by name. */
  warnings?: string[];
}

/** One problem with one field, in the shape of a FastAPI/pydantic 422 body entry. */
export interface FieldError {
  loc: (string | number)[];
  msg: string;
  type: string;
}

export type ErrorCode =
  | 'invalid_request' // 422: the request broke a schema rule
  | 'not_supported' // 422: a valid field this engine cannot honour yet
  | 'model_not_loaded'
  | 'model_load_failed'
  | 'model_deleted' // the loaded model was deleted from this device (here or in another tab): load it again
  | 'cancelled'
  | 'busy'
  | 'worker_crashed' // the engine's worker died mid-call (a trap, a crash, or no sign of life); it was restarted
  | 'device_lost' // the GPU device was lost; the engine restarted on a new device
  | 'out_of_memory' // a session could not be created or run for lack of (GPU or wasm) memory
  | 'exceeds_wasm_memory' // on the wasm fallback: the model's components cannot fit in the 4 GiB wasm32 memory (refused before download)
  | 'quota' // a load: the device's storage has no room for the download (data: neededBytes, availableBytes)
  | 'layout' // a load: the folder or repo is not an SDXL ONNX export in the Optimum layout (data: missing files)
  | 'integrity' // a load: a downloaded file's size or SHA-256 is not the one its source declares (data: path)
  | 'network' // a load: a file could not be fetched (offline, HTTP error, the server went away) (data: path, status)
  | 'asset_import_failed' // an asset could not be imported: its source failed, sent bytes that do not verify, or storage is full
  | 'internal';

/** What a load failure knows beyond its message: the bytes missing in storage, the files missing, the file that failed. */
export interface LoadFailureData {
  neededBytes?: number;
  availableBytes?: number;
  missing?: string[];
  path?: string;
  status?: number;
}

/** Errors travel as plain data: `{code, message, detail}`, and for load failures `data`. */
export interface EngineErrorData {
  code: ErrorCode;
  message: string;
  detail?: FieldError[];
  data?: LoadFailureData;
}

/** The HTTP status each error code answers with (the service worker's endpoint; the CLI's exit codes follow it). */
export const ERROR_STATUS: Record<ErrorCode, number> = {
  invalid_request: 422, not_supported: 422, model_not_loaded: 503, model_load_failed: 503, model_deleted: 503, busy: 429, cancelled: 499, internal: 500,
  // The engine restarted (or lacks memory for this request): retrying later, or smaller, can succeed.
  worker_crashed: 503, device_lost: 503, out_of_memory: 507,
  // The model can never load on the wasm fallback (a load failure like model_load_failed; a GPU or a smaller export helps).
  exceeds_wasm_memory: 503,
  // Load failures by cause: storage full (507 Insufficient Storage), a folder that is no model, a corrupt or unreachable file.
  quota: 507, layout: 503, integrity: 503, network: 503,
  // The asset's source (or the device's storage) failed; the request naming a bad asset is a 422 (invalid_request).
  asset_import_failed: 502,
};

/** OctoAI (FastAPI) shapes: 422 → {"detail": [...]}, anything else → {"detail": "message", "code": ...}. */
export function errorBody(error: EngineErrorData): { status: number; body: { detail: FieldError[] } | { detail: string; code: ErrorCode } } {
  const status = ERROR_STATUS[error.code] ?? 500;
  return { status, body: status === 422 && error.detail ? { detail: error.detail } : { detail: error.message, code: error.code } };
}
