// Copying a local folder's model into storage, hashing as it copies, so it loads later without the folder: only the
// layout's files and the external data its graphs name are copied, after the space is checked.
import type { ComponentName, ModelRecord } from '../schema/model-record';
import { DownloadMeter, type DownloadProgress } from './download-meter';
import { graphPath, LayoutError, pickWeights, planLayout } from './model-layout';
import { externalDataFiles } from './onnx-external-data';
import { checkSpace, type StorageApi } from './store-space';
import { modelDir, writeState, type CachedModelState } from './stored-models';
import { pool, writeVerified, type VerifiedWriteDeps } from './verified-write';

export interface ModelImportDeps extends VerifiedWriteDeps {
  storage: StorageApi;
  now(): number;
}

export interface FolderEntry {
  path: string;
  blob: Blob;
}

/** Stores `entries` as `record` in folder `dir` (whose origin key is `key`); the state is complete when it returns. */
export async function importModel(deps: ModelImportDeps, record: ModelRecord, at: { dir: string; key: string }, comps: readonly ComponentName[], entries: readonly FolderEntry[], onProgress?: (p: DownloadProgress) => void): Promise<void> {
  const { dir, key } = at;
  const byPath = new Map(entries.map((e) => [e.path, e.blob]));
  const plan = planLayout(entries.map((e) => ({ path: e.path, url: '', size: e.blob.size })), comps);
  if (plan.missing.length) throw new LayoutError(plan.missing, record.name);
  const chosen = [...plan.first];
  for (const c of comps) {
    const graph = byPath.get(graphPath(c));
    if (!graph) continue;
    const picked = pickWeights(c, externalDataFiles(new Uint8Array(await graph.arrayBuffer())), plan.weightCandidates[c] ?? []);
    if (picked.missing.length) throw new LayoutError(picked.missing, record.name);
    chosen.push(...picked.files);
  }
  await checkSpace(deps.storage, chosen.reduce((n, f) => n + (f.size ?? 0), 0));
  const state: CachedModelState = { record, origin: key, complete: false, files: {}, createdAt: deps.now(), lastUsed: deps.now() };
  await writeState(deps.store, dir, state);
  const meter = new DownloadMeter(deps.now, onProgress);
  for (const f of chosen) meter.add(f.path, f.size);
  await pool(chosen, 2, async (f) => {
    const r = await writeVerified({ path: f.path, blob: byPath.get(f.path)! }, `${modelDir(dir)}/${f.path}`, deps, (delta) => meter.bytes(f.path, delta));
    state.files[f.path] = { size: r.size, digest: r.digest };
    meter.finish(f.path);
  });
  state.complete = true;
  await writeState(deps.store, dir, state);
}
