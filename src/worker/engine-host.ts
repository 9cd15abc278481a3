// What the engine stands on: onnxruntime and the adapter (chosen once), the model library and the asset library, and
// the settings of this session; plus the store and library calls that need no queue (list, verify, delete, assets).
import type { SessionEvent, SessionOpener } from '../runtime/component-session';
import type { ModelCache, StorageApi } from '../runtime/model-cache';
import type { ModelFiles } from '../runtime/model-files';
import { RunClock, type Ort } from '../runtime/ort-runner';
import type { LoadedOrt, OrtBuildChoice } from '../runtime/ort-build-types';
import type { AdapterReport } from '../runtime/webgpu-adapter';
import type { AssetStore } from '../runtime/asset-store';
import type { ByteStore } from '../runtime/byte-store';
import type { LoraVariantOptions } from '../runtime/lora-variant';
import type { RgbaImage } from '../pipeline/image-tensors';
import { loadFailure } from './engine-errors';
import { AssetLibrary } from './asset-library';
import { ModelLibrary, type LinkPreview, type StorageReport } from './model-library';
import type { AssetSource } from './run-assets';
import { storeAssetSource, storeOverlays } from './store-asset-source';
import { ownVariantFolder } from './variant-folders';
import type { DownloadProgress, EngineInit, Result } from './protocol';

export interface EngineDeps {
  /** onnxruntime-web: the module itself (Node), or a loader that picks a build (the browser: JSPI or asyncify). */
  ort: Ort | ((choice: OrtBuildChoice) => Promise<LoadedOrt>);
  /** Finds the adapter; `forceWasm` skips WebGPU (for comparisons and broken drivers). */
  probe(forceWasm: boolean): Promise<AdapterReport>;
  /** Where a base URL's files come from when there is no cache (Node tests). */
  files(baseUrl: string): ModelFiles;
  /** The on-device model cache for a Hub endpoint (OPFS in the browser); absent = read URLs directly. */
  cache?(hubEndpoint: string | undefined, init?: EngineInit): ModelCache | undefined;
  storage?: StorageApi;
  encodeImage(rgba: Uint8ClampedArray, width: number, height: number, format: 'png' | 'jpeg'): Promise<Uint8Array>;
  /** base64 image → RGBA at width × height (cover + centre crop); throws with a reason on bad data. */
  decodeImage(b64: string, width: number, height: number): Promise<RgbaImage>;
  /** Feather radius (px) of the inpainting paste-back. */
  maskBlur?: number;
  randomSeed(): number;
  now(): number;
  /** Why the GPU device was lost, once it has been (failures after that are `device_lost`). */
  deviceLost?(): Promise<string | undefined>;
  /** Opens sessions another way than onnxruntime-web's bytes and Blobs (Node: from file paths, src/node). */
  openSession?: SessionOpener;
  /** The asset library (in the model store) and the byte store fused LoRA overlays go to; absent = no assets. */
  assets?(init?: EngineInit): { store: AssetStore; bytes?: ByteStore; locks?: Pick<LockManager, 'request'> } | undefined;
}

/** Whether the UNet runs with graph capture on WebGPU unless the page says (README, "Static shapes and graph capture"). */
export const GRAPH_CAPTURE_DEFAULT = false;

