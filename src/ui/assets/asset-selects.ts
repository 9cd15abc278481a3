// Dropdowns for `vae` (the model's own or a stored VAE) and `checkpoint` (the loaded model or a stored one), and the
// refiner's fields (use_refiner, high_noise_frac) shown only when the library holds a refiner or the request asks for one.
import { DEFAULT_CHECKPOINT } from '../../schema/request';
import type { AssetListItem, CachedModelInfo } from '../../worker/protocol';
import { el } from '../dom';
import type { RequestDraft } from '../request-form';
import { ofKind, withField, type DraftAccess } from './draft-access';

/** Fills a select with [value, label] options; a value the draft holds that is not among them is kept as its own option. */
function fill(select: HTMLSelectElement, options: [string, string][], value: string, unknownLabel: (v: string) => string): void {
  const all = options.some(([v]) => v === value) ? options : [...options, [value, unknownLabel(value)] as [string, string]];
  const key = JSON.stringify(all);
  if (select.dataset.options !== key) {
    select.dataset.options = key;
    select.replaceChildren(...all.map(([v, label]) => el('option', { value: v }, label)));
  }
  select.value = value;
}

export function createVaeSelect(draft: DraftAccess): { root: HTMLSelectElement; show(library: readonly AssetListItem[], d: RequestDraft): void } {
  const root = el('select', { id: 'asset-vae-pick', 'data-testid': 'vae-pick' });
  root.addEventListener('change', () => draft.set(withField(draft.get(), 'vae', root.value || undefined)));
  return {
    root,
    show(library, d) {
      const value = typeof d.vae === 'string' ? d.vae : '';
      fill(root, [['', "The model's own VAE"], ...ofKind(library, 'vae').map((a): [string, string] => [a.name, a.name])], value, (v) => `${v} (not stored)`);
    },
  };
}

export interface LoadedModel {
  recordId?: string;
  name?: string;
}

export function createCheckpointSelect(draft: DraftAccess): { root: HTMLSelectElement; show(models: readonly CachedModelInfo[], loaded: LoadedModel | undefined, d: RequestDraft): void } {
  const root = el('select', { id: 'asset-checkpoint-pick', 'data-testid': 'checkpoint-pick' });
  // The Lightning name means the loaded model, which is also the schema's default: choosing it leaves the field out.
  root.addEventListener('change', () => draft.set(withField(draft.get(), 'checkpoint', root.value === DEFAULT_CHECKPOINT ? undefined : root.value)));
  return {
    root,
    show(models, loaded, d) {
      const value = typeof d.checkpoint === 'string' ? d.checkpoint : DEFAULT_CHECKPOINT;
      const stored = models.filter((m) => m.complete && m.recordId !== loaded?.recordId).map((m): [string, string] => [m.id, `${m.name} (stored; loads in place of the current one)`]);
      const own: [string, string] = [DEFAULT_CHECKPOINT, `${DEFAULT_CHECKPOINT} — the loaded model${loaded?.name ? ` (${loaded.name})` : ''}`];
      fill(root, [own, ...stored], value, (v) => `${v} (not stored on this device)`);
    },
  };
}

/** Shows the refiner rows when they mean something, and says which refiner use_refiner runs. */
export function showRefinerRows(form: HTMLElement, library: readonly AssetListItem[], d: RequestDraft, setInfo: (field: string, text: string) => void): void {
  const refiners = ofKind(library, 'refiner');
  const asked = d.use_refiner === true || d.high_noise_frac !== undefined;
  for (const field of ['use_refiner', 'high_noise_frac']) {
    const row = form.querySelector<HTMLElement>(`[data-field="${field}"]`);
    if (row) row.hidden = refiners.length === 0 && !asked;
  }
  const active = refiners.find((a) => a.active) ?? refiners[0];
  setInfo('use_refiner', active ? `Runs the refiner "${active.name}" after the base model.` : asked ? 'No refiner is stored: import one in Custom assets.' : '');
}
