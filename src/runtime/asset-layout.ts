// Which files an asset is made of, from what its source lists: the one .safetensors file of a LoRA or an embedding,
// or the graphs, configs and (once the graphs are read) external data of a VAE or refiner folder; missing required
// files are named.
import type { AssetKind } from '../schema/asset';
import type { ComponentName } from '../schema/model-record';
import { AssetContentError } from './asset-content';
import type { RemoteFile } from './hub';
import { graphPath } from './model-layout';

type FolderKind = 'vae' | 'refiner';

/** The folders an asset may hold (each `<c>/model.onnx` with its `config.json` and external data), and what it must. */
export const FOLDER_LAYOUT: Record<FolderKind, { required: string[]; components: ComponentName[]; extras: string[] }> = {
  vae: { required: ['vae_decoder/model.onnx'], components: ['vae_decoder', 'vae_encoder'], extras: [] },
  // A refiner without its own text_encoder_2, tokenizer_2 or VAE uses the base model's.
  refiner: {
    required: ['unet/model.onnx', 'unet/config.json'],
    components: ['unet', 'text_encoder_2', 'vae_decoder', 'vae_encoder'],
    extras: ['model_index.json', 'scheduler/scheduler_config.json', 'tokenizer_2/tokenizer.json', 'tokenizer_2/tokenizer_config.json',
      'tokenizer_2/vocab.json', 'tokenizer_2/merges.txt', 'tokenizer_2/special_tokens_map.json'],
  },
};

const KIND_NAMES: Record<AssetKind, string> = { lora: 'a LoRA', textual_inversion: 'a textual inversion', vae: 'a VAE folder', refiner: 'a refiner folder' };

export interface AssetFolderPlan {
  /** Graphs and small files: stored first, so a wrong folder shows before its weights move. */
  first: RemoteFile[];
  /** Per component, the files that may be its external data; the graph says which are. */
  weightCandidates: Partial<Record<ComponentName, RemoteFile[]>>;
}

/** Files directly in a component's folder that are not graphs or text: possible external data. */
const isWeightCandidate = (c: string, path: string) => path.startsWith(`${c}/`) && !path.slice(c.length + 1).includes('/') && !/\.(onnx|json|md|txt|py)$/i.test(path);

/** The files of a VAE or refiner folder to store first; an AssetContentError names every required file it lacks. */
export function planAssetFolder(kind: FolderKind, listing: readonly RemoteFile[], where: string): AssetFolderPlan {
  const layout = FOLDER_LAYOUT[kind];
  const byPath = new Map(listing.map((f) => [f.path, f]));
  const missing = layout.required.filter((p) => !byPath.has(p));
  if (missing.length) throw new AssetContentError(missing[0]!, `${where} is not ${KIND_NAMES[kind]}: missing ${missing.join(', ')}.`);
  const present = layout.components.filter((c) => byPath.has(graphPath(c)));
  const paths = [...layout.extras, ...present.flatMap((c) => [graphPath(c), `${c}/config.json`])];
  const first = [...new Set(paths)].map((p) => byPath.get(p)).filter((f): f is RemoteFile => f !== undefined);
  const weightCandidates: AssetFolderPlan['weightCandidates'] = {};
  for (const c of present) weightCandidates[c] = listing.filter((f) => isWeightCandidate(c, f.path));
  return { first, weightCandidates };
}

/** Paths to ask a folder URL for when it has no manifest.json (HEAD each): every file the layout can use but weights. */
export function probePaths(kind: FolderKind): string[] {
  const layout = FOLDER_LAYOUT[kind];
  return [...new Set([...layout.required, ...layout.extras, ...layout.components.flatMap((c) => [graphPath(c), `${c}/config.json`])])];
}

const baseName = (p: string) => p.slice(p.lastIndexOf('/') + 1);

/**
 * The one .safetensors file a LoRA or an embedding is, from a listing: the file at `path` itself, or the only
 * .safetensors file under the folder `path` ("" = everywhere). `file` is stored under its base name; `from` is its
 * path in the listing.
 */
export function pickSingleFile(kind: AssetKind, listing: readonly RemoteFile[], path: string, where: string): { file: RemoteFile; from: string } {
  const exact = listing.find((f) => f.path === path);
  const pool = exact ? [exact] : listing.filter((f) => path === '' || f.path.startsWith(`${path}/`));
  const found = pool.filter((f) => /\.safetensors$/i.test(f.path));
  if (exact && found.length === 0) throw new AssetContentError(path, `${where} is not ${KIND_NAMES[kind]}: ${baseName(path)} is not a .safetensors file.`);
  if (found.length === 0) throw new AssetContentError(path || where, `${where} is not ${KIND_NAMES[kind]}: it holds no .safetensors file.`);
  if (found.length > 1) {
    const names = found.slice(0, 10).map((f) => f.path).join(', ');
    throw new AssetContentError(path || where, `${where} holds ${found.length} .safetensors files (${names}${found.length > 10 ? ', …' : ''}): name one.`);
  }
  const f = found[0]!;
  return { file: { ...f, path: baseName(f.path) }, from: f.path };
}
