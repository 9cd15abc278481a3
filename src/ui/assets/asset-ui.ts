// The custom-asset UI put together: the library panel, the form's asset controls (LoRA chips, embeddings, VAE,
// checkpoint, refiner) writing the same request fields, and the cost notes and run warnings beside Generate.
import type { GenerateResponse } from '../../schema/response';
import type { AssetListItem, CachedModelInfo, GenerationStats, MemoryReport } from '../../worker/protocol';
import type { SdxlAssetApi } from '../asset-api';
import type { RequestDraft } from '../request-form';
import { createAssetCosts } from './asset-costs';
import { createAssetPanel } from './asset-panel';
import { createCheckpointSelect, createVaeSelect, showRefinerRows, type LoadedModel } from './asset-selects';
import { takeOverRow, type DraftAccess } from './draft-access';
import { createLoraChips } from './lora-chips';
import { createTiPicker } from './ti-picker';

export interface AssetUiDeps {
  panel: HTMLElement;
  form: HTMLFormElement;
  costs: HTMLElement;
  warnings: HTMLElement;
  api: SdxlAssetApi;
  cancelImport(): void;
  draft: DraftAccess;
  setInfo(field: string, text: string): void;
  models(): Promise<CachedModelInfo[]>;
  loaded(): LoadedModel | undefined;
  stats(): Promise<GenerationStats | undefined>;
  /** The engine's memory report: its cached LoRA-fused variants are shown after each run. */
  memory?(): Promise<MemoryReport | undefined>;
}

export interface AssetUi {
  /** The draft changed (form, JSON view, or code): the controls and cost notes follow it. */
  showDraft(draft: RequestDraft): void;
  /** Stored models or the loaded one changed: the checkpoint list follows. */
  modelsChanged(): void;
  afterRun(request: RequestDraft, response: GenerateResponse): void;
}

export function createAssetUi(deps: AssetUiDeps): AssetUi {
  let library: AssetListItem[] = [];
  let models: CachedModelInfo[] = [];
  const loras = createLoraChips(deps.draft);
  const tis = createTiPicker(deps.draft, () => deps.form.querySelector<HTMLTextAreaElement>('#field-prompt'));
  const vae = createVaeSelect(deps.draft);
  const checkpoint = createCheckpointSelect(deps.draft);
  takeOverRow(deps.form, 'loras', loras.root, 'Stored LoRAs and their weights (−2 to 2), fused in this order; the JSON view shows {name: weight}.');
  takeOverRow(deps.form, 'textual_inversions', tis.root, 'Adds {name: trigger} and puts the trigger into the prompt at the cursor.');
  takeOverRow(deps.form, 'vae', vae.root, 'Decode (and encode) with a stored VAE instead of the model\'s own.');
  takeOverRow(deps.form, 'checkpoint', checkpoint.root, 'The loaded model, or another model stored on this device (loaded for the run).');
  deps.form.querySelector('[data-field="loras"] label')?.setAttribute('for', 'asset-lora-pick');
  deps.form.querySelector('[data-field="textual_inversions"] label')?.setAttribute('for', 'asset-ti-pick');
  const frac = deps.form.querySelector<HTMLInputElement>('#field-high_noise_frac');
  frac?.setAttribute('placeholder', '0.8');
  const fracRange = frac?.parentElement?.querySelector<HTMLInputElement>('input[type=range]');
  if (fracRange) fracRange.value = '0.8';
  const costs = createAssetCosts(deps.costs, deps.warnings);

  const show = (d: RequestDraft) => {
    loras.show(library);
    tis.show(library);
    vae.show(library, d);
    checkpoint.show(models, deps.loaded(), d);
    showRefinerRows(deps.form, library, d, deps.setInfo);
    costs.show(d, library);
  };
  createAssetPanel(deps.panel, deps.api, deps.cancelImport, (items) => {
    library = items;
    show(deps.draft.get());
  });
  const modelsChanged = () => void deps.models().then((m) => {
    models = m;
    show(deps.draft.get());
  }, () => undefined);
  modelsChanged();
  return {
    showDraft: show,
    modelsChanged,
    afterRun(request, response) {
      void Promise.all([deps.stats(), deps.memory?.()]).then(([s, m]) => {
        costs.afterRun(request, response.warnings, s, m?.loraVariants);
        show(deps.draft.get());
      });
    },
  };
}
