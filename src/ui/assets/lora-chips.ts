// The request's `loras` as chips: add a stored LoRA from a dropdown, set each one's weight (−2…2) on a slider, remove it.
import type { AssetListItem } from '../../worker/protocol';
import { el } from '../dom';
import { ofKind, recordField, withField, type DraftAccess } from './draft-access';

const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

export function createLoraChips(draft: DraftAccess): { root: HTMLElement; show(library: readonly AssetListItem[]): void } {
  const root = el('div', { class: 'asset-controls', 'data-testid': 'lora-chips' });
  const pick = el('select', { id: 'asset-lora-pick', 'data-testid': 'lora-pick' });
  const add = el('button', { type: 'button', class: 'button-small', 'data-testid': 'lora-add' }, 'Add LoRA');
  const line = el('div', { class: 'asset-picker' });
  line.append(pick, add);
  const chips = el('ul', { class: 'asset-chips', 'aria-label': 'LoRAs in this request' });
  root.append(line, chips);
  let library: readonly AssetListItem[] = [];
  let drawn = '';

  const loras = () => recordField(draft.get(), 'loras', isNumber);
  const write = (next: Record<string, number>) => draft.set(withField(draft.get(), 'loras', next));

  add.addEventListener('click', () => {
    if (!pick.value) return;
    write({ ...loras(), [pick.value]: 1 });
  });

  function chip(name: string, weight: number, known: boolean): HTMLLIElement {
    const li = el('li', { class: `asset-chip${known ? '' : ' missing'}`, 'data-testid': `lora-chip-${name}` });
    const range = el('input', { type: 'range', min: '-2', max: '2', step: '0.05', 'aria-label': `Weight of ${name}`, 'data-testid': `lora-weight-${name}` });
    range.value = String(weight);
    const out = el('output', { 'data-testid': `lora-weight-value-${name}` }, weight.toFixed(2));
    range.addEventListener('input', () => {
      out.textContent = Number(range.value).toFixed(2);
      write({ ...loras(), [name]: Number(range.value) });
    });
    const remove = el('button', { type: 'button', class: 'button-small', 'aria-label': `Remove ${name}`, 'data-testid': `lora-remove-${name}` }, '×');
    remove.addEventListener('click', () => {
      const next = loras();
      delete next[name];
      write(next);
    });
    li.append(el('span', { title: known ? `LoRA ${name}` : `${name} is not in this device's library` }, known ? name : `${name} (not stored)`), range, out, remove);
    return li;
  }

  return {
    root,
    show(items) {
      library = ofKind(items, 'lora');
      const current = loras();
      const key = JSON.stringify([Object.keys(current), library.map((a) => a.name)]);
      if (key === drawn) {
        // Same chips: only the weights follow (the slider being dragged keeps its place).
        for (const [name, w] of Object.entries(current)) {
          const range = chips.querySelector<HTMLInputElement>(`[data-testid="lora-weight-${CSS.escape(name)}"]`);
          if (range && document.activeElement !== range) range.value = String(w);
          const out = chips.querySelector(`[data-testid="lora-weight-value-${CSS.escape(name)}"]`);
          if (out) out.textContent = w.toFixed(2);
        }
        return;
      }
      drawn = key;
      const free = library.filter((a) => !(a.name in current));
      pick.replaceChildren(el('option', { value: '' }, library.length ? (free.length ? 'Choose a stored LoRA…' : 'All stored LoRAs are added') : 'No LoRAs stored: import one in Custom assets'),
        ...free.map((a) => el('option', { value: a.name }, a.name)));
      add.disabled = free.length === 0;
      chips.replaceChildren(...Object.entries(current).map(([n, w]) => chip(n, w, library.some((a) => a.name === n))));
    },
  };
}
