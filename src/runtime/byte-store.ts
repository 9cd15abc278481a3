// Persistent storage for model files, as the downloader and the loader see it: files written at an offset and read
// back as Blobs. OPFS in the browser (opfs-store.ts); an in-memory store in the tests.

export interface WritableFile {
  /** Current length in bytes. */
  size(): Promise<number>;
  write(data: Uint8Array, at: number): Promise<void>;
  truncate(size: number): Promise<void>;
  /** Makes what was written survive a closed tab or a crash. */
  flush(): Promise<void>;
  close(): Promise<void>;
}

export interface StoredEntry {
  path: string;
  size: number;
}

export interface ByteStore {
  /** Opens (creating) a file for writing in place; folders in the path are created. */
  open(path: string): Promise<WritableFile>;
  /** The file's bytes as a Blob (on disk, not in memory, for OPFS), or undefined when absent. */
  read(path: string): Promise<Blob | undefined>;
  writeText(path: string, text: string): Promise<void>;
  remove(path: string): Promise<void>;
  /** Removes a folder and everything under it. */
  removeTree(prefix: string): Promise<void>;
  /** Every file under a folder, recursively, with its size. */
  list(prefix: string): Promise<StoredEntry[]>;
  /** Where a file sits on this machine's disk, for a store on a local file system (Node, src/node/fs-store.ts). */
  localPath?(path: string): string;
}

export async function readText(store: ByteStore, path: string): Promise<string | undefined> {
  const blob = await store.read(path);
  return blob ? blob.text() : undefined;
}

/** A store kept in memory: the unit tests' stand-in for OPFS, with the same semantics. */
export function memoryStore(): ByteStore & { files: Map<string, Uint8Array> } {
  const files = new Map<string, Uint8Array>();
  const norm = (p: string) => p.replace(/^\/+/, '');
  return {
    files,
    async open(path) {
      const key = norm(path);
      if (!files.has(key)) files.set(key, new Uint8Array(0));
      return {
        size: async () => files.get(key)!.length,
        async write(data, at) {
          const cur = files.get(key)!;
          const next = new Uint8Array(Math.max(cur.length, at + data.length));
          next.set(cur);
          next.set(data, at);
          files.set(key, next);
        },
        async truncate(size) {
          const cur = files.get(key)!;
          const next = new Uint8Array(size);
          next.set(cur.subarray(0, Math.min(size, cur.length)));
          files.set(key, next);
        },
        flush: async () => undefined,
        close: async () => undefined,
      };
    },
    async read(path) {
      const f = files.get(norm(path));
      return f ? new Blob([f.slice()]) : undefined;
    },
    async writeText(path, text) {
      files.set(norm(path), new TextEncoder().encode(text));
    },
    async remove(path) {
      files.delete(norm(path));
    },
    async removeTree(prefix) {
      const p = `${norm(prefix).replace(/\/$/, '')}/`;
      for (const k of [...files.keys()]) if (k.startsWith(p)) files.delete(k);
    },
    async list(prefix) {
      const p = `${norm(prefix).replace(/\/$/, '')}/`;
      return [...files].filter(([k]) => k.startsWith(p)).map(([k, v]) => ({ path: k.slice(p.length), size: v.length }));
    },
  };
}
