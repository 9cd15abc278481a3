// The loaded model as the page sees it: loading one (with the panel's progress), the stored-models list, and what a
// loaded record changes in the form (its defaults, placeholders and size presets).
import type { Size } from '../../schema/sizes';
import type { Generator } from '../../worker/client';
import type { LoadedModelReport, ModelLoadProgress, ModelRef } from '../../worker/protocol';
import type { DraftStore } from '../draft/draft-store';
import { createModelPanel, type ModelPanel } from '../model-panel';
import { createDeviceModels } from '../models-on-device';
import { track } from '../pwa/activity';
import type { RequestForm } from '../request-form';

export interface ModelSessionDeps {
  generator: Generator;
  form: RequestForm;
  store: DraftStore;
  panelRoot: HTMLElement;
  deviceModelsRoot: HTMLElement;
  status(text: string, kind?: 'info' | 'error' | 'ok'): void;
  /** Told after every load and every change to the stored models. */
  onLoaded(report: LoadedModelReport): void;
  onStoredModelsChanged(): void;
  /** Wraps the model panel (the header's status chip and the drawer follow every load through it). */
  watchPanel?(panel: ModelPanel, root: HTMLElement): ModelPanel;
}

export interface ModelSession {
  current(): LoadedModelReport | undefined;
  load(ref: ModelRef, name?: string, onProgress?: (p: ModelLoadProgress) => void, persist?: boolean): Promise<LoadedModelReport>;
  refreshStored(): Promise<void>;
  deleteModel(id: string): ReturnType<Generator['deleteModel']>;
  /** The engine restarted and reloaded the model it had (a load that crashed never replaced it): shown as loaded again. */
  reloadedAfterRestart(): void;
}

/** Size presets for a model that takes any size in a range (the tiny test model): the usual ones that fit. */
const RANGE_PRESETS: Size[] = [[64, 64], [96, 64], [64, 96], [128, 128], [256, 256], [512, 512], [1024, 1024]];

export function createModelSession(deps: ModelSessionDeps): ModelSession {
  const { generator, form, store } = deps;
  let model: LoadedModelReport | undefined;
  const load = (ref: ModelRef, name?: string) => void session.load(ref, name).catch(() => undefined);

  const tinyAvailable = fetch('models/tiny-sdxl/model_index.json', { method: 'HEAD' }).then((r) => r.ok, () => false);
  const created = createModelPanel(deps.panelRoot, { load, cancel: () => generator.cancelLoad() }, tinyAvailable);
  const panel = deps.watchPanel ? deps.watchPanel(created, deps.panelRoot) : created;
  const deviceModels = createDeviceModels(deps.deviceModelsRoot, {
    load,
    verify: async (id) => {
      const r = await generator.verifyModel(id);
      await session.refreshStored();
      return r;
    },
    remove: async (id) => {
      await session.deleteModel(id);
    },
  });
  void generator.adapter().then((a) => panel.showAdapter(a));

  /** A loaded record's recommended defaults fill the fields the user left empty (and become the placeholders). */
  const applyRecordDefaults = (report: LoadedModelReport) => {
    const defaults = report.record?.defaults ?? {};
    const draft = store.get();
    const missing = Object.entries(defaults).filter(([field, value]) => value !== undefined && draft[field] === undefined);
    if (missing.length) store.update(Object.fromEntries(missing), 'app');
    form.setPlaceholders(Object.fromEntries(Object.entries(defaults).map(([k, v]) => [k, String(v)])));
  };

  const showSizes = (report: LoadedModelReport) => {
    if (report.sizeRule.kind === 'list') form.setSizePresets(report.sizeRule.sizes);
    else {
      const { min, max } = report.sizeRule;
      form.setSizePresets(RANGE_PRESETS.filter(([w, h]) => w >= min && h >= min && w <= max && h <= max));
    }
    form.setPlaceholders({ width: String(report.defaultSize[0]), height: String(report.defaultSize[1]) });
  };

  const session: ModelSession = {
    current: () => model,
    async load(ref, name = typeof ref === 'string' ? ref : 'model', onProgress, persist = true) {
      panel.showLoading(name);
      // Ask once for persistent storage (window-only), so the browser does not evict gigabytes of weights under pressure.
      if (persist) await navigator.storage?.persist?.().catch(() => false);
      try {
        let downloaded = false;
        const report = await track('download', generator.loadModel(ref, (p) => {
          panel.showProgress(p);
          onProgress?.(p);
          // Once, when the download is over and sessions start: the stored model's row is complete now.
          if (p.stage === 'session' && !downloaded) {
            downloaded = true;
            void session.refreshStored();
          }
        }));
        model = report;
        applyRecordDefaults(report);
        void session.refreshStored();
        panel.showLoaded(report);
        showSizes(report);
        deps.status('Model ready. Write a prompt and generate.', 'ok');
        deps.onLoaded(report);
        return report;
      } catch (e) {
        const message = e instanceof Error ? e.message : String(e);
        panel.showError(message);
        deps.status(message, 'error');
        void session.refreshStored();
        throw e;
      }
    },
    async refreshStored() {
      const [models, storage] = await Promise.all([generator.cachedModels(), generator.storage()]);
      deviceModels.show(models, storage);
      panel.showCached(models);
      deps.onStoredModelsChanged();
    },
    reloadedAfterRestart() {
      if (model) panel.showLoaded(model);
    },
    async deleteModel(id) {
      const storage = await generator.deleteModel(id);
      await session.refreshStored();
      return storage;
    },
  };
  return session;
}
