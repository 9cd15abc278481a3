// Downloading a model into its folder: list the source, refuse early (layout, space, the wasm memory), fetch the
// small files and graphs first, then exactly the external data the graphs name, each file resumable and verified,
// with state.json saved after every file so a reload resumes where this stopped.
import type { ComponentName, ModelRecord } from '../schema/model-record';
import { DownloadError } from './download-file';
import { DownloadMeter, type DownloadProgress } from './download-meter';
import type { RemoteFile } from './hub';
import { describeSource, graphPath, LayoutError, pickWeights, planLayout } from './model-layout';
import { externalDataFiles } from './onnx-external-data';
import type { ExecutionProvider } from './ort-runner';
import { headFile, listRecord, type ListDeps } from './source-listing';
import { checkSpace, type StorageApi } from './store-space';
import { adoptableLegacy, modelDir, readState, writeState, type CachedModelState, type StoredFolder } from './stored-models';
import { pool, writeVerified, type VerifiedWriteDeps } from './verified-write';
import { bytesByComponent, wasmMisfit } from './wasm-fit';

export interface EnsureOptions {
  include?: ComponentName[];
  signal?: AbortSignal;
  onProgress?: (p: DownloadProgress) => void;
  /** The engine's execution provider: on 'wasm', a model too large for the wasm32 memory is refused (WasmMemoryError). */
  provider?: ExecutionProvider;
}

export interface ModelDownloadDeps extends VerifiedWriteDeps {
  storage: StorageApi;
  lister: ListDeps;
  /** Files downloading at once. */
  concurrency?: number;
  now(): number;
}

/** Where the record goes: the folder `locate` found for its origin, among every stored folder. */
export interface DownloadTarget {
  found: StoredFolder & { key: string };
  folders: readonly StoredFolder[];
}

/** A corrupt file is its own fault: the other files still download, so the next attempt fetches only it. */
const isolated = (e: unknown) => e instanceof DownloadError && e.kind === 'integrity';

