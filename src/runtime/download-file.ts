// One file from the network into the byte store: streamed (never whole in memory), hashed as it streams, resumed with
// HTTP Range after a reload or a dropped connection, retried with backoff, and verified before it counts as stored.
import type { IHasher } from 'hash-wasm';
import type { ByteStore, WritableFile } from './byte-store';
import { readText } from './byte-store';
import { SourceNotAllowedError } from './connect-policy';
import { newDigest, restartDigest, type DigestAlgorithm } from './digest';
import type { RemoteFile } from './hub';

export class DownloadError extends Error {
  constructor(readonly path: string, message: string, readonly kind: 'missing' | 'integrity' | 'network' | 'http' | 'cancelled' | 'storage') {
    super(message);
    this.name = 'DownloadError';
  }
}

export interface RetryPolicy {
  attempts: number;
  baseMs: number;
  maxMs: number;
}
export const DEFAULT_RETRY: RetryPolicy = { attempts: 6, baseMs: 500, maxMs: 15_000 };

export interface DownloadFileDeps {
  fetch: typeof fetch;
  store: ByteStore;
  sleep(ms: number): Promise<void>;
  retry?: RetryPolicy;
  /** Bytes between checkpoints (flush + saved hash state): what a reload can lose at most. */
  checkpointBytes?: number;
}

/** Resume bookkeeping kept beside a partial file: bytes known good, and the hash state after them. */
export interface PartialState {
  url: string;
  offset: number;
  algorithm: DigestAlgorithm;
  hashState: string;
}

export const partialPath = (path: string) => `${path}.partial.json`;

const toB64 = (b: Uint8Array) => btoa(Array.from(b, (c) => String.fromCharCode(c)).join(''));
const fromB64 = (s: string) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));

async function newHasher(file: RemoteFile): Promise<{ hasher: IHasher; algorithm: PartialState['algorithm']; expected?: string }> {
  if (file.gitSha1 && file.size !== undefined) return { hasher: await newDigest('git-sha1', file.size), algorithm: 'git-sha1', expected: file.gitSha1 };
  return { hasher: await newDigest('sha256', 0), algorithm: 'sha256', expected: file.sha256 };
}

const retryable = (status: number) => status >= 500 || status === 408 || status === 429;

/**
 * Downloads `file` to `at` in the store (by default its own path; messages always name `file.path`).
 * `onBytes(delta)` reports progress (negative when bytes are dropped
 * to restart). Returns the SHA-256 (or git blob id) it verified against, or computed when none was known.
 */
