// The request form, generated from the schema: one control per field, grouped, with errors shown beside fields.
import { el } from './dom';
import type { FieldError } from '../schema/response';
import type { GenerateRequest } from '../schema/request';
import { blobToBase64 } from './image-input';
import { GROUPS, requestFields, type FieldSpec } from './request-fields';

export type RequestDraft = Record<string, unknown>;

export interface RequestForm {
  get(): RequestDraft;
  set(draft: RequestDraft): void;
  showErrors(detail: FieldError[]): FieldError[];
  clearErrors(): void;
  setPlaceholders(defaults: Partial<Record<keyof GenerateRequest, string>>): void;
  setSizePresets(sizes: readonly (readonly [number, number])[]): void;
  /** A live note under a field (token counter, what a style adds). */
  setInfo(name: string, text: string): void;
}

/** Parses a control's text into the request value; text that is not valid stays a string so validation names it. */
function parseValue(spec: FieldSpec, raw: string): unknown {
  const text = raw.trim();
  if (text === '') return spec.required ? raw : undefined;
  switch (spec.kind) {
    case 'integer':
    case 'number':
      return Number.isFinite(Number(text)) ? Number(text) : raw;
    case 'seed': {
      const parts = text.split(/[\s,]+/).filter(Boolean);
      const nums = parts.map(Number);
      if (nums.some((n) => !Number.isFinite(n))) return raw;
      return parts.length === 1 && !text.includes(',') ? nums[0] : nums;
    }
    case 'record':
      try {
        return JSON.parse(text);
      } catch {
        return raw;
      }
    default:
      return raw;
  }
}