/** This engine's name for its own store folders (fused LoRA overlays under variants/). */
const ENGINE_ID = `e${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;

export abstract class EngineHost {
  protected library?: ModelLibrary;
  private assetLib?: AssetLibrary;
  protected assetSource?: AssetSource;
  protected loraOptions: LoraVariantOptions = {};
  protected variantsReady: Promise<void> = Promise.resolve();
  protected readonly clock = new RunClock();
  private adapterReport?: Promise<AdapterReport>;
  private ortLoaded?: Promise<LoadedOrt | { ort: Ort; build: 'node' }>;
  protected loopChoice: 'device' | 'cpu' = 'device';
  protected graphCapture = GRAPH_CAPTURE_DEFAULT;
  /** What the UNet's newest per-shape session did with graph capture. */
  protected unetCapture: 'captured' | 'refused' | 'off' = 'off';
  protected readonly onSession = (e: SessionEvent): void => {
    if (e.component !== 'unet' || (e.kind !== 'captured' && e.kind !== 'capture-refused')) return;
    this.unetCapture = e.kind === 'captured' ? 'captured' : 'refused';
    // Capture refused by the EP is worth a line in the console; the run goes on without it, the same images.
    if (e.kind === 'capture-refused') console.warn(`Graph capture refused for ${e.component} (${e.key}); running without it: ${e.message}`);
  };

  constructor(protected readonly deps: EngineDeps) {}

  /** The files of `storeKey` were deleted from the device (here or in another tab). */
  protected abstract filesDeleted(storeKey: string): void;

  /** An asset was deleted (here or in another tab): what was derived from it goes too. */
  protected abstract assetDeleted(storeKey: string): void;

  /** Chooses the execution provider once, before the first model load, and where Hub ids resolve. */
  init(options: EngineInit): Promise<AdapterReport> {
    this.adapterReport ??= this.deps.probe(options.forceWasm);
    if (options.loop) this.loopChoice = options.loop;
    if (options.graphCapture !== undefined) this.graphCapture = options.graphCapture;
    const ort = this.deps.ort;
    this.ortLoaded ??= typeof ort === 'function' ? ort(options.ortBuild ?? 'auto') : Promise.resolve({ ort, build: 'node' as const });
    if (!this.library) {
      // The cache's Hub is the default one (what the model list marks others against); a mirror is this session's choice.
      this.library = new ModelLibrary(this.deps.cache?.(undefined, options), this.deps.storage, this.deps.files);
      this.library.setHub(options.hubEndpoint);
      // The loaded model's files deleted (in another tab, or here): its sessions may run on, but nothing is read again.
      this.library.onDeleted((storeKey) => this.filesDeleted(storeKey));
      const assets = this.deps.assets?.(options);
      this.assetLib = new AssetLibrary(assets?.store);
      this.assetLib.onDeleted((storeKey) => this.assetDeleted(storeKey));
      this.assetSource = assets && storeAssetSource(assets.store);
      if (assets?.bytes) {
        const bytes = assets.bytes;
        this.loraOptions = storeOverlays(bytes, `variants/${ENGINE_ID}`);
        // Other engines' folders are swept once their lock is free (a reload leaves its overlays behind).
        this.variantsReady = ownVariantFolder(bytes, assets.locks, ENGINE_ID).then((o) => { this.loraOptions = o; });
      }
    }
    return this.adapterReport;
  }

  /** Where Hub repo ids resolve from now on: a mirror the user accepted, or undefined for the default Hub. */
  setHubEndpoint(endpoint: string | undefined): void {
    this.lib().setHub(endpoint);
  }

  /** What loading a reference would download (source, stored or not, size), asking the source for metadata only. */
  async previewModel(ref: string, options: { hub?: string; sizes: boolean }): Promise<Result<LinkPreview>> {
    try {
      return { ok: true, value: await this.lib().preview(ref, { ...options, provider: (await this.adapter()).provider }) };
    } catch (e) {
      return { ok: false, error: { ...loadFailure(e, ref), message: `Could not look up ${ref}: ${e instanceof Error ? e.message : String(e)}` } };
    }
  }

  protected async ort(): Promise<Ort> {
    void this.init({ forceWasm: false });
    return (await this.ortLoaded!).ort;
  }

  /** Which onnxruntime-web build runs: 'jspi' or 'asyncify' in the browser, 'node' in the tests. */
  async ortBuild(): Promise<string> {
    void this.init({ forceWasm: false });
    return (await this.ortLoaded!).build;
  }

  protected lib(): ModelLibrary {
    void this.init({ forceWasm: false });
    return this.library!;
  }

  adapter(): Promise<AdapterReport> {
    return this.init({ forceWasm: false });
  }

  cachedModels() {
    return this.lib().list();
  }

  deleteModel(id: string): Promise<StorageReport> {
    return this.lib().remove(id);
  }

  verifyModel(id: string) {
    return this.lib().verify(id);
  }

  storage(): Promise<StorageReport> {
    return this.lib().storage();
  }

  /** The asset library's page API (window.sdxl.addAsset and friends); every answer a Result. */
  assetLibrary(): AssetLibrary {
    void this.init({ forceWasm: false });
    return this.assetLib!;
  }

  addAsset(arg: unknown, onProgress?: (p: DownloadProgress) => void) {
    return this.assetLibrary().addAsset(arg, onProgress);
  }

  listAssets() {
    return this.assetLibrary().listAssets();
  }

  deleteAsset(name: string) {
    return this.assetLibrary().deleteAsset(name);
  }

  renameAsset(from: string, to: string) {
    return this.assetLibrary().renameAsset(from, to);
  }

  setActiveRefiner(name: string) {
    return this.assetLibrary().setActiveRefiner(name);
  }

  cancelAssetImport(): void {
    this.assetLibrary().cancel();
  }

}
