// One asset's files into the byte store: its source listed (or its local files taken), the files its kind is made of
// picked, written verified (resuming an interrupted import of the same asset), and its content checked for its kind.
import { isSingleFile, MAX_ASSET_FILES, MAX_SAFETENSORS_BYTES, type AssetKind, type AssetPending, type AssetSource, type SourceText } from '../schema/asset';
import { AssetContentError, checkConfigJson, checkSafetensorsKind, readSafetensorsHeader } from './asset-content';
import { assetDir, freeDir, readIndex, readPending, writePending } from './asset-index';
import { planAssetFolder, pickSingleFile } from './asset-layout';
import { listAssetSource, type AssetListing } from './asset-listing';
import { DownloadMeter, type DownloadProgress } from './download-meter';
import type { RemoteFile } from './hub';
import { graphPath, pickWeights } from './model-layout';
import { externalDataFiles } from './onnx-external-data';
import { checkSpace, type StorageApi } from './store-space';
import { pool, writeVerified, type VerifiedSource, type VerifiedWriteDeps } from './verified-write';

export interface ImportDeps extends VerifiedWriteDeps {
  storage?: StorageApi;
  hub: string;
  baseHref?: string;
  now(): number;
}

/** Where an import's bytes come from: a URL or Hub id (text), or files on this device by path inside the asset. */
export type AssetInput = { text: SourceText } | { local: { name: string; entries: readonly { path: string; blob: Blob }[] } };

export interface AddOptions {
  signal?: AbortSignal;
  onProgress?(p: DownloadProgress): void;
}

const sameSource = (a: AssetSource, b: AssetSource) => JSON.stringify({ ...a, commit: undefined }) === JSON.stringify({ ...b, commit: undefined });

/**
 * Stores the asset's files under a folder of assets/ (state.json records each verified file, so a second call with
 * the same name, kind and source resumes). Content of the wrong kind is an AssetContentError and nothing of it stays.
 */
export async function importAsset(deps: ImportDeps, kind: AssetKind, name: string, input: AssetInput, { signal, onProgress }: AddOptions): Promise<{ dir: string; state: AssetPending }> {
  const { store } = deps;
  onProgress?.(DownloadMeter.resolving());
  const where = 'text' in input ? (input.text.kind === 'url' ? input.text.url : `${input.text.repo}${input.text.path ? `:${input.text.path}` : ''}`) : input.local.name;
  const listing: AssetListing = 'text' in input
    ? await listAssetSource(deps, kind, input.text, signal)
    : { files: input.local.entries.map((e) => ({ path: e.path, url: '', size: e.blob.size })), path: '', source: { kind: 'local', name: input.local.name } };
  const blobs = 'local' in input ? new Map(input.local.entries.map((e) => [e.path, e.blob])) : undefined;
  const sourceOf = (f: RemoteFile, original = f.path): VerifiedSource => (blobs ? { path: f.path, blob: blobs.get(original)! } : { remote: f });

  const single = isSingleFile(kind);
  let first: { file: RemoteFile; src: VerifiedSource }[];
  let candidates: ReturnType<typeof planAssetFolder>['weightCandidates'] = {};
  if (single) {
    const picked = pickSingleFile(kind, listing.files, listing.path, where);
    if ((picked.file.size ?? 0) > MAX_SAFETENSORS_BYTES) {
      throw new AssetContentError(picked.file.path, `${picked.file.path} is ${picked.file.size} bytes, more than the ${MAX_SAFETENSORS_BYTES} a LoRA or an embedding may have.`);
    }
    // A file on this device is checked before a byte is copied.
    if (blobs) checkSafetensorsKind(kind, await readSafetensorsHeader(blobs.get(picked.from)!, picked.file.path), picked.file.path);
    first = [{ file: picked.file, src: sourceOf(picked.file, picked.from) }];
  } else {
    const plan = planAssetFolder(kind as 'vae' | 'refiner', listing.files, where);
    first = plan.first.map((f) => ({ file: f, src: sourceOf(f) }));
    candidates = plan.weightCandidates;
  }

  // The folder: an interrupted import of the same asset resumes there; anything else in it goes.
  const dir = freeDir(await readIndex(store), name);
  const previous = await readPending(store, dir);
  const resumable = previous && previous.name.toLowerCase() === name.toLowerCase() && previous.kind === kind && sameSource(previous.source, listing.source);
  if (!resumable) await store.removeTree(assetDir(dir));
  const state: AssetPending = { name, kind, source: listing.source, files: resumable ? previous.files : {} };
  const stored = new Map((await store.list(assetDir(dir))).map((e) => [e.path, e.size]));
  const isDone = (f: RemoteFile) => {
    const d = state.files[f.path];
    const want = f.sha256 ?? f.gitSha1;
    return !!d && stored.get(f.path) === d.size && (f.size === undefined || f.size === d.size) && (!want || want === d.digest) && !blobs;
  };
  const space = (files: readonly RemoteFile[]) => (deps.storage
    ? checkSpace(deps.storage, files.filter((f) => !isDone(f)).reduce((n, f) => n + (f.size ?? 0) - (stored.get(f.path) ?? 0), 0))
    : Promise.resolve());
  await space(first.map((x) => x.file));
  await writePending(store, dir, state);

  const meter = new DownloadMeter(deps.now, onProgress);
  const writeAll = async (items: readonly { file: RemoteFile; src: VerifiedSource }[]) => {
    for (const { file } of items) meter.add(file.path, file.size, isDone(file) ? state.files[file.path]!.size : 0);
    await pool(items.filter((x) => !isDone(x.file)), 3, async ({ file, src }) => {
      const r = await writeVerified(src, `${assetDir(dir)}/${file.path}`, deps, (d) => meter.bytes(file.path, d), signal).catch((e: unknown) => {
        meter.fail(file.path);
        throw e;
      });
      meter.finish(file.path);
      state.files[file.path] = { size: r.size, digest: r.digest };
      await writePending(store, dir, state);
    });
  };
  try {
    await writeAll(first);
    const rest = single ? [] : await weights(deps, dir, candidates, listing, blobs ? sourceOf : undefined, where, space);
    if (first.length + rest.length > MAX_ASSET_FILES) throw new AssetContentError(where, `${where} has more than ${MAX_ASSET_FILES} files.`);
    await writeAll(rest);
    // A resumed import keeps only what the source lists now.
    const planned = new Set([...first, ...rest].map((x) => x.file.path));
    for (const p of Object.keys(state.files)) if (!planned.has(p)) delete state.files[p];
    await checkContent(deps, kind, dir, Object.keys(state.files));
  } catch (e) {
    // Wrong content is refused for good: nothing of it stays. Anything else (network, cancel) keeps what is verified.
    if (e instanceof AssetContentError) await store.removeTree(assetDir(dir));
    throw e;
  }
  return { dir, state };
}

