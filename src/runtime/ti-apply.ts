// A request's textual inversions applied to the loaded model: tokenizers with the trigger tokens, grown text encoders.
import type { BpeTokenizer } from '../pipeline/clip-tokens';
import type { TiFile, TiVectors } from '../pipeline/ti/ti-file';
import { allTriggerTokens, withAddedTokens, withTriggers } from '../pipeline/ti/ti-tokens';
import { checkTrigger, type TiTrigger } from '../pipeline/ti/ti-triggers';
import { parseFile } from '../schema/file-check';
import { tokenizerConfigSchema, tokenizerJsonSchema } from '../schema/model-files';
import { createClipTokenizer } from './clip-tokenizer';
import type { ModelFiles } from './model-files';
import { growTokenEmbedding, overlayData, type GrownEmbedding } from './ti-embeddings';

/** One textual inversion of the request: `textual_inversions: {name: trigger}` with the file the name refers to. */
export interface TiAsset {
  trigger: string;
  file: TiFile;
}

export const TI_ENCODERS = [
  { component: 'text_encoder', tokenizerDir: 'tokenizer', vectors: (f: TiFile) => f.clipL, tensor: 'clip_l' },
  { component: 'text_encoder_2', tokenizerDir: 'tokenizer_2', vectors: (f: TiFile) => f.clipG, tensor: 'clip_g' },
] as const;
export type TiComponent = (typeof TI_ENCODERS)[number]['component'];

/**
 * What textual inversions start from: each encoder's tokenizer files, and the model's files to read the text encoders'
 * graphs (model.onnx, no external data) from when a TI set is applied; they are not kept.
 */
export interface TiBase {
  files: ModelFiles;
  encoders: Record<TiComponent, { tokenizerJson: Parameters<typeof withAddedTokens>[0]; tokenizerConfig: Parameters<typeof createClipTokenizer>[1] }>;
}

export interface TiApplied {
  /** Identifies the TI set (names, triggers, vectors): equal keys give equal results. */
  key: string;
  tokenizer: BpeTokenizer;
  tokenizer2: BpeTokenizer;
  grown: Record<TiComponent, GrownEmbedding>;
  /** Per encoder, the ids the tokens got, in request order: { name: [trigger id, trigger_1 id, …] }. */
  tokenIds: Record<TiComponent, Record<string, number[]>>;
}

/** Reads both tokenizers' files (checked as load-sdxl checks them), once per loaded model. */
export async function readTiBase(files: ModelFiles): Promise<TiBase> {
  const read = async (e: (typeof TI_ENCODERS)[number]) => {
    const json = parseFile(tokenizerJsonSchema, await files.json<unknown>(`${e.tokenizerDir}/tokenizer.json`), `${files.location}${e.tokenizerDir}/tokenizer.json`);
    const config = parseFile(tokenizerConfigSchema, await files.json<unknown>(`${e.tokenizerDir}/tokenizer_config.json`), `${files.location}${e.tokenizerDir}/tokenizer_config.json`);
    return { tokenizerJson: json, tokenizerConfig: config };
  };
  const [te1, te2] = await Promise.all(TI_ENCODERS.map(read));
  return { files, encoders: { text_encoder: te1!, text_encoder_2: te2! } };
}

function fnv1a(data: Float32Array): string {
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  let h = 0x811c9dc5;
  for (const b of bytes) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  return h.toString(16);
}

/** The cache key of a TI set, in request order. */
export function tiKey(tis: Record<string, TiAsset>): string {
  return JSON.stringify(Object.entries(tis).map(([name, t]) => [name, t.trigger, fnv1a(t.file.clipL.data), fnv1a(t.file.clipG.data), t.file.clipL.count, t.file.clipG.count]));
}

function concatRows(list: TiVectors[]): Float32Array {
  const out = new Float32Array(list.reduce((n, v) => n + v.data.length, 0));
  let o = 0;
  for (const v of list) {
    out.set(v.data, o);
    o += v.data.length;
  }
  return out;
}

/**
 * diffusers' load_textual_inversion for each TI, in request order, on both encoders: the tokens trigger, trigger_1, …
 * are added to the tokenizer (ids after the vocabulary) and the vectors appended to the token embedding as those rows.
 */
