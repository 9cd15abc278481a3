// The Node engine's textual inversions: grown text encoders written to a folder (old shards hard-linked), opened from paths.
import { constants, createReadStream, createWriteStream } from 'node:fs';
import { appendFile, copyFile, link, mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { ModelFiles } from '../runtime/model-files';
import { externalDataFiles } from '../runtime/onnx-external-data';
import { TI_ENCODERS, tiModelFiles, type TiApplied } from '../runtime/ti-apply';

export interface TiNodeFiles {
  files: ModelFiles;
  /** Deletes the folder (the sessions already opened keep their mapped data). */
  release(): Promise<void>;
}

/**
 * Writes each grown text encoder into `dir/<component>/`: its model.onnx, the overlay file (the embedding's old rows
 * streamed from the stored shard, then the new rows) and hard links to the component's own external-data files (a
 * copy where `dir` is on another file system: put `dir` beside the model). The
 * returned files are `files` with those two components' paths there, so nodeSessionOpener opens them as usual.
 */
export async function tiNodeFiles(files: ModelFiles, applied: TiApplied, dir: string): Promise<TiNodeFiles> {
  const local = files.localPath?.bind(files);
  if (!local) throw new Error(`${files.location} is not a folder on this machine: textual inversions on the Node engine need the model's files on disk.`);
  for (const { component } of TI_ENCODERS) {
    const grown = applied.grown[component];
    const out = join(dir, component);
    await mkdir(out, { recursive: true });
    await writeFile(join(out, 'model.onnx'), grown.model);
    for (const location of externalDataFiles(grown.model)) {
      const o = grown.overlay;
      if (o && location === o.path) {
        const stored = local(`${component}/${o.location}`);
        const size = (await stat(stored)).size;
        if (o.offset + o.length > size) throw new Error(`The token embedding runs past the end of ${component}/${o.location} (${o.offset} + ${o.length} > ${size} bytes).`);
        await pipeline(createReadStream(stored, { start: o.offset, end: o.offset + o.length - 1 }), createWriteStream(join(out, o.path)));
        await appendFile(join(out, o.path), o.added);
      } else {
        // onnxruntime refuses symlinks that resolve outside the model's folder: a hard link (same file system), else a copy.
        const from = local(`${component}/${location}`);
        await link(from, join(out, location)).catch(() => copyFile(from, join(out, location), constants.COPYFILE_FICLONE));
      }
    }
  }
  const grownPath = (path: string) => TI_ENCODERS.some((e) => path.startsWith(`${e.component}/`));
  return {
    files: { ...tiModelFiles(files, applied), localPath: (path) => (grownPath(path) ? join(dir, path) : local(path)) },
    release: () => rm(dir, { recursive: true, force: true }),
  };
}
