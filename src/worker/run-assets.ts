// The assets a request names (`vae`, `textual_inversions`, later `loras` and the refiner) found in the asset library
// and read for the run; a name the library does not hold is a field error listing the names it does.
import { readTiFile } from '../pipeline/ti/ti-file';
import type { FieldError } from '../schema/response';
import type { ResolvedRequest } from '../schema/validate';
import type { ModelFiles } from '../runtime/model-files';
import type { RunAssets } from '../runtime/model-sessions';
import type { TiAsset } from '../runtime/ti-apply';

export type AssetKind = 'lora' | 'textual_inversion' | 'vae' | 'refiner';

/** A stored asset as the engine reads it: its key (what its sessions are cached by), its files, and for single-file assets the file. */
export interface FoundAsset {
  key: string;
  files: ModelFiles;
  file?: string;
}

/** What the engine needs from the asset library. */
export interface AssetSource {
  find(kind: AssetKind, name: string): Promise<FoundAsset | undefined>;
  names(kind: AssetKind): Promise<string[]>;
  /** The refiner use_refiner means: the one the user chose, by default the first one added. */
  activeRefiner(): Promise<string | undefined>;
}

const KIND_WORDS: Record<AssetKind, string> = { lora: 'LoRA', textual_inversion: 'textual inversion', vae: 'VAE', refiner: 'refiner' };

async function unknown(source: AssetSource | undefined, kind: AssetKind, name: string, loc: (string | number)[]): Promise<FieldError> {
  const names = (await source?.names(kind)) ?? [];
  const listed = names.length > 0 ? `use one of ${names.slice(0, 20).map((n) => `"${n}"`).join(', ')}${names.length > 20 ? ', …' : ''}` : `this device has no ${KIND_WORDS[kind]} assets: add one in the assets panel (or window.sdxl.addAsset) first`;
  return { loc, msg: `${KIND_WORDS[kind]} "${name}" is not in the asset library: ${listed}.`, type: 'unknown_name' };
}

async function singleFile(a: FoundAsset): Promise<Uint8Array> {
  if (!a.file) throw new Error('this asset is a folder, not a file');
  return a.files.bytes(a.file);
}

export async function resolveRunAssets(req: ResolvedRequest, source: AssetSource | undefined): Promise<{ ok: true; assets: RunAssets } | { ok: false; detail: FieldError[] }> {
  const detail: FieldError[] = [];
  const assets: RunAssets = {};
  if (req.vae !== undefined) {
    const found = await source?.find('vae', req.vae);
    if (found) assets.vae = { name: req.vae, key: found.key, files: found.files };
    else detail.push(await unknown(source, 'vae', req.vae, ['body', 'vae']));
  }
  const tis = Object.entries(req.textual_inversions ?? {});
  if (tis.length > 0) {
    const out: Record<string, TiAsset> = {};
    for (const [name, trigger] of tis) {
      const found = await source?.find('textual_inversion', name);
      if (!found) {
        detail.push(await unknown(source, 'textual_inversion', name, ['body', 'textual_inversions', name]));
        continue;
      }
      try {
        out[name] = { trigger, file: readTiFile(await singleFile(found), `textual inversion "${name}"`) };
      } catch (e) {
        detail.push({ loc: ['body', 'textual_inversions', name], msg: `textual inversion "${name}" cannot be used: ${e instanceof Error ? e.message : String(e)}`, type: 'value_error' });
      }
    }
    assets.tis = out;
  }
  const loras = Object.entries(req.loras ?? {});
  if (loras.length > 0) {
    assets.loras = [];
    for (const [name, weight] of loras) {
      const found = await source?.find('lora', name);
      if (found) assets.loras.push({ name, key: found.key, weight, read: () => singleFile(found) });
      else detail.push(await unknown(source, 'lora', name, ['body', 'loras', name]));
    }
  }
  if (req.use_refiner) {
    const name = await source?.activeRefiner();
    const found = name === undefined ? undefined : await source?.find('refiner', name);
    if (found) assets.refiner = { name: name!, key: found.key, files: found.files };
    else detail.push({ loc: ['body', 'use_refiner'], msg: 'use_refiner needs a refiner in the asset library (an SDXL refiner ONNX folder): add one in the assets panel (or window.sdxl.addAsset), or set use_refiner to false.', type: 'unknown_name' });
  }
  return detail.length > 0 ? { ok: false, detail } : { ok: true, assets };
}
