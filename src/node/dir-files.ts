// A model folder on this machine's disk as ModelFiles: small files read with fs, and each file's path for sessions.
import { access, readFile } from 'node:fs/promises';
import { resolve, sep } from 'node:path';
import type { ModelFiles } from '../runtime/model-files';

export function dirModelFiles(dir: string): ModelFiles {
  const base = `${resolve(dir)}${sep}`;
  const at = (path: string) => base + path;
  return {
    location: base,
    bytes: async (path, onBytes) => {
      const bytes = new Uint8Array(await readFile(at(path)));
      onBytes?.(bytes.length, bytes.length);
      return bytes;
    },
    json: async (path) => JSON.parse(await readFile(at(path), 'utf8')),
    exists: (path) => access(at(path)).then(() => true, () => false),
    localPath: at,
  };
}