export async function downloadFile(
  file: RemoteFile, deps: DownloadFileDeps, onBytes: (delta: number) => void, signal?: AbortSignal, at = file.path,
): Promise<{ size: number; digest: string }> {
  const { store } = deps;
  const retry = deps.retry ?? DEFAULT_RETRY;
  const checkpointBytes = deps.checkpointBytes ?? 4 * 1024 * 1024;
  const h = await newHasher(file);
  let offset = 0;
  const out = await store.open(at);
  try {
    // Resume where the last checkpoint left off (same URL, same hash), dropping any bytes after it.
    const saved = await readText(store, partialPath(at)).then((t) => (t ? (JSON.parse(t) as PartialState) : undefined), () => undefined);
    const have = await out.size();
    if (saved && saved.url === file.url && saved.algorithm === h.algorithm && saved.offset <= have) {
      h.hasher.load(fromB64(saved.hashState));
      offset = saved.offset;
    }
    await out.truncate(offset);
    if (offset > 0) onBytes(offset);

    const checkpoint = async () => {
      await out.flush();
      const state: PartialState = { url: file.url, offset, algorithm: h.algorithm, hashState: toB64(h.hasher.save()) };
      await store.writeText(partialPath(at), JSON.stringify(state));
    };

    for (let attempt = 1; ; attempt++) {
      if (signal?.aborted) throw new DownloadError(file.path, 'Download cancelled.', 'cancelled');
      if (file.size !== undefined && offset === file.size && file.size > 0) break;
      let failure: string;
      try {
        // no-store: the browser's HTTP cache would keep a second copy of every gigabyte, and rewrite our Range requests.
        const res = await deps.fetch(file.url, { signal, cache: 'no-store', headers: offset > 0 ? { Range: `bytes=${offset}-` } : {} });
        if (res.status === 404 || res.status === 410) throw new DownloadError(file.path, `${file.path} is missing at the source (HTTP ${res.status}).`, 'missing');
        if (res.status === 401 || res.status === 403) throw new DownloadError(file.path, `${file.path}: access denied (HTTP ${res.status}).`, 'http');
        if (res.status === 416 && file.size !== undefined && offset === file.size) break;
        if (!res.ok || !res.body) {
          if (!retryable(res.status)) throw new DownloadError(file.path, `${file.path}: HTTP ${res.status}.`, 'http');
          failure = `HTTP ${res.status}`;
        } else {
          if (offset > 0 && res.status !== 206) {
            // The server ignored the Range: start over.
            onBytes(-offset);
            offset = 0;
            restartDigest(h.hasher, h.algorithm, file.size ?? 0);
            await out.truncate(0);
          }
          const done = await stream(res.body, out, h.hasher, () => offset, (n) => {
            offset += n;
            onBytes(n);
          }, checkpoint, checkpointBytes, signal);
          if (done === 'complete' && (file.size === undefined || offset >= file.size)) break;
          if (signal?.aborted) throw new DOMException('aborted', 'AbortError');
          failure = done === 'complete' ? 'the connection closed early' : done;
        }
      } catch (e) {
        if (e instanceof DownloadError && e.kind === 'storage') throw new DownloadError(file.path, `${file.path}: ${e.message}`, 'storage');
        if (e instanceof DownloadError) throw e;
        if (e instanceof SourceNotAllowedError) throw new DownloadError(file.path, e.message, 'http');
        if (signal?.aborted) {
          await checkpoint().catch(() => undefined);
          throw new DownloadError(file.path, 'Download cancelled.', 'cancelled');
        }
        failure = e instanceof Error ? e.message : String(e);
      }
      await checkpoint().catch(() => undefined);
      if (attempt >= retry.attempts) throw new DownloadError(file.path, `${file.path}: gave up after ${attempt} tries (${failure}).`, 'network');
      await deps.sleep(Math.min(retry.maxMs, retry.baseMs * 2 ** (attempt - 1)));
    }

    await out.flush();
    const digest = h.hasher.digest('hex');
    const fail = async (why: string) => {
      await out.close();
      await store.remove(at);
      await store.remove(partialPath(at));
      onBytes(-offset);
      throw new DownloadError(file.path, why, 'integrity');
    };
    if (file.size !== undefined && offset !== file.size) await fail(`${file.path} is ${offset} bytes, but the source lists ${file.size}; the file was deleted.`);
    if (h.expected && digest !== h.expected) {
      await fail(`${file.path} is corrupt: its ${h.algorithm === 'sha256' ? 'SHA-256' : 'git blob id'} is ${digest.slice(0, 12)}…, expected ${h.expected.slice(0, 12)}…; the file was deleted.`);
    }
    await store.remove(partialPath(at));
    return { size: offset, digest };
  } finally {
    await out.close().catch(() => undefined);
  }
}

/** Copies a response body into the file, hashing as it goes; 'complete', or why it stopped early. */
async function stream(
  body: ReadableStream<Uint8Array>, out: WritableFile, hasher: IHasher, at: () => number, advance: (n: number) => void,
  checkpoint: () => Promise<void>, checkpointBytes: number, signal?: AbortSignal,
): Promise<'complete' | string> {
  const reader = body.getReader();
  let sinceCheckpoint = 0;
  // Cancel must not wait for the network layer to fail the read: a body that stops arriving (or a fetch that passed
  // through a service worker and never hears of the abort) would otherwise hang the download for good.
  let onAbort = () => undefined as void;
  const aborted = new Promise<'cancelled'>((resolve) => {
    onAbort = () => resolve('cancelled');
    if (signal?.aborted) onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
  });
  try {
    for (;;) {
      let chunk: ReadableStreamReadResult<Uint8Array> | 'cancelled';
      try {
        chunk = await Promise.race([reader.read(), aborted]);
      } catch (e) {
        return signal?.aborted ? 'cancelled' : `connection lost: ${e instanceof Error ? e.message : String(e)}`;
      }
      if (chunk === 'cancelled') return 'cancelled';
      if (chunk.done) return 'complete';
      const value = chunk.value;
      try {
        await out.write(value, at());
      } catch (e) {
        throw new DownloadError('', `the device's storage refused the write: ${e instanceof Error ? e.message : String(e)}`, 'storage');
      }
      hasher.update(value);
      advance(value.length);
      sinceCheckpoint += value.length;
      if (signal?.aborted) return 'cancelled';
      if (sinceCheckpoint >= checkpointBytes) {
        sinceCheckpoint = 0;
        await checkpoint();
      }
    }
  } finally {
    signal?.removeEventListener('abort', onAbort);
    reader.cancel().catch(() => undefined);
  }
}
