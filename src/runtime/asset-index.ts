// The asset library's own files in the byte store: assets/index.json (every complete asset, and the active refiner)
// and assets/<dir>/state.json (an import under way), read with a size cap and checked against their schemas. The
// store's top level: models/ (model-cache.ts), assets/ (here), variants/ (fused UNets, kept by their own cache).
import { parseFile } from '../schema/file-check';
import { assetIndexSchema, assetPendingSchema, type AssetIndex, type AssetPending } from '../schema/asset';
import type { ByteStore } from './byte-store';
import { MAX_STORE_FILE_BYTES } from './store-files';

export const ASSETS_DIR = 'assets';
/** Reserved for the cache of LoRA-fused UNets (size-capped, LRU): the asset library never writes or lists it. */
export const VARIANTS_DIR = 'variants';
export const INDEX_PATH = `${ASSETS_DIR}/index.json`;
export const assetDir = (dir: string) => `${ASSETS_DIR}/${dir}`;
export const pendingPath = (dir: string) => `${assetDir(dir)}/state.json`;

const EMPTY: AssetIndex = { version: 1, assets: [] };

async function readJson(store: ByteStore, path: string): Promise<unknown> {
  const blob = await store.read(path);
  if (!blob) return undefined;
  if (blob.size > MAX_STORE_FILE_BYTES) throw new Error(`${path} is not valid: larger than ${MAX_STORE_FILE_BYTES / 1024 / 1024} MB.`);
  try {
    return JSON.parse(await blob.text());
  } catch (e) {
    throw new Error(`${path} is not valid: not JSON (${e instanceof Error ? e.message : String(e)}).`);
  }
}

/** The index; an empty library when there is none; a damaged one is an Error naming the file and the field. */
export async function readIndex(store: ByteStore): Promise<AssetIndex> {
  const json = await readJson(store, INDEX_PATH);
  return json === undefined ? { ...EMPTY, assets: [] } : parseFile(assetIndexSchema, json, INDEX_PATH);
}

export async function writeIndex(store: ByteStore, index: AssetIndex): Promise<void> {
  await store.writeText(INDEX_PATH, JSON.stringify(assetIndexSchema.parse(index)));
}

/** An import's state; undefined when there is none or it is damaged (then it vouches for nothing). */
export async function readPending(store: ByteStore, dir: string): Promise<AssetPending | undefined> {
  const json = await readJson(store, pendingPath(dir)).catch(() => undefined);
  const r = json === undefined ? undefined : assetPendingSchema.safeParse(json);
  return r?.success ? r.data : undefined;
}

export function writePending(store: ByteStore, dir: string, state: AssetPending): Promise<void> {
  return store.writeText(pendingPath(dir), JSON.stringify(state));
}

/** The folder a new asset goes to: its name in lower case (the store may fold case), "~2"… when that one is taken. */
export function freeDir(index: AssetIndex, name: string): string {
  const taken = new Set(index.assets.map((a) => a.dir));
  const base = name.toLowerCase();
  let dir = base;
  for (let n = 2; taken.has(dir); n++) dir = `${base}~${n}`;
  return dir;
}
