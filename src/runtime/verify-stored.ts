// Verifying a stored model: every file re-read and re-hashed against state.json; a bad one is deleted and the model
// marked incomplete, so the next load fetches only what went bad.
import type { ByteStore } from './byte-store';
import { digestBlob } from './digest';
import { modelDir, readState, writeState } from './stored-models';

export async function verifyStored(store: ByteStore, dir: string, onFile?: (path: string) => void): Promise<{ ok: boolean; bad: string[] }> {
  const s = await readState(store, dir).catch(() => undefined);
  if (!s) return { ok: false, bad: ['state.json'] };
  const bad: string[] = [];
  for (const [path, want] of Object.entries(s.files)) {
    onFile?.(path);
    const blob = await store.read(`${modelDir(dir)}/${path}`);
    const digest = blob && blob.size === want.size ? await digestBlob(blob, want.digest.length === 40 ? 'git-sha1' : 'sha256') : undefined;
    if (digest !== want.digest) {
      bad.push(path);
      delete s.files[path];
      await store.remove(`${modelDir(dir)}/${path}`);
    }
  }
  if (bad.length) {
    s.complete = false;
    await writeState(store, dir, s);
  }
  return { ok: bad.length === 0, bad };
}
