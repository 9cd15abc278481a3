// A folder of the byte store as ModelFiles (what the loader reads): bytes and JSON from storage, Blobs (on disk) for
// external data, and each file's local path where the store has one. Stored models and folder assets both use it.
import type { ByteStore } from './byte-store';
import type { ModelFiles } from './model-files';

/** The files under `folder` ("models/<dir>", "assets/<dir>"); `missing(path)` is the message for a file that is not there. */
export function storedFolderFiles(store: ByteStore, folder: string, location: string, missing: (path: string) => string): ModelFiles {
  const at = (p: string) => `${folder}/${p}`;
  const need = async (p: string) => {
    const b = await store.read(at(p));
    if (!b) throw new Error(missing(p));
    return b;
  };
  return {
    location,
    storeKey: folder,
    bytes: async (p, onBytes) => {
      const b = await need(p);
      const bytes = new Uint8Array(await b.arrayBuffer());
      onBytes?.(bytes.length, bytes.length);
      return bytes;
    },
    json: async <T>(p: string) => JSON.parse(await (await need(p)).text()) as T,
    exists: async (p) => (await store.read(at(p))) !== undefined,
    blob: need,
    ...(store.localPath ? { localPath: (p: string) => store.localPath!(at(p)) } : {}),
  };
}
