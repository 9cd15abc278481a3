// The model card: what is loaded, the default model and its download size, other sources, and load progress.
import type { LoadedModelReport, LoadProgress } from '../worker/protocol';
import { DEFAULT_MODEL, TINY_TEST_MODEL, formatBytes, type CatalogModel } from './model-catalog';

export interface ModelPanel {
  showLoading(url: string): void;
  showProgress(p: LoadProgress): void;
  showLoaded(report: LoadedModelReport): void;
  showError(message: string): void;
}

export function createModelPanel(root: HTMLElement, load: (url: string) => void, tinyAvailable: Promise<boolean>): ModelPanel {
  root.innerHTML = `
    <div class="model-head">
      <div>
        <div class="eyebrow">Model</div>
        <div class="model-name" data-testid="model-name">No model loaded</div>
      </div>
      <span class="model-state badge" data-testid="model-state">idle</span>
    </div>
    <details class="model-body" open>
      <summary>Choose a model</summary>
      <div class="model-choice">
        <div>
          <strong>${DEFAULT_MODEL.name}</strong>
          <div class="help">Default model · <span data-testid="default-size">${formatBytes(DEFAULT_MODEL.downloadBytes)}</span> download from the Hugging Face Hub. ${DEFAULT_MODEL.note}</div>
        </div>
        <button type="button" class="secondary" data-load="${DEFAULT_MODEL.id}">Load</button>
      </div>
      <div class="model-choice" data-tiny hidden>
        <div>
          <strong>${TINY_TEST_MODEL.name}</strong>
          <div class="help">${formatBytes(TINY_TEST_MODEL.downloadBytes)} · ${TINY_TEST_MODEL.note}</div>
        </div>
        <button type="button" class="secondary" data-load="${TINY_TEST_MODEL.id}" data-testid="load-tiny">Load</button>
      </div>
      <form class="model-url" data-testid="model-url-form">
        <input type="url" name="url" placeholder="…or an Optimum SDXL ONNX folder URL" aria-label="Model folder URL" required />
        <button type="submit" class="secondary">Load URL</button>
      </form>
    </details>
    <div class="model-progress" hidden><div class="progress-bar"><div class="progress-fill"></div></div><div class="progress-label"></div></div>`;
  const byId: Record<string, CatalogModel> = { [DEFAULT_MODEL.id]: DEFAULT_MODEL, [TINY_TEST_MODEL.id]: TINY_TEST_MODEL };
  root.querySelectorAll<HTMLButtonElement>('[data-load]').forEach((b) =>
    b.addEventListener('click', () => load(byId[b.dataset.load!]!.baseUrl)),
  );
  root.querySelector('form')!.addEventListener('submit', (e) => {
    e.preventDefault();
    load(String(new FormData(e.target as HTMLFormElement).get('url')));
  });
  void tinyAvailable.then((ok) => (root.querySelector<HTMLElement>('[data-tiny]')!.hidden = !ok));

  const name = root.querySelector<HTMLElement>('.model-name')!;
  const state = root.querySelector<HTMLElement>('.model-state')!;
  const progress = root.querySelector<HTMLElement>('.model-progress')!;
  const fill = progress.querySelector<HTMLElement>('.progress-fill')!;
  const label = progress.querySelector<HTMLElement>('.progress-label')!;
  const setState = (text: string, cls: string) => {
    state.textContent = text;
    state.className = `model-state badge ${cls}`;
  };
  return {
    showLoading(url) {
      name.textContent = url;
      setState('loading', 'badge-busy');
      progress.hidden = false;
      fill.style.width = '0%';
      label.textContent = 'Starting…';
    },
    showProgress(p) {
      const pct = p.total ? Math.round((100 * p.received) / p.total) : undefined;
      fill.style.width = pct === undefined ? '100%' : `${pct}%`;
      label.textContent = `${p.component}: ${p.file} — ${formatBytes(p.received)}${p.total ? ` of ${formatBytes(p.total)}` : ''}`;
    },
    showLoaded(r) {
      const total = Object.values(r.componentBytes).reduce((a, b) => a + b, 0);
      name.textContent = r.location;
      setState(`ready · ${r.provider}`, 'badge-ok');
      progress.hidden = false;
      fill.style.width = '100%';
      label.textContent = `Loaded ${formatBytes(total)} in ${(r.load_ms / 1000).toFixed(1)} s`;
      root.querySelector('details')?.removeAttribute('open');
    },
    showError(message) {
      setState('error', 'badge-error');
      progress.hidden = false;
      label.textContent = message;
    },
  };
}
