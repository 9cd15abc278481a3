// The JSON view of the draft: the same request as an OctoAI body, editable; the Form/JSON tabs switch between views.
import type { RequestDraft } from '../request-form';
import type { DraftStore } from './draft-store';

/** Parses the JSON view's text: a request object, or why it is not one yet. */
export function parseDraftJson(text: string): { draft: RequestDraft } | { error: string } {
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return { error: 'the request must be a JSON object' };
    return { draft: parsed as RequestDraft };
  } catch (e) {
    return { error: e instanceof Error ? e.message : String(e) };
  }
}

export function createJsonView(text: HTMLTextAreaElement, error: HTMLElement, store: DraftStore): void {
  const show = (draft: Readonly<RequestDraft>) => (text.value = JSON.stringify(draft, null, 2));
  // What the user is typing is not rewritten under the cursor; every other change is shown.
  store.subscribe((draft, origin) => {
    if (origin !== 'json') show(draft);
  });
  show(store.get());
  text.addEventListener('input', () => {
    const r = parseDraftJson(text.value);
    if ('error' in r) {
      error.textContent = `Not valid JSON yet: ${r.error}`;
      return;
    }
    error.textContent = '';
    store.set(r.draft, 'json');
  });
}

/** Tabs that show one panel each (role=tab buttons with aria-selected). */
export function wireTabs(tabs: readonly (readonly [HTMLElement, HTMLElement])[]): void {
  for (const [tab, panel] of tabs) {
    tab.addEventListener('click', () => {
      for (const [t, p] of tabs) {
        t.classList.toggle('active', t === tab);
        t.setAttribute('aria-selected', String(t === tab));
        p.hidden = p !== panel;
      }
    });
  }
}
