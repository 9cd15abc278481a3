// The byte store on the Origin Private File System, from a dedicated worker: sync access handles write in place, so
// bytes written before a reload or a closed tab are still there to resume from (the Cache API can only store whole
// responses, and a writable stream only commits on close).
import type { ByteStore, StoredEntry } from './byte-store';

type SyncHandle = {
  write(buffer: Uint8Array, options?: { at: number }): number;
  truncate(size: number): void;
  getSize(): number;
  flush(): void;
  close(): void;
};
type FileHandleWithSync = FileSystemFileHandle & { createSyncAccessHandle(): Promise<SyncHandle> };
type DirWithEntries = FileSystemDirectoryHandle & { entries(): AsyncIterable<[string, FileSystemHandle]> };

export function opfsStore(root: Promise<FileSystemDirectoryHandle>): ByteStore {
  // One access handle per file at a time: small-file rewrites (state.json) from parallel downloads take turns.
  const queues = new Map<string, Promise<unknown>>();
  const serial = <T>(path: string, work: () => Promise<T>): Promise<T> => {
    const next = (queues.get(path) ?? Promise.resolve()).then(work, work);
    queues.set(path, next.catch(() => undefined));
    return next;
  };
  const parts = (path: string) => path.split('/').filter(Boolean);
  async function dir(segments: string[], create: boolean): Promise<FileSystemDirectoryHandle | undefined> {
    let d = await root;
    for (const s of segments) {
      try {
        d = await d.getDirectoryHandle(s, { create });
      } catch {
        return undefined;
      }
    }
    return d;
  }
  async function file(path: string, create: boolean): Promise<FileSystemFileHandle | undefined> {
    const p = parts(path);
    const d = await dir(p.slice(0, -1), create);
    try {
      return await d?.getFileHandle(p[p.length - 1]!, { create });
    } catch {
      return undefined;
    }
  }
  async function walk(d: FileSystemDirectoryHandle, base: string, out: StoredEntry[]): Promise<void> {
    for await (const [name, h] of (d as DirWithEntries).entries()) {
      if (h.kind === 'directory') await walk(h as FileSystemDirectoryHandle, `${base}${name}/`, out);
      else out.push({ path: `${base}${name}`, size: (await (h as FileSystemFileHandle).getFile()).size });
    }
  }
  return {
    async open(path) {
      const handle = await (await file(path, true))! as FileHandleWithSync;
      const sync = await handle.createSyncAccessHandle();
      return {
        size: async () => sync.getSize(),
        async write(data, at) {
          let done = 0;
          while (done < data.length) done += sync.write(data.subarray(done), { at: at + done });
        },
        truncate: async (size) => sync.truncate(size),
        flush: async () => sync.flush(),
        close: async () => sync.close(),
      };
    },
    async read(path) {
      return (await file(path, false))?.getFile();
    },
    writeText(path, text) {
      return serial(path, async () => {
        const f = await this.open(path);
        try {
          const bytes = new TextEncoder().encode(text);
          await f.truncate(0);
          await f.write(bytes, 0);
          await f.flush();
        } finally {
          await f.close();
        }
      });
    },
    async remove(path) {
      const p = parts(path);
      await (await dir(p.slice(0, -1), false))?.removeEntry(p[p.length - 1]!).catch(() => undefined);
    },
    async removeTree(prefix) {
      const p = parts(prefix);
      await (await dir(p.slice(0, -1), false))?.removeEntry(p[p.length - 1]!, { recursive: true }).catch(() => undefined);
    },
    async list(prefix) {
      const d = await dir(parts(prefix), false);
      const out: StoredEntry[] = [];
      if (d) await walk(d, '', out);
      return out;
    },
  };
}