function formatValue(spec: FieldSpec, value: unknown): string {
  if (value === undefined || value === null) return '';
  if (spec.kind === 'seed' && Array.isArray(value)) return value.join(', ');
  if (spec.kind === 'record' && typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

export function createRequestForm(form: HTMLFormElement, onChange: (draft: RequestDraft) => void): RequestForm {
  const specs = requestFields();
  let draft: RequestDraft = {};
  const controls = new Map<string, { spec: FieldSpec; input: HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement; error: HTMLElement; row: HTMLElement; info: HTMLElement; range?: HTMLInputElement }>();
  const emit = () => onChange({ ...draft });
  let sizeSelect: HTMLSelectElement | undefined;

  const setField = (name: string, value: unknown) => {
    if (value === undefined) delete draft[name];
    else draft[name] = value;
  };

  for (const group of GROUPS) {
    const section = el('details', { class: `group group-${group.id}`, 'data-group': group.id });
    if (group.open) section.setAttribute('open', '');
    section.append(el('summary', {}, group.title));
    const grid = el('div', { class: 'group-fields' });
    section.append(grid);
    if (group.id === 'size') {
      const row = el('div', { class: 'field field-size-preset' });
      row.append(el('label', { for: 'size-preset' }, 'Size preset'));
      sizeSelect = el('select', { id: 'size-preset', 'data-testid': 'size-preset' });
      sizeSelect.addEventListener('change', () => {
        if (!sizeSelect!.value) return;
        const [w, h] = sizeSelect!.value.split('x').map(Number);
        setField('width', w);
        setField('height', h);
        api.set(draft);
        emit();
      });
      row.append(sizeSelect);
      grid.append(row);
    }
    for (const spec of specs.filter((s) => s.group === group.id)) {
      const id = `field-${spec.name}`;
      const row = el('div', { class: `field field-${spec.kind}${spec.widget === 'textarea' ? ' field-wide' : ''}`, 'data-field': spec.name });
      const label = el('label', { for: id }, spec.label + (spec.required ? ' *' : ''));
      let input: HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement;
      let range: HTMLInputElement | undefined;
      if (spec.kind === 'enum') {
        const select = el('select', { id, name: spec.name });
        select.append(el('option', { value: '' }, spec.default !== undefined ? `${String(spec.default)} (default)` : 'default'));
        if (spec.optionGroups) {
          for (const g of spec.optionGroups) {
            const group = el('optgroup', { label: g.label });
            for (const o of g.options) group.append(el('option', { value: o }, o));
            select.append(group);
          }
        } else {
          for (const o of spec.options ?? []) if (o !== spec.default) select.append(el('option', { value: o }, o));
        }
        input = select;
      } else if (spec.kind === 'boolean') {
        input = el('input', { id, name: spec.name, type: 'checkbox' });
      } else if (spec.widget === 'textarea') {
        input = el('textarea', { id, name: spec.name, rows: spec.name === 'prompt' ? '4' : '2' });
      } else if (spec.widget === 'image') {
        input = el('input', { id, name: spec.name, type: 'file', accept: 'image/png,image/jpeg,image/webp' });
      } else {
        const numeric = spec.kind === 'integer' || spec.kind === 'number';
        input = el('input', { id, name: spec.name, type: 'text', inputmode: numeric ? 'decimal' : 'text', autocomplete: 'off' });
        if (spec.widget === 'slider' && spec.max !== undefined) {
          range = el('input', {
            type: 'range', min: String(spec.min ?? 0), max: String(spec.name === 'steps' ? 50 : spec.max),
            step: String(spec.step ?? 1), 'aria-label': `${spec.label} slider`, tabindex: '-1',
          });
        }
      }
      if (spec.default !== undefined && spec.kind !== 'enum' && spec.kind !== 'boolean') input.setAttribute('placeholder', String(spec.default));
      input.setAttribute('aria-describedby', `${id}-help ${id}-error`);
      const help = el('div', { class: 'help', id: `${id}-help` }, spec.help);
      const error = el('div', { class: 'field-error', id: `${id}-error`, role: 'alert', 'data-testid': `error-${spec.name}` });
      const info = el('div', { class: 'field-info', 'data-testid': `info-${spec.name}`, 'aria-live': 'polite' });
      row.append(label, input);
      if (range) row.append(range);
      row.append(info, help, error);
      grid.append(row);
      controls.set(spec.name, { spec, input, error, row, info, range });

      const update = async () => {
        if (input instanceof HTMLInputElement && input.type === 'checkbox') setField(spec.name, input.checked ? true : spec.default === false ? undefined : false);
        else if (input instanceof HTMLInputElement && input.type === 'file') setField(spec.name, input.files?.[0] ? await blobToBase64(input.files[0]) : undefined);
        else setField(spec.name, parseValue(spec, input.value));
        if (range && typeof draft[spec.name] === 'number') range.value = String(draft[spec.name]);
        emit();
      };
      input.addEventListener(input instanceof HTMLSelectElement || input.type === 'checkbox' || input.type === 'file' ? 'change' : 'input', () => void update());
      range?.addEventListener('input', () => {
        input.value = range!.value;
        void update();
      });
    }
    form.append(section);
  }

  const api: RequestForm = {
    get: () => ({ ...draft }),
    set(next) {
      draft = { ...next };
      for (const { spec, input, range } of controls.values()) {
        const v = draft[spec.name];
        if (input instanceof HTMLInputElement && input.type === 'checkbox') input.checked = v === true;
        else if (input instanceof HTMLInputElement && input.type === 'file') {
          if (v === undefined) input.value = '';
        } else input.value = formatValue(spec, v);
        if (range && typeof v === 'number') range.value = String(v);
      }
      if (sizeSelect) {
        const key = `${String(draft.width)}x${String(draft.height)}`;
        sizeSelect.value = [...sizeSelect.options].some((o) => o.value === key) ? key : '';
      }
    },
    showErrors(detail) {
      api.clearErrors();
      const unplaced: FieldError[] = [];
      for (const d of detail) {
        const c = controls.get(String(d.loc[1]));
        if (!c) {
          unplaced.push(d);
          continue;
        }
        c.error.textContent = c.error.textContent ? `${c.error.textContent} ${d.msg}` : d.msg;
        c.row.classList.add('has-error');
        c.input.setAttribute('aria-invalid', 'true');
        // Reveal the group so the error is visible.
        c.row.closest('details')?.setAttribute('open', '');
      }
      return unplaced;
    },
    clearErrors() {
      for (const c of controls.values()) {
        c.error.textContent = '';
        c.row.classList.remove('has-error');
        c.input.removeAttribute('aria-invalid');
      }
    },
    setPlaceholders(defaults) {
      for (const [name, text] of Object.entries(defaults)) {
        const c = controls.get(name);
        if (c && !(c.input instanceof HTMLSelectElement)) c.input.setAttribute('placeholder', text ?? '');
        if (c && c.input instanceof HTMLSelectElement && text) c.input.options[0]!.textContent = `${text} (default)`;
      }
    },
    setInfo(name, text) {
      const c = controls.get(name);
      if (c) c.info.textContent = text;
    },
    setSizePresets(sizes) {
      if (!sizeSelect) return;
      sizeSelect.replaceChildren(el('option', { value: '' }, 'custom / default'));
      for (const [w, h] of sizes) sizeSelect.append(el('option', { value: `${w}x${h}` }, `${w} × ${h}${w === h ? ' (square)' : w > h ? ' (landscape)' : ' (portrait)'}`));
      api.set(draft);
    },
  };
  return api;
}
