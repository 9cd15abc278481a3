// A model folder on the user's disk, read in place: a directory handle (File System Access API) or the files of an
// <input webkitdirectory> / a dropped folder. Nothing is copied; weights reach onnxruntime-web as Blobs.
import type { ModelFiles } from './model-files';

/** The files of a picked folder, by path inside it ("unet/model.onnx"), or a directory handle. */
export type LocalFolder = { name: string; files: Record<string, Blob> } | FileSystemDirectoryHandle;

/** Strips the picked folder's own name from webkitRelativePath-style paths when every file shares it. */
export function normalizeFolderPaths(paths: readonly string[]): Map<string, string> {
  const firsts = new Set(paths.map((p) => p.split('/')[0]));
  const strip = firsts.size === 1 && paths.every((p) => p.includes('/')) && !paths.some((p) => p === 'model_index.json');
  return new Map(paths.map((p) => [strip ? p.slice(p.indexOf('/') + 1) : p, p]));
}

/** Every file of a picked folder, by path inside it. */
export async function listLocalFolder(folder: LocalFolder): Promise<{ path: string; blob: Blob }[]> {
  if ('files' in folder) return [...normalizeFolderPaths(Object.keys(folder.files))].map(([path, key]) => ({ path, blob: folder.files[key]! }));
  const out: { path: string; blob: Blob }[] = [];
  const walk = async (dir: FileSystemDirectoryHandle, base: string): Promise<void> => {
    for await (const [name, h] of (dir as unknown as { entries(): AsyncIterable<[string, FileSystemHandle]> }).entries()) {
      if (h.kind === 'directory') await walk(h as FileSystemDirectoryHandle, `${base}${name}/`);
      else out.push({ path: `${base}${name}`, blob: await (h as FileSystemFileHandle).getFile() });
    }
  };
  await walk(folder, '');
  return out;
}

export function localModelFiles(folder: LocalFolder): ModelFiles {
  const find = async (path: string): Promise<Blob | undefined> => {
    if ('files' in folder) {
      const map = normalizeFolderPaths(Object.keys(folder.files));
      const key = map.get(path);
      return key === undefined ? undefined : folder.files[key];
    }
    let dir: FileSystemDirectoryHandle = folder;
    const parts = path.split('/');
    try {
      for (const p of parts.slice(0, -1)) dir = await dir.getDirectoryHandle(p);
      return await (await dir.getFileHandle(parts[parts.length - 1]!)).getFile();
    } catch {
      return undefined;
    }
  };
  const need = async (path: string) => {
    const b = await find(path);
    if (!b) throw new Error(`The folder ${folder.name} has no ${path}: is it an SDXL ONNX export in the Optimum layout?`);
    return b;
  };
  return {
    location: `local:${folder.name}/`,
    bytes: async (path, onBytes) => {
      const bytes = new Uint8Array(await (await need(path)).arrayBuffer());
      onBytes?.(bytes.length, bytes.length);
      return bytes;
    },
    json: async <T>(path: string) => JSON.parse(await (await need(path)).text()) as T,
    exists: async (path) => (await find(path)) !== undefined,
    blob: need,
  };
}
