// Where fused initializers are written, one at a time: an append-only file read back as a Blob (OPFS, a disk file, memory).
import type { ByteStore, WritableFile } from './byte-store';

export interface OverlayWriter {
  /** Appends one patched initializer's bytes; returns the offset they start at. */
  append(bytes: Uint8Array): Promise<number>;
  /** Bytes appended so far. */
  readonly size: number;
  /** Ends writing; the overlay as a Blob (disk-backed where the store is) that the patched shards slice. */
  finish(): Promise<Blob>;
}

/** An overlay kept in memory (tests; or a model small enough that its patched initializers fit anyway). */
export function memoryOverlay(): OverlayWriter & { parts: Uint8Array[] } {
  const parts: Uint8Array[] = [];
  let size = 0;
  return {
    parts,
    get size() {
      return size;
    },
    async append(bytes) {
      const at = size;
      parts.push(bytes.slice());
      size += bytes.length;
      return at;
    },
    async finish() {
      return new Blob(parts as BlobPart[]);
    },
  };
}

/** An overlay file in a ByteStore (OPFS in the browser, src/node/fs-store.ts on disk): only the touched initializers are stored. */
export async function storeOverlay(store: ByteStore, path: string): Promise<OverlayWriter> {
  const file: WritableFile = await store.open(path);
  await file.truncate(0);
  let size = 0;
  let closed = false;
  return {
    get size() {
      return size;
    },
    async append(bytes) {
      if (closed) throw new Error(`The overlay ${path} is already finished.`);
      const at = size;
      await file.write(bytes, at);
      size += bytes.length;
      return at;
    },
    async finish() {
      if (!closed) {
        closed = true;
        await file.flush();
        await file.close();
      }
      const blob = await store.read(path);
      if (!blob || blob.size !== size) throw new Error(`The overlay ${path} reads back ${blob?.size ?? 0} bytes, not the ${size} written.`);
      return blob;
    },
  };
}