/** The external data each stored graph names, from the listing (or asked for at a folder URL without a manifest). */
async function weights(
  deps: ImportDeps,
  dir: string, candidates: ReturnType<typeof planAssetFolder>['weightCandidates'], listing: AssetListing,
  local: ((f: RemoteFile) => VerifiedSource) | undefined, where: string, space: (files: readonly RemoteFile[]) => Promise<void>,
): Promise<{ file: RemoteFile; src: VerifiedSource }[]> {
  const out: RemoteFile[] = [];
  for (const [c, known] of Object.entries(candidates) as [keyof typeof candidates, RemoteFile[]][]) {
    const graph = await deps.store.read(`${assetDir(dir)}/${graphPath(c)}`);
    if (!graph) continue;
    const refs = externalDataFiles(new Uint8Array(await graph.arrayBuffer()));
    let pool = known;
    if (listing.probe) {
      const asked = await Promise.all(refs.filter((r) => !known.some((f) => f.path === `${c}/${r}`)).map((r) => listing.probe!(`${c}/${r}`)));
      pool = [...known, ...asked.filter((f): f is RemoteFile => f !== undefined)];
    }
    const picked = pickWeights(c, refs, pool);
    if (picked.missing.length) throw new AssetContentError(picked.missing[0]!, `${where}: ${graphPath(c)} refers to external data the source does not have: ${picked.missing.join(', ')}.`);
    out.push(...picked.files);
  }
  await space(out);
  return out.map((f) => ({ file: f, src: local ? local(f) : { remote: f } }));
}

/** What the stored bytes must hold for the kind (the .safetensors keys, JSON configs). */
async function checkContent(deps: ImportDeps, kind: AssetKind, dir: string, paths: readonly string[]): Promise<void> {
  for (const p of paths) {
    const blob = (await deps.store.read(`${assetDir(dir)}/${p}`))!;
    if (isSingleFile(kind)) checkSafetensorsKind(kind, await readSafetensorsHeader(blob, p), p);
    else if (p.endsWith('.json')) await checkConfigJson(blob, p);
  }
}
