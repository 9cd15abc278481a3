// What the asset controls share: the draft request (read, replace), the form's field rows, and the library's items of a kind.
import type { AssetListItem } from '../../worker/protocol';
import type { RequestDraft } from '../request-form';

export interface DraftAccess {
  get(): RequestDraft;
  set(draft: RequestDraft): void;
}

/** A record field of the draft ({name: weight}, {name: trigger}) as an object, or {} when it holds something else. */
export function recordField<T>(draft: RequestDraft, field: string, isValue: (v: unknown) => v is T): Record<string, T> {
  const v = draft[field];
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return {};
  return Object.fromEntries(Object.entries(v as Record<string, unknown>).filter((e): e is [string, T] => isValue(e[1])));
}

/** The draft with `field` set to `value`, or without it when the value is empty or undefined. */
export function withField(draft: RequestDraft, field: string, value: unknown): RequestDraft {
  const next = { ...draft };
  const empty = value === undefined || value === '' || (typeof value === 'object' && value !== null && Object.keys(value).length === 0);
  if (empty) delete next[field];
  else next[field] = value;
  return next;
}

export const ofKind = (items: readonly AssetListItem[], kind: AssetListItem['kind']) => items.filter((a) => a.kind === kind);

/** A schema field's row in the generated form, its raw control hidden, its label pointed at `control`, its help replaced. */
export function takeOverRow(form: HTMLElement, field: string, control: HTMLElement, help?: string): HTMLElement | undefined {
  const row = form.querySelector<HTMLElement>(`[data-field="${field}"]`);
  if (!row) return undefined;
  const raw = row.querySelector<HTMLElement>(`#field-${field}`);
  if (raw) raw.hidden = true;
  row.querySelector('label')?.setAttribute('for', control.id);
  row.querySelector('label')?.after(control);
  row.classList.add('field-wide');
  const helpText = row.querySelector('.help');
  if (help && helpText) helpText.textContent = help;
  return row;
}
