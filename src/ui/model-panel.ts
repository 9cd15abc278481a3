// The model card: the built-in models with their download size and GPU needs, any Hub repo id or URL, a local
// folder, and the load itself — download progress (bytes, %, speed, ETA, per file) with Cancel, then session creation.
import { el } from './dom';
import { BUILTIN_MODELS } from '../schema/model-records';
import { parseModelRecord, type ModelRecord } from '../schema/model-record';
import type { AdapterReport, CachedModelInfo, LoadedModelReport, ModelLoadProgress, ModelRef } from '../worker/protocol';
import { formatBytes, formatDuration } from './format';

export interface ModelPanel {
  showLoading(name: string): void;
  showProgress(p: ModelLoadProgress): void;
  showLoaded(report: LoadedModelReport): void;
  showError(message: string): void;
  /** Marks which built-in models are already on this device. */
  showCached(models: readonly CachedModelInfo[]): void;
  /** Shows what the adapter means for each model (shader-f16, memory). */
  showAdapter(adapter: AdapterReport): void;
}

export interface ModelPanelActions {
  load(ref: ModelRef, name: string): void;
  cancel(): void;
}

const records: ModelRecord[] = BUILTIN_MODELS.map((m) => {
  const r = parseModelRecord(m);
  if (!r.ok) throw new Error(`built-in model ${m.id}: ${r.errors.join('; ')}`);
  return r.record;
});

/** Whether this browser can show a folder picker, and how. */
const canPickDirectory = typeof (window as { showDirectoryPicker?: unknown }).showDirectoryPicker === 'function';

