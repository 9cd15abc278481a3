// CLI: copy an Optimum SDXL ONNX folder, rewriting each model's weights into external-data shards of ≤ N bytes,
// and write manifest.json (every file's size and SHA-256).
// Usage: npx tsx scripts/shard-onnx.ts <model-dir> <out-dir> [--max-bytes 2000000000] [--components unet,text_encoder_2]
import { createHash } from 'node:crypto';
import { cp, mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { shardOnnxModel } from '../src/runtime/onnx-shard';

export async function shardModelFolder(src: string, out: string, maxShardBytes: number, components?: string[]): Promise<void> {
  await cp(src, out, { recursive: true });
  for (const dir of await readdir(src)) {
    if (components && !components.includes(dir)) continue;
    const onnx = join(src, dir, 'model.onnx');
    const exists = await stat(onnx).then((s) => s.isFile(), () => false);
    if (!exists) continue;
    const sharded = shardOnnxModel(new Uint8Array(await readFile(onnx)), { maxShardBytes });
    await writeFile(join(out, dir, 'model.onnx'), sharded.model);
    for (const [name, bytes] of sharded.shards) await writeFile(join(out, dir, name), bytes);
  }
  await writeManifest(out);
}

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name)).sort();
}

export async function writeManifest(dir: string): Promise<void> {
  const files = [];
  for (const file of await listFiles(dir)) {
    const path = relative(dir, file);
    if (path === 'manifest.json') continue;
    const bytes = await readFile(file);
    files.push({ path, bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') });
  }
  const manifest = { total_bytes: files.reduce((n, f) => n + f.bytes, 0), files };
  await writeFile(join(dir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { 'max-bytes': { type: 'string', default: String(2_000_000_000) }, components: { type: 'string' } },
  });
  const [src, out] = positionals;
  if (!src || !out) {
    console.error('usage: shard-onnx <model-dir> <out-dir> [--max-bytes N] [--components a,b]');
    process.exit(2);
  }
  await mkdir(out, { recursive: true });
  await shardModelFolder(src, out, Number(values['max-bytes']), values.components?.split(','));
  console.log(`wrote ${out} (see manifest.json)`);
}
