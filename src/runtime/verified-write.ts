// Writing one verified file into the byte store, whatever it comes from: a download (resumable, retried, checked
// against the source's size and hash: download-file.ts) or a local Blob copied in (streamed, hashed as it copies,
// checked against a size or SHA-256 when one is known). Models and assets both store their files through here.
import type { ByteStore } from './byte-store';
import { newDigest } from './digest';
import { DownloadError, downloadFile, type RetryPolicy } from './download-file';
import type { RemoteFile } from './hub';

/** Where the file's bytes come from: a URL (as a source lists it) or a Blob on this device (a picked file, a disk file). */
export type VerifiedSource = { remote: RemoteFile } | { path: string; blob: Blob; sha256?: string };

export interface VerifiedWriteDeps {
  store: ByteStore;
  fetch: typeof fetch;
  sleep?(ms: number): Promise<void>;
  retry?: RetryPolicy;
  checkpointBytes?: number;
}

/** The stored file's size and digest (SHA-256, or the git blob id a Hub listing gave), verified. */
export interface WrittenFile {
  size: number;
  digest: string;
}

const defaultSleep = (ms: number) => new Promise<void>((res) => setTimeout(res, ms));

/**
 * Stores `src` at `at`; `onBytes(delta)` reports progress. A download resumes from its last checkpoint; a copy starts
 * over. A file that fails its check is deleted and the error (DownloadError, kind 'integrity') names `src`'s path.
 */
export function writeVerified(src: VerifiedSource, at: string, deps: VerifiedWriteDeps, onBytes: (delta: number) => void, signal?: AbortSignal): Promise<WrittenFile> {
  if ('remote' in src) {
    return downloadFile(src.remote, { fetch: deps.fetch, store: deps.store, sleep: deps.sleep ?? defaultSleep, retry: deps.retry, checkpointBytes: deps.checkpointBytes }, onBytes, signal, at);
  }
  return copyVerified(src, at, deps.store, onBytes, signal);
}

async function copyVerified(src: { path: string; blob: Blob; sha256?: string }, at: string, store: ByteStore, onBytes: (delta: number) => void, signal?: AbortSignal): Promise<WrittenFile> {
  const out = await store.open(at);
  const hasher = await newDigest('sha256', 0);
  let size = 0;
  try {
    await out.truncate(0);
    const reader = src.blob.stream().getReader();
    try {
      for (let r = await reader.read(); !r.done; r = await reader.read()) {
        if (signal?.aborted) throw new DownloadError(src.path, 'Import cancelled.', 'cancelled');
        try {
          await out.write(r.value, size);
        } catch (e) {
          throw new DownloadError(src.path, `${src.path}: the device's storage refused the write: ${e instanceof Error ? e.message : String(e)}`, 'storage');
        }
        hasher.update(r.value);
        size += r.value.length;
        onBytes(r.value.length);
      }
    } finally {
      reader.cancel().catch(() => undefined);
    }
    await out.flush();
  } finally {
    await out.close().catch(() => undefined);
  }
  const digest = hasher.digest('hex');
  // A file changed on disk while it was copied (a Blob of a File reads the file as it is now).
  const bad = size !== src.blob.size ? `${src.path} changed while it was copied (${size} bytes read, ${src.blob.size} expected)`
    : src.sha256 && digest !== src.sha256 ? `${src.path} is corrupt: its SHA-256 is ${digest.slice(0, 12)}…, expected ${src.sha256.slice(0, 12)}…` : undefined;
  if (bad) {
    await store.remove(at);
    onBytes(-size);
    throw new DownloadError(src.path, `${bad}; the copy was deleted.`, 'integrity');
  }
  return { size, digest };
}

/**
 * Runs `work` over items with at most `limit` at once. A failure stops new starts and the first is rethrown at the end,
 * except a failure `isolated` says touches only its own item (a corrupt file): the others still run, so the next
 * attempt has only that item left to do.
 */
export async function pool<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>, isolated: (e: unknown) => boolean = () => false): Promise<void> {
  let next = 0;
  let failed: unknown;
  let stop = false;
  const runners = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length && !stop) {
      const item = items[next++]!;
      try {
        await work(item);
      } catch (e) {
        failed ??= e;
        if (!isolated(e)) stop = true;
      }
    }
  });
  await Promise.all(runners);
  if (failed !== undefined) throw failed;
}