/** Downloads what `record`'s components lack; returns the folder holding them and whether storage is persistent. */
export async function downloadModel(deps: ModelDownloadDeps, record: ModelRecord, target: DownloadTarget, comps: readonly ComponentName[], opts: EnsureOptions, persisted: boolean): Promise<{ dir: string; persisted: boolean }> {
  const { signal, onProgress } = opts;
  const { store } = deps;
  onProgress?.(DownloadMeter.resolving());
  const { files: listing, commit, sized } = await listRecord(deps.lister, record, comps, signal);
  const plan = planLayout(listing, comps);
  if (plan.missing.length) throw new LayoutError(plan.missing, describeSource(record.source));
  // On the wasm fallback a model too large for its 4 GiB memory is refused from the listing's sizes (every possible
  // weight file counts, as in the download size the card shows), before any download; and again from the graphs'
  // own external-data lists below, before any weight byte.
  const refuseOnWasm = (files: readonly RemoteFile[]) => {
    const misfit = opts.provider === 'wasm' ? wasmMisfit(bytesByComponent(files, comps)) : undefined;
    if (misfit) throw misfit;
  };

  const { found, folders } = target;
  const adopted = found.state ? undefined : adoptableLegacy(folders, record, listing);
  if (adopted) await adopt(deps, adopted.folder.dir, adopted.folder.state!, adopted.drop, found.key);
  const dir = adopted?.folder.dir ?? found.dir;
  // A damaged state.json vouches for nothing (scanStored reads it as absent): every file is fetched and verified again.
  const previous = adopted ? await readState(store, dir).catch(() => undefined) : found.state;
  const done = new Map(Object.entries(previous?.files ?? {}));
  const stored = new Map((await store.list(modelDir(dir))).map((e) => [e.path, e.size]));
  // Done: stored at its verified size, and (when the source names one) with the hash the source names now.
  const isDone = (f: RemoteFile) => {
    const d = done.get(f.path);
    const want = f.sha256 ?? f.gitSha1;
    return !!d && stored.get(f.path) === d.size && (f.size === undefined || f.size === d.size) && (!want || want === d.digest);
  };
  const candidates = Object.values(plan.weightCandidates).flat();
  // Upper bound: every possible weight file counts until the graphs say which are used.
  const all = [...plan.first, ...candidates];
  const needed = all.filter((f) => !isDone(f)).reduce((n, f) => n + (f.size ?? 0) - (stored.get(f.path) ?? 0), 0);
  await checkSpace(deps.storage, needed);
  if (sized) refuseOnWasm(all);
  const granted = persisted || (await deps.storage.persist?.().catch(() => false)) || false;

  const state: CachedModelState = previous ?? { record, complete: false, files: {}, createdAt: deps.now(), lastUsed: deps.now() };
  Object.assign(state, { record, origin: found.key, complete: false, ...(commit ? { commit } : {}) });
  await writeState(store, dir, state);
  const meter = new DownloadMeter(deps.now, onProgress);
  const fetchAll = async (files: RemoteFile[]) => {
    for (const f of files) meter.add(f.path, f.size, isDone(f) ? f.size ?? done.get(f.path)!.size : 0);
    const todo = files.filter((f) => !isDone(f));
    await pool(todo, deps.concurrency ?? 3, async (f) => {
      const r = await writeVerified({ remote: f }, `${modelDir(dir)}/${f.path}`, deps, (delta) => meter.bytes(f.path, delta), signal).catch((e: unknown) => {
        meter.fail(f.path);
        throw e;
      });
      meter.finish(f.path);
      state.files[f.path] = { size: r.size, digest: r.digest };
      await writeState(store, dir, state);
    }, isolated);
  };
  try {
    await fetchAll(plan.first);
    // The graphs name their external data: fetch exactly those.
    const weights: RemoteFile[] = [];
    const missing: string[] = [];
    for (const c of comps) {
      const blob = await store.read(`${modelDir(dir)}/${graphPath(c)}`);
      if (!blob) continue;
      const refs = externalDataFiles(new Uint8Array(await blob.arrayBuffer()));
      let candidates = plan.weightCandidates[c] ?? [];
      if (record.source.kind === 'url' && refs.some((r) => !candidates.some((f) => f.path === `${c}/${r}`))) {
        const base = listing.find((f) => f.path === graphPath(c))!.url;
        const found = await Promise.all(refs.map((r) => headFile(deps.fetch, new URL(r, base).href, `${c}/${r}`, signal)));
        candidates = [...candidates, ...found.filter((f): f is RemoteFile => f !== undefined)];
        await checkSpace(deps.storage, found.reduce((n, f) => n + (f?.size ?? 0), 0));
      }
      const picked = pickWeights(c, refs, candidates);
      weights.push(...picked.files);
      missing.push(...picked.missing);
    }
    if (missing.length) throw new LayoutError(missing, describeSource(record.source));
    refuseOnWasm([...plan.first, ...weights]);
    meter.dropUnused(new Set([...plan.first, ...weights].map((f) => f.path)));
    await fetchAll(weights);
    state.complete = true;
    state.lastUsed = deps.now();
  } finally {
    await writeState(store, dir, state);
  }
  return { dir, persisted: granted };
}

/** Takes over an older version's folder whose files proved to be this source's; every other file in it goes. */
async function adopt(deps: ModelDownloadDeps, dir: string, old: CachedModelState, drop: readonly string[], origin: string): Promise<void> {
  const files = Object.fromEntries(Object.entries(old.files).filter(([p]) => !drop.includes(p)));
  for (const e of await deps.store.list(modelDir(dir))) {
    if (e.path !== 'state.json' && !(e.path in files)) await deps.store.remove(`${modelDir(dir)}/${e.path}`);
  }
  await writeState(deps.store, dir, { ...old, origin, files, complete: false });
}