export async function applyTextualInversions(base: TiBase, tis: Record<string, TiAsset>): Promise<TiApplied> {
  const entries = Object.entries(tis);
  if (entries.length === 0) throw new Error('applyTextualInversions: no textual inversions (use the base tokenizers and sessions)');
  const seen = new Map<string, string>();
  for (const [name, t] of entries) {
    checkTrigger(t.trigger, name);
    const other = seen.get(t.trigger);
    if (other !== undefined) throw new Error(`textual inversions "${other}" and "${name}" have the same trigger ${JSON.stringify(t.trigger)}`);
    seen.set(t.trigger, name);
  }
  const grownBy: Partial<TiApplied['grown']> = {};
  const idsBy: Partial<TiApplied['tokenIds']> = {};
  const tokenizers: BpeTokenizer[] = [];
  for (const e of TI_ENCODERS) {
    const src = base.encoders[e.component];
    const vectors = entries.map(([, t]) => e.vectors(t.file));
    const dim = vectors[0]!.dim;
    entries.forEach(([name], i) => {
      if (vectors[i]!.dim !== dim) throw new Error(`textual inversion "${name}": ${e.tensor} vectors have ${vectors[i]!.dim} values, "${entries[0]![0]}"'s have ${dim}`);
    });
    const triggers: TiTrigger[] = entries.map(([, t], i) => ({ trigger: t.trigger, vectors: vectors[i]!.count }));
    const { json, ids } = withAddedTokens(src.tokenizerJson, allTriggerTokens(triggers));
    let grown: GrownEmbedding;
    try {
      grown = growTokenEmbedding(await base.files.bytes(`${e.component}/model.onnx`), concatRows(vectors), dim);
    } catch (err) {
      throw new Error(`textual inversions (${e.tensor} for ${e.component}): ${err instanceof Error ? err.message : String(err)}`);
    }
    if (ids[0] !== grown.rowsBefore) throw new Error(`${e.component}: the tokenizer's first free id is ${ids[0]} but the token embedding has ${grown.rowsBefore} rows; they must agree for textual inversions`);
    const tok = withTriggers(createClipTokenizer(json, src.tokenizerConfig), triggers);
    tokenizers.push(tok);
    grownBy[e.component] = grown;
    let next = 0;
    idsBy[e.component] = Object.fromEntries(entries.map(([name], i) => [name, ids.slice(next, (next += vectors[i]!.count))]));
  }
  return {
    key: tiKey(tis),
    tokenizer: tokenizers[0]!,
    tokenizer2: tokenizers[1]!,
    grown: grownBy as TiApplied['grown'],
    tokenIds: idsBy as TiApplied['tokenIds'],
  };
}

/**
 * The model's files with the grown text encoders in place (model.onnx and the overlay file), so the loader's own
 * createComponentSession makes their sessions unchanged; every other file is the base's. No localPath: the grown
 * graphs are not on disk.
 */
export function tiModelFiles(files: ModelFiles, applied: TiApplied): ModelFiles {
  const lookup = (path: string) => {
    for (const e of TI_ENCODERS) {
      const g = applied.grown[e.component];
      if (path === `${e.component}/model.onnx`) return { model: g.model };
      if (g.overlay && path === `${e.component}/${g.overlay.path}`) return { overlay: g.overlay, stored: `${e.component}/${g.overlay.location}` };
    }
    return undefined;
  };
  const out: ModelFiles = {
    location: files.location,
    ...(files.storeKey !== undefined ? { storeKey: files.storeKey } : {}),
    async bytes(path, onBytes) {
      const hit = lookup(path);
      if (!hit) return files.bytes(path, onBytes);
      if (hit.model) return hit.model;
      const data = overlayData(hit.overlay!, await files.bytes(hit.stored!));
      return data as Uint8Array;
    },
    json: (path) => files.json(path),
    exists: async (path) => (lookup(path) ? true : files.exists(path)),
  };
  if (files.blob) {
    const blob = files.blob.bind(files);
    out.blob = async (path) => {
      const hit = lookup(path);
      if (!hit) return blob(path);
      if (hit.model) return new Blob([hit.model as Uint8Array<ArrayBuffer>]);
      return overlayData(hit.overlay!, await blob(hit.stored!)) as Blob;
    };
  }
  return out;
}

/** Keeps the last applied TI set: a request with the same set reuses its tokenizers and grown graphs. */
export class TiCache {
  private last?: TiApplied;
  async apply(base: TiBase, tis: Record<string, TiAsset>): Promise<{ applied: TiApplied; changed: boolean }> {
    const key = tiKey(tis);
    if (this.last?.key === key) return { applied: this.last, changed: false };
    this.last = undefined; // the previous set's grown graphs are not kept while the next is made
    this.last = await applyTextualInversions(base, tis);
    return { applied: this.last, changed: true };
  }
  clear(): void {
    this.last = undefined;
  }
}
