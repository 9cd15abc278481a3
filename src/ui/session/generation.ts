// Running one generation from the page: the Generate button's label and Cancel, the status line and progress bar while it runs,
// field errors when it is refused; the result goes to whoever keeps history.
import type { GenerateResponse } from '../../schema/response';
import { SdxlError, type GenerateOptions, type Generator } from '../../worker/client';
import type { LoadedModelReport, ProgressEvent } from '../../worker/protocol';
import { showProgress } from '../progress-view';
import { track } from '../pwa/activity';
import type { RequestDraft } from '../request-form';
import type { FieldError } from '../../schema/response';

export interface GenerationDeps {
  generator: Generator;
  model(): LoadedModelReport | undefined;
  generateButton: HTMLButtonElement;
  cancelButton: HTMLButtonElement;
  progress: HTMLElement;
  /** The live preview in the result slot: a frame per step while a run asks for previews. */
  preview: { show(p: ProgressEvent): void; hide(): void };
  status(text: string, kind?: 'info' | 'error' | 'ok'): void;
  showErrors(detail: FieldError[]): void;
  /** A finished generation: the caller shows and stores it (before the promise resolves). */
  onResult(request: RequestDraft, response: GenerateResponse): Promise<void>;
}

export interface Generation {
  /** Runs a request; counts as running (for update reloads) until its result is stored. */
  run(request: RequestDraft, options?: GenerateOptions): Promise<GenerateResponse>;
  /** Cancels the running generation, if any. */
  cancel(): void;
  running(): boolean;
}

export function createGeneration(deps: GenerationDeps): Generation {
  let running: AbortController | undefined;

  async function run(request: RequestDraft, options: GenerateOptions): Promise<GenerateResponse> {
    if (!deps.model()) throw new SdxlError({ code: 'model_not_loaded', message: 'No model is loaded: load one first.' });
    const controller = new AbortController();
    options.signal?.addEventListener('abort', () => controller.abort());
    if (options.signal?.aborted) controller.abort();
    running = controller;
    // Generate stays enabled: pressing it while this runs queues the next request.
    deps.generateButton.textContent = 'Add to queue';
    deps.cancelButton.hidden = false;
    deps.status('Generating…');
    try {
      const response = await deps.generator.generate(request as never, {
        ...options,
        signal: controller.signal,
        onProgress: (p) => {
          showProgress(deps.progress, p);
          deps.preview.show(p);
          options.onProgress?.(p);
        },
      });
      deps.status(`Done in ${(response.latency_ms / 1000).toFixed(1)} s.`, 'ok');
      await deps.onResult(request, response);
      return response;
    } catch (e) {
      const cancelled = e instanceof SdxlError && e.code === 'cancelled';
      if (e instanceof SdxlError && e.detail) deps.showErrors(e.detail);
      deps.status(cancelled ? 'Cancelled.' : e instanceof Error ? e.message : String(e), cancelled ? 'info' : 'error');
      throw e;
    } finally {
      if (running === controller) {
        running = undefined;
        deps.generateButton.textContent = 'Generate';
        deps.cancelButton.hidden = true;
      }
      showProgress(deps.progress, undefined);
      deps.preview.hide();
    }
  }

  deps.cancelButton.addEventListener('click', () => running?.abort());
  return {
    run: (request, options = {}) => track('generation', run(request, options)),
    cancel: () => running?.abort(),
    running: () => running !== undefined,
  };
}
