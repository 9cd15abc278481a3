// A folder on disk as the page sees a picked folder: {name, files: {relative path: Blob}} (Node tests and e2e refs).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

export function pickedFolder(root: string, dir: string): { name: string; files: Record<string, Blob> } {
  const files: Record<string, Blob> = {};
  const walk = (d: string) => {
    for (const n of readdirSync(d)) {
      const p = join(d, n);
      if (statSync(p).isDirectory()) walk(p);
      else files[relative(join(root, dir), p)] = new Blob([readFileSync(p)]);
    }
  };
  walk(join(root, dir));
  return { name: dir, files };
}
