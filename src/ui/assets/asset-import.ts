// The assets panel's import form: kind, name and a source (URL or Hub id, a .safetensors file, a folder, or a drop), with progress, cancel and errors naming the field.
import type { AddAssetArg } from '../../worker/client';
import type { AssetInfo, DownloadProgress } from '../../worker/protocol';
import { el } from '../dom';
import { formatBytes, formatDuration } from '../format';
import { describeAssetError } from './asset-errors';

export interface ImportActions {
  add(arg: AddAssetArg, onProgress: (p: DownloadProgress) => void): Promise<AssetInfo>;
  cancel(): void;
}

type Source = AddAssetArg['source'];
const KINDS: [AddAssetArg['kind'], string][] = [['lora', 'LoRA'], ['textual_inversion', 'Textual inversion'], ['vae', 'VAE (folder)'], ['refiner', 'Refiner (folder)']];

/** A request name from a file or folder name: its stem with anything outside the name rule turned into "-". */
export function nameFrom(fileName: string): string {
  return fileName.replace(/\.(safetensors|bin|pt)$/i, '').replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[^A-Za-z0-9]+/, '').slice(0, 64);
}

/** A folder picked with webkitdirectory as addAsset takes it: {name, files: {"<folder>/<path>": File}}. */
function pickedFolder(files: FileList): { name: string; files: Record<string, File> } {
  const all = [...files];
  const top = all[0]?.webkitRelativePath.split('/')[0] ?? 'folder';
  return { name: top, files: Object.fromEntries(all.map((f) => [f.webkitRelativePath || f.name, f])) };
}

function describeProgress(p: DownloadProgress): string {
  if (p.phase === 'resolving') return 'Finding the files…';
  const pct = p.total > 0 ? ` (${Math.floor((100 * p.received) / p.total)} %)` : '';
  const speed = p.bytesPerSecond > 0 ? ` · ${formatBytes(p.bytesPerSecond)}/s` : '';
  const eta = p.etaSeconds !== undefined ? ` · ${formatDuration(p.etaSeconds)} left` : '';
  return `${formatBytes(p.received)} of ${formatBytes(p.total)}${pct}${speed}${eta}`;
}

