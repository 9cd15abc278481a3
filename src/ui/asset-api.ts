// window.sdxl's asset library methods: addAsset, listAssets, deleteAsset, renameAsset, setActiveRefiner.
import type { AddAssetArg, Generator } from '../worker/client';
import type { AssetInfo, AssetListItem, DownloadProgress } from '../worker/protocol';

export interface SdxlAssetApi {
  /**
   * Imports an asset into this device's library: `kind` 'lora' | 'textual_inversion' | 'vae' | 'refiner', the `name`
   * requests use, and `source` = a URL, a Hub id (`owner/repo[@revision][:path]`), a File or a directory handle.
   * Resumable and verified like model downloads; resolves {name, kind, bytes, sha256}.
   */
  addAsset(asset: AddAssetArg, onProgress?: (p: DownloadProgress) => void): Promise<AssetInfo>;
  listAssets(): Promise<AssetListItem[]>;
  /** Deletes the asset and its bytes. */
  deleteAsset(name: string): Promise<{ deleted: string }>;
  renameAsset(from: string, to: string): Promise<AssetInfo>;
  /** The refiner `use_refiner: true` uses (by default the first one added). */
  setActiveRefiner(name: string): Promise<{ activeRefiner: string }>;
}

/** The methods, each telling `changed` afterwards so the page's views follow the library. */
export function assetApi(generator: Generator, changed: () => void): SdxlAssetApi {
  const after = async <T>(p: Promise<T>): Promise<T> => {
    const r = await p;
    changed();
    return r;
  };
  return {
    addAsset: (asset, onProgress) => after(generator.addAsset(asset, onProgress)),
    listAssets: () => generator.listAssets(),
    deleteAsset: (name) => after(generator.deleteAsset(name)),
    renameAsset: (from, to) => after(generator.renameAsset(from, to)),
    setActiveRefiner: (name) => after(generator.setActiveRefiner(name)),
  };
}
