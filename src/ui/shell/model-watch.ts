// Keeps the status chip and the drawer in step with the model panel: wraps the panel, so every load's start, progress,
// success and failure reach the header too. The drawer opens by itself on a failure, and closes once a model is ready.
import type { AdapterReport } from '../../worker/protocol';
import type { ModelPanel } from '../model-panel';
import type { Drawer } from './drawer';
import type { StatusChip } from './status-chip';

/** A short name for the chip: a URL, path or stored location by its last segment ("tiny-sdxl"); other names as they are. */
export const shortName = (ref: string) =>
  /^([a-z]+:\/\/|\/|\.\/|(cache|local):)/.test(ref) ? ref.replace(/^(cache|local):/, '').replace(/\/+$/, '').split('/').pop() || ref : ref;
const backendName = (provider: AdapterReport['provider']) => (provider === 'webgpu' ? 'WebGPU' : 'CPU (wasm)');

export function watchModelPanel(panel: ModelPanel, panelRoot: HTMLElement, chip: StatusChip, drawer: Drawer): ModelPanel {
  chip.adoptState(panelRoot.querySelector<HTMLElement>('[data-testid=model-state]')!);
  let loaded = false;
  return {
    ...panel,
    showLoading(name) {
      panel.showLoading(name);
      chip.model(shortName(name));
      chip.progress('');
    },
    showProgress(p) {
      panel.showProgress(p);
      const pct = p.total ? Math.min(100, Math.round((100 * p.received) / p.total)) : undefined;
      chip.progress(pct === undefined || (p.stage === 'download' && p.phase === 'resolving') ? '' : `${pct} %`);
    },
    showLoaded(report) {
      panel.showLoaded(report);
      loaded = true;
      chip.model(shortName(report.record?.name ?? report.location));
      chip.backend(backendName(report.provider));
      chip.progress('');
      drawer.close('auto');
    },
    showError(message) {
      panel.showError(message);
      chip.progress('');
      drawer.open('auto');
    },
    showAdapter(adapter) {
      panel.showAdapter(adapter);
      if (!loaded) chip.backend(backendName(adapter.provider));
    },
  };
}
