// "Custom assets" card: the import form and the stored assets' list, drawn again on every sdxl-assets-changed.
import type { AddAssetArg } from '../../worker/client';
import type { AssetListItem } from '../../worker/protocol';
import type { SdxlAssetApi } from '../asset-api';
import { el } from '../dom';
import { createAssetImport } from './asset-import';
import { createAssetList } from './asset-list';

export const ASSETS_CHANGED = 'sdxl-assets-changed';

export function createAssetPanel(root: HTMLElement, api: SdxlAssetApi, cancelImport: () => void, onList: (items: AssetListItem[]) => void): { refresh(): Promise<void> } {
  root.classList.add('card', 'asset-panel');
  root.append(el('h2', { class: 'eyebrow', id: 'assets-title' }, 'Custom assets'),
    el('p', { class: 'help' }, 'LoRAs, textual inversions, VAEs and refiners, kept on this device; requests name them.'));
  root.setAttribute('aria-labelledby', 'assets-title');
  createAssetImport(root, { add: (arg: AddAssetArg, onProgress) => api.addAsset(arg, onProgress), cancel: cancelImport });
  const list = createAssetList(root, {
    rename: (from, to) => api.renameAsset(from, to),
    remove: (name) => api.deleteAsset(name),
    activate: (name) => api.setActiveRefiner(name),
  });
  const refresh = async () => {
    try {
      const items = await api.listAssets();
      list.show(items);
      onList(items);
    } catch {
      list.show([]);
    }
  };
  document.addEventListener(ASSETS_CHANGED, () => void refresh());
  void refresh();
  return { refresh };
}