export function createAssetImport(root: HTMLElement, actions: ImportActions): void {
  const form = el('form', { class: 'asset-import', 'aria-label': 'Import an asset', novalidate: '' });
  const kind = el('select', { id: 'asset-kind', name: 'asset-kind', 'data-testid': 'asset-kind' });
  for (const [value, label] of KINDS) kind.append(el('option', { value }, label));
  const name = el('input', { id: 'asset-name', name: 'asset-name', type: 'text', autocomplete: 'off', spellcheck: 'false', 'data-testid': 'asset-name', placeholder: 'e.g. my-style' });
  const source = el('input', { id: 'asset-source', name: 'asset-source', type: 'text', autocomplete: 'off', spellcheck: 'false', 'data-testid': 'asset-source', placeholder: 'https://…, /path/ or owner/repo[:file]' });
  const submit = el('button', { type: 'submit', class: 'secondary', 'data-testid': 'asset-import' }, 'Import');
  const fileInput = el('input', { type: 'file', accept: '.safetensors', hidden: '', 'data-testid': 'asset-file', 'aria-label': 'A .safetensors file' });
  const folderInput = el('input', { type: 'file', hidden: '', webkitdirectory: '', 'data-testid': 'asset-folder', 'aria-label': 'A VAE or refiner folder' });
  const pickFile = el('button', { type: 'button', class: 'button-small', 'data-testid': 'asset-pick-file' }, 'A .safetensors file…');
  const pickFolder = el('button', { type: 'button', class: 'button-small', 'data-testid': 'asset-pick-folder' }, 'A folder…');
  const bar = el('progress', { max: '1', value: '0', 'aria-label': 'Import progress', hidden: '' });
  const progress = el('div', { class: 'help', 'data-testid': 'asset-progress', 'aria-live': 'polite' });
  const cancel = el('button', { type: 'button', class: 'button-small', hidden: '', 'data-testid': 'asset-cancel' }, 'Cancel import');
  const errors = el('div', { class: 'field-error', role: 'alert', 'data-testid': 'asset-import-error' });
  const inputs: Record<string, HTMLElement> = { kind, name, source };

  const row = (label: string, control: HTMLElement) => {
    const r = el('div', { class: 'field' });
    r.append(el('label', { for: control.id }, label), control);
    return r;
  };
  const sourceRow = el('div', { class: 'field' });
  const sourceLine = el('div', { class: 'asset-source-line' });
  sourceLine.append(source, submit);
  sourceRow.append(el('label', { for: source.id }, 'URL or Hub id'), sourceLine);
  const pickers = el('div', { class: 'asset-pickers' });
  pickers.append(el('span', { class: 'help' }, 'or from this device:'), pickFile, pickFolder, fileInput, folderInput);
  const status = el('div', { class: 'asset-import-status' });
  status.append(bar, progress, cancel);
  form.append(row('Kind', kind), row('Name (what requests use)', name), sourceRow, pickers,
    el('div', { class: 'help' }, 'Drop a .safetensors file or a VAE/refiner folder on this panel too.'), status, errors);
  root.append(form);

  let busy = false;
  const clearErrors = () => {
    errors.replaceChildren();
    for (const i of Object.values(inputs)) i.removeAttribute('aria-invalid');
  };

  async function run(src: Source, label: string): Promise<void> {
    if (busy) return;
    clearErrors();
    if (!name.value.trim()) name.value = nameFrom(typeof src === 'string' ? src.split(/[/:@]/).filter(Boolean).pop() ?? '' : src.name);
    busy = true;
    submit.disabled = pickFile.disabled = pickFolder.disabled = true;
    cancel.hidden = false;
    bar.hidden = false;
    bar.removeAttribute('value');
    progress.textContent = `Importing ${label}…`;
    try {
      const info = await actions.add({ kind: kind.value as AddAssetArg['kind'], name: name.value.trim(), source: src }, (p) => {
        if (p.total > 0) bar.value = p.received / p.total;
        progress.textContent = describeProgress(p);
      });
      progress.textContent = `Imported ${info.name}: ${formatBytes(info.bytes)}, SHA-256 ${info.sha256.slice(0, 12)}…`;
      name.value = '';
      source.value = '';
    } catch (e) {
      progress.textContent = '';
      const { lines, fields } = describeAssetError(e);
      errors.replaceChildren(...lines.map((l) => el('div', {}, l)));
      for (const f of fields) inputs[f]?.setAttribute('aria-invalid', 'true');
    } finally {
      busy = false;
      submit.disabled = pickFile.disabled = pickFolder.disabled = false;
      cancel.hidden = true;
      bar.hidden = true;
    }
  }

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    void run(source.value.trim(), source.value.trim() || 'nothing');
  });
  cancel.addEventListener('click', () => actions.cancel());
  pickFile.addEventListener('click', () => fileInput.click());
  pickFolder.addEventListener('click', () => folderInput.click());
  fileInput.addEventListener('change', () => {
    const file = fileInput.files?.[0];
    fileInput.value = '';
    if (!file) return;
    if (kind.value === 'vae' || kind.value === 'refiner') kind.value = 'lora';
    void run(file, file.name);
  });
  folderInput.addEventListener('change', () => {
    if (!folderInput.files?.length) return;
    const folder = pickedFolder(folderInput.files);
    folderInput.value = '';
    const paths = Object.keys(folder.files);
    if (kind.value === 'lora' || kind.value === 'textual_inversion') kind.value = paths.some((p) => p.includes('/unet/') || p.startsWith('unet/')) ? 'refiner' : 'vae';
    void run(folder, `${folder.name}/ (${paths.length} files)`);
  });

  // A drop: a file or (where the browser hands one out) a folder's handle.
  root.addEventListener('dragover', (e) => {
    if (!e.dataTransfer?.types.includes('Files')) return;
    e.preventDefault();
    e.stopPropagation();
    root.classList.add('drop-target');
  });
  root.addEventListener('dragleave', () => root.classList.remove('drop-target'));
  root.addEventListener('drop', (e) => {
    e.preventDefault();
    e.stopPropagation();
    root.classList.remove('drop-target');
    const item = e.dataTransfer?.items[0];
    if (!item) return;
    const asHandle = (item as DataTransferItem & { getAsFileSystemHandle?: () => Promise<FileSystemHandle | null> }).getAsFileSystemHandle?.();
    const file = item.getAsFile();
    void (async () => {
      const handle = await asHandle?.catch(() => null);
      if (handle?.kind === 'directory') {
        if (kind.value === 'lora' || kind.value === 'textual_inversion') kind.value = 'vae';
        return run(handle as FileSystemDirectoryHandle, `${handle.name}/`);
      }
      if (file) return run(file, file.name);
    })();
  });
}
