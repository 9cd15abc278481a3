// The Optimum SDXL ONNX layout as a checklist: from what a source lists, pick the files a model needs, say by name
// which required ones are missing, and keep each component's possible external-data files for after its graph is read.
import type { ComponentName, ModelSource } from '../schema/model-record';
import type { RemoteFile } from './hub';

export const REQUIRED_FILES = [
  'model_index.json',
  'scheduler/scheduler_config.json',
  'tokenizer/tokenizer.json', 'tokenizer/tokenizer_config.json',
  'tokenizer_2/tokenizer.json', 'tokenizer_2/tokenizer_config.json',
  'vae_decoder/config.json',
];
export const OPTIONAL_FILES = ['sdxl-web.json', 'vae_encoder/config.json'];
export const REQUIRED_GRAPHS: ComponentName[] = ['text_encoder', 'text_encoder_2', 'unet', 'vae_decoder'];
export const OPTIONAL_GRAPHS: ComponentName[] = ['vae_encoder'];

export const graphPath = (c: ComponentName) => `${c}/model.onnx`;

export interface LayoutPlan {
  /** Small files and graphs: fetched first, so a bad layout shows before gigabytes move. */
  first: RemoteFile[];
  /** Per component, files that may be its external data; the graph says which are. */
  weightCandidates: Partial<Record<ComponentName, RemoteFile[]>>;
  /** Required files the source does not have. */
  missing: string[];
}

/** Not weights, whatever folder they are in. */
const NOT_WEIGHTS = /(\.onnx|\.json|\.md|\.txt|\.py|\.gitattributes|\.safetensors|\.bin\.index\.json)$/i;

export function planLayout(listing: readonly RemoteFile[], components: readonly ComponentName[]): LayoutPlan {
  const byPath = new Map(listing.map((f) => [f.path, f]));
  const first: RemoteFile[] = [];
  const missing: string[] = [];
  const want = (path: string, required: boolean) => {
    const f = byPath.get(path);
    if (f) first.push(f);
    else if (required) missing.push(path);
  };
  for (const p of REQUIRED_FILES) want(p, true);
  for (const p of OPTIONAL_FILES) if (p !== 'vae_encoder/config.json' || components.includes('vae_encoder')) want(p, false);
  const weightCandidates: LayoutPlan['weightCandidates'] = {};
  for (const c of components) {
    want(graphPath(c), REQUIRED_GRAPHS.includes(c));
    weightCandidates[c] = listing.filter((f) => f.path.startsWith(`${c}/`) && !f.path.slice(c.length + 1).includes('/') && !NOT_WEIGHTS.test(f.path));
  }
  return { first, weightCandidates, missing };
}

/** Which of a component's candidates its graph names; an external file the source lacks is an error naming it. */
export function pickWeights(component: ComponentName, referenced: readonly string[], candidates: readonly RemoteFile[]): { files: RemoteFile[]; missing: string[] } {
  const byName = new Map(candidates.map((f) => [f.path.slice(component.length + 1), f]));
  const files: RemoteFile[] = [];
  const missing: string[] = [];
  for (const name of referenced) {
    const f = byName.get(name);
    if (f) files.push(f);
    else missing.push(`${component}/${name}`);
  }
  return { files, missing };
}

export class LayoutError extends Error {
  constructor(readonly missing: string[], where: string) {
    super(`${where} is not an SDXL ONNX folder in the Optimum layout: missing ${missing.join(', ')}.`);
    this.name = 'LayoutError';
  }
}

/** A source as a layout error names it: repo@revision[/subfolder], the base URL, or the folder's name. */
export function describeSource(s: ModelSource): string {
  return s.kind === 'hub' ? `${s.repo}@${s.revision}${s.subfolder ? `/${s.subfolder}` : ''}` : s.kind === 'url' ? s.baseUrl : s.name;
}
