// "Models on this device": each cached model with its size, source (named when it is not the default Hub) and last
// use, Verify and Delete, and the site's storage (used / allowed, and whether the browser granted persistent storage).
import type { CachedModelInfo, StorageReport } from '../worker/protocol';
import { smallButton } from './dom';
import { formatBytes, formatWhen } from './format';

export interface DeviceModelsActions {
  load(id: string, name: string): void;
  verify(id: string): Promise<{ ok: boolean; bad: string[] }>;
  remove(id: string): Promise<void>;
}

export function createDeviceModels(root: HTMLElement, actions: DeviceModelsActions): { show(models: readonly CachedModelInfo[], storage: StorageReport): void } {
  root.classList.add('card', 'device-models');
  const title = Object.assign(document.createElement('div'), { className: 'eyebrow', textContent: 'Models on this device' });
  const list = document.createElement('div');
  list.className = 'device-model-list';
  const storage = Object.assign(document.createElement('div'), { className: 'help' });
  storage.dataset.testid = 'storage-info';
  root.append(title, list, storage);
  // Verify results outlive a re-render of the list (which a verify that deleted files causes).
  const verdicts = new Map<string, string>();
  return {
    show(models, s) {
      list.replaceChildren();
      if (models.length === 0) list.append(Object.assign(document.createElement('div'), { className: 'help', textContent: 'None yet: a model you download is kept here and then loads offline.' }));
      for (const m of models) {
        const row = document.createElement('div');
        row.className = 'device-model';
        row.dataset.testid = `device-model-${m.id}`;
        const info = document.createElement('div');
        // Anything not from the default Hub (or this app) carries its host in its label, so it never passes for a built-in.
        const unknown = m.source.startsWith('unknown');
        info.append(Object.assign(document.createElement('strong'), { textContent: m.fromDefault ? m.name : `${m.name} — from ${m.source}` }),
          Object.assign(document.createElement('div'), {
            className: 'help',
            textContent: unknown
              ? `${formatBytes(m.bytes)} · not loaded: an older version stored it without recording which server it came from. Delete it; loading the model again downloads a checked copy.`
              : `${formatBytes(m.bytes)} · ${m.complete ? 'complete' : 'partly downloaded'} · last used ${formatWhen(m.lastUsed)}`,
          }));
        const result = Object.assign(document.createElement('div'), { className: 'help' });
        result.dataset.testid = `verify-result-${m.id}`;
        result.textContent = verdicts.get(m.id) ?? '';
        info.append(result);
        const verify = smallButton('Verify', 'Re-hash every file of this model', `verify-${m.id}`, async () => {
          verify.disabled = true;
          result.textContent = 'Checking every file’s SHA-256…';
          const r = await actions.verify(m.id);
          verdicts.set(m.id, r.ok ? 'All files intact.' : `Damaged and removed (downloaded again on next load): ${r.bad.join(', ')}`);
          verify.disabled = false;
          // The row may have been drawn again meanwhile: write into whichever is on the page now.
          const shown = root.querySelector<HTMLElement>(`[data-testid="verify-result-${m.id}"]`);
          if (shown) shown.textContent = verdicts.get(m.id)!;
        });
        const del = smallButton('Delete', 'Delete every byte of this model from this device', `delete-${m.id}`, () => void actions.remove(m.id));
        const buttons = document.createElement('div');
        buttons.className = 'device-model-actions';
        const load = smallButton(m.complete ? 'Load' : 'Resume', m.complete ? 'Load from this device' : 'Resume the download', `device-load-${m.id}`, () => actions.load(m.id, m.name));
        if (unknown) load.disabled = true;
        buttons.append(load, verify, del);
        row.append(info, buttons);
        list.append(row);
      }
      const used = s.usage !== undefined ? `Using ${formatBytes(s.usage)}` : 'Usage unknown';
      const quota = s.quota !== undefined ? ` of ${formatBytes(s.quota)} this site may use` : '';
      storage.textContent = `${used}${quota}. Persistent storage: ${s.persisted ? 'granted — the browser will not clear these models on its own' : 'not granted — the browser may clear them when space runs low'}.`;
    },
  };
}
