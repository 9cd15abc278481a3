// The assets panel's list: each stored asset with its kind, size, date and SHA-256, the active refiner marked, and
// Rename (inline), Delete (after a confirmation) and "Use as refiner".
import type { AssetListItem } from '../../worker/protocol';
import { el, smallButton } from '../dom';
import { formatBytes, formatWhen } from '../format';
import { describeAssetError } from './asset-errors';

export interface AssetListActions {
  rename(from: string, to: string): Promise<unknown>;
  remove(name: string): Promise<unknown>;
  activate(name: string): Promise<unknown>;
}

export const KIND_LABELS: Record<AssetListItem['kind'], string> = { lora: 'LoRA', textual_inversion: 'Textual inversion', vae: 'VAE', refiner: 'Refiner' };

export function createAssetList(root: HTMLElement, actions: AssetListActions): { show(items: readonly AssetListItem[]): void } {
  const list = el('ul', { class: 'asset-list', 'data-testid': 'asset-list', 'aria-label': 'Stored assets' });
  root.append(list);

  function row(a: AssetListItem): HTMLLIElement {
    const li = el('li', { class: 'asset-row', 'data-testid': `asset-${a.name}`, 'data-kind': a.kind, 'data-bytes': String(a.bytes), 'data-sha256': a.sha256 });
    const head = el('div', { class: 'asset-head' });
    head.append(el('strong', { class: 'asset-name' }, a.name), el('span', { class: 'badge' }, KIND_LABELS[a.kind]));
    if (a.active) head.append(el('span', { class: 'badge badge-ok', 'data-testid': 'asset-active' }, 'active refiner'));
    const meta = el('div', { class: 'help asset-meta' });
    const sha = el('code', { title: `SHA-256 ${a.sha256}` }, `${a.sha256.slice(0, 12)}…`);
    meta.append(`${formatBytes(a.bytes)} · added ${formatWhen(Date.parse(a.added))} · `, sha);
    const error = el('div', { class: 'field-error', role: 'alert' });
    const buttons = el('div', { class: 'asset-actions' });
    const act = (p: Promise<unknown>) => void p.catch((e: unknown) => void (error.textContent = describeAssetError(e).lines.join(' ')));

    const rename = smallButton('Rename', `Rename ${a.name}`, `asset-rename-${a.name}`, () => {
      const input = el('input', { type: 'text', value: a.name, 'aria-label': `New name for ${a.name}`, 'data-testid': `asset-new-name-${a.name}`, spellcheck: 'false' });
      const save = smallButton('Save', 'Save the new name', `asset-rename-save-${a.name}`, () => act(actions.rename(a.name, input.value.trim())));
      const keep = smallButton('Cancel', 'Keep the name', `asset-rename-cancel-${a.name}`, () => buttons.replaceChildren(...idle));
      input.addEventListener('keydown', (e) => {
        if (e.key === 'Enter') save.click();
        if (e.key === 'Escape') keep.click();
      });
      buttons.replaceChildren(input, save, keep);
      input.focus();
    });
    const del = smallButton('Delete', `Delete ${a.name} and its bytes`, `asset-delete-${a.name}`, () => {
      const ask = el('span', { class: 'help', role: 'alert' }, `Delete ${a.name} (${formatBytes(a.bytes)}) from this device?`);
      const yes = smallButton('Delete', `Yes, delete ${a.name}`, `asset-delete-confirm-${a.name}`, () => act(actions.remove(a.name)));
      const no = smallButton('Keep', `Keep ${a.name}`, `asset-delete-cancel-${a.name}`, () => buttons.replaceChildren(...idle));
      buttons.replaceChildren(ask, yes, no);
      no.focus();
    });
    const idle: HTMLElement[] = [rename, del];
    if (a.kind === 'refiner' && !a.active) {
      idle.unshift(smallButton('Use as refiner', `Make ${a.name} the refiner use_refiner runs`, `asset-activate-${a.name}`, () => act(actions.activate(a.name))));
    }
    buttons.append(...idle);
    li.append(head, meta, buttons, error);
    return li;
  }

  return {
    show(items) {
      list.replaceChildren(...items.map(row));
      if (items.length === 0) list.append(el('li', { class: 'help' }, 'No assets yet: import a LoRA, an embedding, a VAE or a refiner above.'));
    },
  };
}
