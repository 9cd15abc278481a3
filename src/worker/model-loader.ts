// Loading a model: its files resolved (downloaded into the store when needed), then its sessions created one by one,
// each announced to the page first; the AbortSignal stops a download in flight or the load between two sessions.
import type { SessionEvent, SessionOpener } from '../runtime/component-session';
import { loadSdxl } from '../runtime/load-sdxl';
import { ModelSessions } from '../runtime/model-sessions';
import type { LoraVariantOptions } from '../runtime/lora-variant';
import type { Ort, RunClock } from '../runtime/ort-runner';
import type { AdapterReport } from '../runtime/webgpu-adapter';
import type { ModelLibrary, ModelRef } from './model-library';
import type { LoadedModelReport, LoadListener } from './protocol';

export interface LoaderContext {
  library: ModelLibrary;
  adapter: AdapterReport;
  ort: Ort;
  ortBuild: string;
  clock: RunClock;
  openSession?: SessionOpener;
  graphCapture: boolean;
  onSession(e: SessionEvent): void;
  now(): number;
  /** Where fused LoRA variants keep their patched initializers. */
  loraOptions?: LoraVariantOptions;
}

export interface LoadedEntry {
  key: string;
  sessions: ModelSessions;
  report: LoadedModelReport;
}

/** A load stopped between two sessions (by the signal, or by the page's answer to a session event). */
export const loadCancelled = () => Object.assign(new Error('Loading was cancelled; the downloaded files are kept, and loading again only re-creates the sessions.'), { name: 'AbortError', sessionStage: true });

/** What a page callback answered: `true` asks to stop here. A callback that throws is ignored, as a fire-and-forget one was. */
export async function answer<T>(listener: ((p: T) => unknown) | undefined, p: T): Promise<boolean> {
  if (!listener) return false;
  try {
    return (await listener(p)) === true;
  } catch {
    return false;
  }
}

/**
 * Loads `ref`; gives back `current` untouched when it is already that model (and not deleted). The caller releases
 * the previous model's sessions once the new ones exist.
 */
export async function loadModel(ctx: LoaderContext, ref: ModelRef, current: LoadedEntry | undefined, signal: AbortSignal, onProgress?: LoadListener): Promise<LoadedEntry> {
  const start = ctx.now();
  const stopDownload = () => ctx.library.cancel();
  signal.addEventListener('abort', stopDownload);
  try {
    const source = await ctx.library.resolve(ref, ctx.adapter, (p) => void onProgress?.({ stage: 'download', ...p }));
    if (current?.key === source.key && !current.sessions.deleted) return current;
    const factory = { ort: ctx.ort, provider: ctx.adapter.provider, clock: ctx.clock, openSession: ctx.openSession };
    const loaded = await loadSdxl(source.files, {
      ...factory, graphCapture: ctx.graphCapture, onSession: ctx.onSession, onProgress: (p) => void onProgress?.({ stage: 'session', ...p }),
      // Each session starts with an event the page answers: `true` (a cancel from the page) stops the load there.
      checkpoint: async (component) => {
        if (component && !signal.aborted && await answer(onProgress, { stage: 'session', component, file: `${component}/model.onnx`, received: 0 })) {
          throw loadCancelled();
        }
        await new Promise((resolve) => setTimeout(resolve, 0));
        if (signal.aborted) throw loadCancelled();
      },
    });
    const report: LoadedModelReport = {
      ...loaded.info, load_ms: ctx.now() - start, provider: ctx.adapter.provider, cached: source.cached, ortBuild: ctx.ortBuild,
      ...(source.record ? { record: source.record } : {}), ...(source.persisted !== undefined ? { persisted: source.persisted } : {}),
      ...(source.foreignHost ? { foreignHost: source.foreignHost } : {}),
    };
    return { key: source.key, sessions: new ModelSessions(loaded, source.files, factory, ctx.loraOptions), report };
  } finally {
    signal.removeEventListener('abort', stopDownload);
  }
}
