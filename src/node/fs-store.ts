// The byte store on the local file system (the CLI's model cache): files written in place at an offset, so a download
// stopped by Ctrl+C or a crash resumes; read back as file-backed Blobs; and each file's path for onnxruntime-node.
import { openAsBlob } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import type { ByteStore, StoredEntry } from '../runtime/byte-store';

export function fsStore(rootDir: string): ByteStore {
  const root = resolve(rootDir);
  /** A store path as a file path under the root; anything that would leave it is refused. */
  const full = (path: string) => {
    const p = resolve(root, path.replace(/^\/+/, ''));
    if (p !== root && !p.startsWith(root + sep)) throw new Error(`${JSON.stringify(path)} is outside the model cache ${root}.`);
    return p;
  };
  // Small-file rewrites (state.json) from parallel downloads take turns, as on OPFS.
  const queues = new Map<string, Promise<unknown>>();
  const serial = <T>(path: string, work: () => Promise<T>): Promise<T> => {
    const next = (queues.get(path) ?? Promise.resolve()).then(work, work);
    queues.set(path, next.catch(() => undefined));
    return next;
  };
  async function walk(dir: string, out: StoredEntry[], base: string): Promise<void> {
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const e of entries) {
      const p = join(dir, e.name);
      if (e.isDirectory()) await walk(p, out, base);
      else if (e.isFile() && !e.name.endsWith('.writing')) out.push({ path: relative(base, p).split(sep).join('/'), size: (await stat(p)).size });
    }
  }
  return {
    async open(path) {
      const p = full(path);
      await mkdir(dirname(p), { recursive: true });
      const handle = await open(p, 'a+').then((h) => h.close()).then(() => open(p, 'r+'));
      return {
        size: async () => (await handle.stat()).size,
        async write(data, at) {
          let done = 0;
          while (done < data.length) done += (await handle.write(data, done, data.length - done, at + done)).bytesWritten;
        },
        truncate: (size) => handle.truncate(size),
        flush: () => handle.sync(),
        close: () => handle.close(),
      };
    },
    async read(path) {
      const p = full(path);
      const s = await stat(p).catch(() => undefined);
      return s?.isFile() ? openAsBlob(p) : undefined;
    },
    writeText(path, text) {
      const p = full(path);
      return serial(p, async () => {
        await mkdir(dirname(p), { recursive: true });
        // Written beside, then renamed over: a crash leaves the old file or the new one, never half of one.
        await writeFile(`${p}.writing`, text);
        await rename(`${p}.writing`, p);
      });
    },
    remove: (path) => rm(full(path), { force: true }),
    removeTree: (prefix) => rm(full(prefix), { recursive: true, force: true }),
    async list(prefix) {
      const out: StoredEntry[] = [];
      const dir = full(prefix);
      await walk(dir, out, dir);
      return out;
    },
    localPath: full,
  };
}
