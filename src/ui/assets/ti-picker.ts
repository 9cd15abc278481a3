// The request's `textual_inversions`: pick a stored embedding and a trigger (default `<name>`), add {name: trigger} and
// insert the trigger into the prompt at the cursor; each added one shown with Insert and Remove.
import type { AssetListItem } from '../../worker/protocol';
import { el } from '../dom';
import type { RequestDraft } from '../request-form';
import { ofKind, recordField, withField, type DraftAccess } from './draft-access';

const isString = (v: unknown): v is string => typeof v === 'string';

/** `text` with `word` put in place of [start, end), spaced from its neighbours; and where the caret goes after it. */
export function insertWord(text: string, start: number, end: number, word: string): { text: string; caret: number } {
  const before = text.slice(0, start);
  const after = text.slice(end);
  const lead = before && !/\s$/.test(before) ? ' ' : '';
  const trail = after && !/^[\s,.;]/.test(after) ? ' ' : '';
  const inserted = `${lead}${word}${trail}`;
  return { text: before + inserted + after, caret: before.length + lead.length + word.length };
}

export function createTiPicker(draft: DraftAccess, prompt: () => HTMLTextAreaElement | null): { root: HTMLElement; show(library: readonly AssetListItem[]): void } {
  const root = el('div', { class: 'asset-controls', 'data-testid': 'ti-picker' });
  const pick = el('select', { id: 'asset-ti-pick', 'data-testid': 'ti-pick', 'aria-label': 'Stored textual inversion' });
  const trigger = el('input', { type: 'text', 'aria-label': 'Trigger word', 'data-testid': 'ti-trigger', spellcheck: 'false', autocomplete: 'off', placeholder: 'trigger: <name>' });
  const add = el('button', { type: 'button', class: 'button-small', 'data-testid': 'ti-add' }, 'Add and insert into the prompt');
  const line = el('div', { class: 'asset-picker' });
  line.append(pick, trigger, add);
  const chips = el('ul', { class: 'asset-chips', 'aria-label': 'Textual inversions in this request' });
  root.append(line, chips);
  let drawn = '';
  // Where the caret was in the prompt when it last had focus (the click on "Add" takes the focus away).
  let caret: [number, number] | undefined;
  const remember = () => {
    const p = prompt();
    if (p) caret = [p.selectionStart, p.selectionEnd];
  };
  for (const ev of ['keyup', 'click', 'select', 'input', 'blur']) prompt()?.addEventListener(ev, remember);

  const tis = () => recordField(draft.get(), 'textual_inversions', isString);

  function insert(word: string, extra: Record<string, string> | undefined): void {
    const current = draft.get();
    const text = typeof current.prompt === 'string' ? current.prompt : '';
    const [s, e] = caret && caret[1] <= text.length ? caret : [text.length, text.length];
    const r = insertWord(text, s, e, word);
    let next: RequestDraft = { ...current, prompt: r.text };
    if (extra) next = withField(next, 'textual_inversions', extra);
    draft.set(next);
    caret = [r.caret, r.caret];
    const p = prompt();
    if (p) {
      p.focus();
      p.setSelectionRange(r.caret, r.caret);
    }
  }

  pick.addEventListener('change', () => void (trigger.value = pick.value ? `<${pick.value}>` : ''));
  add.addEventListener('click', () => {
    if (!pick.value) return;
    const word = trigger.value.trim() || `<${pick.value}>`;
    insert(word, { ...tis(), [pick.value]: word });
  });

  return {
    root,
    show(items) {
      const library = ofKind(items, 'textual_inversion');
      const current = tis();
      const key = JSON.stringify([current, library.map((a) => a.name)]);
      if (key === drawn) return;
      drawn = key;
      const chosen = pick.value;
      pick.replaceChildren(el('option', { value: '' }, library.length ? 'Choose a stored embedding…' : 'No embeddings stored: import one in Custom assets'),
        ...library.map((a) => el('option', { value: a.name }, a.name)));
      if (library.some((a) => a.name === chosen)) pick.value = chosen;
      else trigger.value = '';
      add.disabled = library.length === 0;
      chips.replaceChildren(...Object.entries(current).map(([name, word]) => {
        const known = library.some((a) => a.name === name);
        const li = el('li', { class: `asset-chip${known ? '' : ' missing'}`, 'data-testid': `ti-chip-${name}` });
        const again = el('button', { type: 'button', class: 'button-small', 'aria-label': `Insert ${word} into the prompt` }, 'Insert');
        again.addEventListener('click', () => insert(word, undefined));
        const remove = el('button', { type: 'button', class: 'button-small', 'aria-label': `Remove ${name}`, 'data-testid': `ti-remove-${name}` }, '×');
        remove.addEventListener('click', () => {
          const next = tis();
          delete next[name];
          draft.set(withField(draft.get(), 'textual_inversions', next));
        });
        li.append(el('span', {}, `${known ? name : `${name} (not stored)`} → ${word}`), again, remove);
        return li;
      }));
    },
  };
}
