// What a thrown error means for the user: out of memory and a lost GPU device get their own codes and advice.
import type { EngineErrorData } from '../schema/response';
import { DownloadError } from '../runtime/download-file';
import { LayoutError, QuotaError } from '../runtime/model-cache';
import { ModelFileError } from '../runtime/model-files';

/** wasm and WebGPU ways of saying "no memory": V8, Emscripten, onnxruntime and Dawn messages. */
const OOM_PATTERNS = [
  /out of memory/i,
  /\boom\b/i,
  /array buffer allocation failed/i,
  /could not allocate memory/i,
  /cannot enlarge memory/i,
  /failed to grow memory/i,
  /bad_alloc/i,
  /failed to allocate/i,
  /allocation (?:of .* )?failed/i,
  /createbuffer failed/i,
  /failed to create buffer/i,
  /maximum (?:buffer|allocation) size/i,
];

const DEVICE_LOST_PATTERNS = [/device (?:was |is |has been )?lost/i, /device.*destroyed/i, /instance dropped/i];

/** Every message in the error and its causes, with the error class names (GPUOutOfMemoryError has an empty message). */
function describe(e: unknown): string {
  const parts: string[] = [];
  let cur: unknown = e;
  for (let depth = 0; cur !== undefined && cur !== null && depth < 5; depth++) {
    if (cur instanceof Error || (typeof cur === 'object' && 'message' in cur)) {
      const err = cur as { name?: unknown; message?: unknown; constructor?: { name?: string }; cause?: unknown };
      parts.push(String(err.constructor?.name ?? ''), String(err.name ?? ''), String(err.message ?? ''));
      cur = err.cause;
    } else {
      parts.push(String(cur));
      break;
    }
  }
  return parts.join(' ');
}

export const isOutOfMemory = (e: unknown): boolean => {
  const text = describe(e);
  return /GPUOutOfMemoryError/.test(text) || OOM_PATTERNS.some((p) => p.test(text));
};

export const isDeviceLost = (e: unknown): boolean => DEVICE_LOST_PATTERNS.some((p) => p.test(describe(e)));

export const OUT_OF_MEMORY_ADVICE =
  'Try low-memory mode (release the text encoders between runs), a smaller width × height, fewer images per request, or close other tabs and apps that use the GPU; then try again.';

const messageOf = (e: unknown): string => (e instanceof Error ? e.message || e.name : String(e));

/**
 * The error data for a failure while loading (`load`) or generating (`generate`): `out_of_memory` with what to try,
 * `device_lost` when the GPU device is gone (`deviceLost` says it was, whatever the run's own error says), otherwise
 * `fallback` (the caller's usual code and message).
 */
export function classifyFailure(e: unknown, stage: 'load' | 'generate', fallback: EngineErrorData, deviceLost?: string): EngineErrorData {
  if (deviceLost !== undefined || isDeviceLost(e)) {
    return { code: 'device_lost', message: `The GPU device was lost (${deviceLost ?? messageOf(e)}). The engine restarts on a new device and reloads the model; try again.` };
  }
  if (isOutOfMemory(e)) {
    const what = stage === 'load' ? 'loading the model' : 'generating';
    return { code: 'out_of_memory', message: `Out of memory while ${what} (${messageOf(e)}). ${OUT_OF_MEMORY_ADVICE}` };
  }
  return fallback;
}

/** The code and data of a load failure by its cause: storage full, no model layout, a corrupt or unreachable file. */
export function loadFailureCause(e: unknown): Pick<EngineErrorData, 'code' | 'data'> | undefined {
  if (e instanceof QuotaError) return { code: 'quota', data: { neededBytes: e.needed, availableBytes: e.available } };
  if (e instanceof LayoutError) return { code: 'layout', data: { missing: e.missing } };
  if (e instanceof DownloadError) {
    if (e.kind === 'integrity') return { code: 'integrity', data: { path: e.path } };
    if (e.kind === 'missing') return { code: 'layout', data: { missing: [e.path] } };
    if (e.kind === 'network' || e.kind === 'http') return { code: 'network', data: { path: e.path } };
    if (e.kind === 'storage' && isQuotaExceeded(e)) return { code: 'quota', data: {} };
    return undefined;
  }
  if (e instanceof ModelFileError) {
    const status = Number(/HTTP (\d{3})/.exec(e.message)?.[1]) || undefined;
    return status === 404 || status === 410 ? { code: 'layout', data: { missing: [e.path], status } } : { code: 'network', data: { path: e.path, ...(status ? { status } : {}) } };
  }
  // fetch() itself failing (offline, refused, CORS) is a TypeError named by the browser or undici.
  if (e instanceof TypeError && /fetch|network/i.test(e.message)) return { code: 'network', data: {} };
  if (isQuotaExceeded(e)) return { code: 'quota', data: {} };
  return undefined;
}

const isQuotaExceeded = (e: unknown): boolean => /QuotaExceeded|quota/i.test(describe(e));

/** A failed load as error data: its cause's own code (quota, layout, integrity, network) or `model_load_failed`. */
export function loadFailure(e: unknown, what: string, deviceLost?: string): EngineErrorData {
  const message = `Could not load ${what}: ${messageOf(e)}`;
  const cause = loadFailureCause(e);
  return classifyFailure(e, 'load', cause ? { ...cause, message } : { code: 'model_load_failed', message }, deviceLost);
}