export function createModelPanel(root: HTMLElement, actions: ModelPanelActions, tinyAvailable: Promise<boolean>): ModelPanel {
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
      <div class="model-choices"></div>
      <form class="model-url" data-testid="model-url-form">
        <input type="text" name="ref" placeholder="Hugging Face repo id (owner/name) or folder URL" aria-label="Model repo id or folder URL" required />
        <button type="submit" class="secondary">Load</button>
      </form>
      <div class="model-local">
        <button type="button" class="secondary" data-testid="open-folder">Open a folder on this device…</button>
        <input type="file" webkitdirectory multiple hidden data-testid="folder-input" />
        <label class="check help"><input type="checkbox" data-testid="folder-import" /> copy it into this browser's storage</label>
        <span class="help">An Optimum-layout SDXL ONNX export (or drop its folder here). Used in place unless copied; a copy loads later without the folder, offline.</span>
      </div>
    </details>
    <div class="model-progress" hidden data-testid="model-progress">
      <div class="progress-bar"><div class="progress-fill"></div></div>
      <div class="progress-row"><div class="progress-label" data-testid="model-progress-label"></div>
      <button type="button" class="secondary" data-testid="download-cancel" hidden>Cancel</button></div>
      <details class="model-files"><summary>Files</summary><ul data-testid="download-files"></ul></details>
    </div>`;
  const choices = root.querySelector<HTMLElement>('.model-choices')!;
  const rows = new Map<string, { row: HTMLElement; status: HTMLElement; button: HTMLButtonElement; warn: HTMLElement }>();
  for (const r of records) {
    const row = el('div', { class: 'model-choice', 'data-model': r.id });
    if (r.id === 'tiny-sdxl') row.hidden = true;
    const text = el('div');
    const size = r.downloadBytes ? `${formatBytes(r.downloadBytes)} download` : 'size found when resolved';
    const gpu = r.gpuBytes ? ` · about ${formatBytes(r.gpuBytes)} of GPU memory` : '';
    const help = el('div', { class: 'help' }, `${size}${gpu}${r.requires.shaderF16 ? ' · fp16 (needs shader-f16)' : ''}. ${r.note ?? ''}`);
    if (r.id === records[0]!.id) help.dataset.testid = 'default-size';
    const status = el('div', { class: 'help model-cached', 'data-testid': `cached-${r.id}` });
    const warn = el('div', { class: 'field-error', 'data-testid': `warn-${r.id}` });
    text.append(el('strong', {}, r.name), help, status, warn);
    const button = el('button', { type: 'button', class: 'secondary', 'data-testid': `load-${r.id}` }, 'Download');
    button.addEventListener('click', () => actions.load(r.id, r.name));
    row.append(text, button);
    choices.append(row);
    rows.set(r.id, { row, status, button, warn });
  }
  void tinyAvailable.then((ok) => (rows.get('tiny-sdxl')!.row.hidden = !ok));
  root.querySelector('form')!.addEventListener('submit', (e) => {
    e.preventDefault();
    const ref = String(new FormData(e.target as HTMLFormElement).get('ref')).trim();
    if (ref) actions.load(ref, ref);
  });
  const folderInput = root.querySelector<HTMLInputElement>('[data-testid=folder-input]')!;
  const importBox = root.querySelector<HTMLInputElement>('[data-testid=folder-import]')!;
  const local = (folder: { name: string; files: Record<string, Blob> } | FileSystemDirectoryHandle) => actions.load({ local: folder, import: importBox.checked }, folder.name);
  // A folder dropped on the card (Chromium: as a directory handle).
  root.addEventListener('dragover', (e) => e.preventDefault());
  root.addEventListener('drop', (e) => {
    const item = [...(e.dataTransfer?.items ?? [])].find((i) => i.kind === 'file');
    const getHandle = (item as { getAsFileSystemHandle?: () => Promise<FileSystemHandle | null> } | undefined)?.getAsFileSystemHandle;
    if (!item || !getHandle) return;
    e.preventDefault();
    e.stopPropagation();
    void getHandle.call(item).then((h) => h?.kind === 'directory' && local(h as FileSystemDirectoryHandle));
  });
  root.querySelector('[data-testid=open-folder]')!.addEventListener('click', async () => {
    if (!canPickDirectory) return folderInput.click();
    try {
      const handle = await (window as unknown as { showDirectoryPicker(): Promise<FileSystemDirectoryHandle> }).showDirectoryPicker();
      local(handle);
    } catch {
      // The user closed the picker.
    }
  });
  folderInput.addEventListener('change', () => {
    const files: Record<string, Blob> = {};
    for (const f of folderInput.files ?? []) files[f.webkitRelativePath || f.name] = f;
    const name = Object.keys(files)[0]?.split('/')[0] ?? 'folder';
    if (Object.keys(files).length) local({ name, files });
    folderInput.value = '';
  });

  const name = root.querySelector<HTMLElement>('.model-name')!;
  const state = root.querySelector<HTMLElement>('.model-state')!;
  const progress = root.querySelector<HTMLElement>('.model-progress')!;
  const fill = progress.querySelector<HTMLElement>('.progress-fill')!;
  const label = progress.querySelector<HTMLElement>('.progress-label')!;
  const cancel = progress.querySelector<HTMLButtonElement>('[data-testid=download-cancel]')!;
  const fileList = progress.querySelector<HTMLElement>('[data-testid=download-files]')!;
  cancel.addEventListener('click', () => actions.cancel());
  const setState = (text: string, cls: string) => {
    state.textContent = text;
    state.className = `model-state badge ${cls}`;
  };
  return {
    showLoading(text) {
      name.textContent = text;
      setState('loading', 'badge-busy');
      progress.hidden = false;
      fill.style.width = '0%';
      label.textContent = 'Starting…';
      fileList.replaceChildren();
    },
    showProgress(p) {
      if (p.stage === 'download') {
        cancel.hidden = false;
        if (p.phase === 'resolving') {
          setState('resolving', 'badge-busy');
          label.textContent = 'Listing the model’s files…';
          return;
        }
        setState('downloading', 'badge-busy');
        const pct = p.total ? Math.min(100, (100 * p.received) / p.total) : 0;
        fill.style.width = `${pct.toFixed(1)}%`;
        const speed = p.bytesPerSecond > 0 ? ` · ${formatBytes(p.bytesPerSecond)}/s` : '';
        const eta = p.etaSeconds !== undefined ? ` · ${formatDuration(p.etaSeconds)} left` : '';
        label.textContent = `Downloading ${formatBytes(p.received)} of ${formatBytes(p.total)} (${pct.toFixed(0)} %)${speed}${eta}`;
        fileList.replaceChildren(...p.files.map((f) => el('li', { 'data-state': f.state },
          `${f.path} — ${formatBytes(f.received)}${f.total ? ` / ${formatBytes(f.total)}` : ''}${f.state === 'done' ? ' ✓' : f.state === 'failed' ? ' ✗' : ''}`)));
        return;
      }
      cancel.hidden = true;
      setState('loading', 'badge-busy');
      const pct = p.total ? Math.round((100 * p.received) / p.total) : undefined;
      fill.style.width = pct === undefined ? '100%' : `${pct}%`;
      label.textContent = `Creating sessions · ${p.component}: ${p.file} — ${formatBytes(p.received)}${p.total ? ` of ${formatBytes(p.total)}` : ''}`;
    },
    showLoaded(r) {
      const total = Object.values(r.componentBytes).reduce((a, b) => a + b, 0);
      name.textContent = `${r.record?.name ?? r.location}${r.foreignHost ? ` — from ${r.foreignHost}` : ''}`;
      setState('ready', 'badge-ok');
      progress.hidden = false;
      cancel.hidden = true;
      fill.style.width = '100%';
      const where = r.cached ? 'from this device' : 'from its folder';
      label.textContent = `Loaded ${formatBytes(total)} ${where} in ${(r.load_ms / 1000).toFixed(1)} s (onnxruntime-web ${r.ortBuild})${r.record?.components.vae_encoder?.lazy && !r.hasVaeEncoder ? ' · the VAE encoder is fetched on first image-to-image use' : ''}`;
      root.querySelector('details')?.removeAttribute('open');
    },
    showError(message) {
      setState('error', 'badge-error');
      progress.hidden = false;
      cancel.hidden = true;
      label.textContent = message;
    },
    showCached(models) {
      for (const [id, r] of rows) {
        // Only a copy from the built-in's own source counts (not a mirror's file under the same id).
        const m = models.find((x) => x.recordId === id && x.fromDefault);
        r.status.textContent = m ? (m.complete ? `On this device (${formatBytes(m.bytes)}) — loads offline` : `Partly downloaded (${formatBytes(m.bytes)}) — resumes where it stopped`) : '';
        r.button.textContent = m?.complete ? 'Load' : m ? 'Resume' : 'Download';
      }
    },
    showAdapter(a) {
      const deviceGb = (navigator as { deviceMemory?: number }).deviceMemory;
      for (const rec of records) {
        const r = rows.get(rec.id)!;
        const problems = [];
        if (rec.requires.shaderF16 && !a.shaderF16) problems.push(`This ${a.provider === 'webgpu' ? 'GPU' : 'browser (no WebGPU)'} lacks shader-f16, which this fp16 model needs: it will not load here.`);
        // WebGPU does not report GPU memory; the largest buffer and the device memory hint are what there is.
        else if (rec.gpuBytes && deviceGb !== undefined && deviceGb * 1e9 < rec.gpuBytes) {
          problems.push(`Needs about ${formatBytes(rec.gpuBytes)} of GPU memory; this device reports ${deviceGb} GB of memory, so loading may fail or swap.`);
        }
        r.warn.textContent = problems.join(' ');
      }
    },
  };
}
