// Writes test-data/sdxl-skeleton-fp16/listing.json: every file of the real-size SDXL skeleton's fp16 folder with its
// size, data files included at the sizes its manifest declares (they are never written). The tests serve it as a Hub
// listing, so the wasm refusal is tested at real sizes without the graphs or weights in the repo.
// Run: npx tsx scripts/skeleton-listing.ts [--skeleton ../shared/fixtures/sdxl-skeleton]
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { skeleton: { type: 'string', default: '../shared/fixtures/sdxl-skeleton' } } });
const dir = join(values.skeleton, 'fp16');
const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { components: Record<string, { files: Record<string, { bytes: number }> }> };
const files: { path: string; size: number }[] = [];
for (const e of readdirSync(dir, { recursive: true, withFileTypes: true })) {
  const path = relative(dir, join(e.parentPath, e.name));
  if (e.isFile() && path !== 'manifest.json' && !path.includes('onnx_data')) files.push({ path, size: statSync(join(dir, path)).size });
}
for (const [component, c] of Object.entries(manifest.components)) {
  for (const [name, f] of Object.entries(c.files)) files.push({ path: `${component}/${name}`, size: f.bytes });
}
files.sort((a, b) => a.path.localeCompare(b.path));
mkdirSync('test-data/sdxl-skeleton-fp16', { recursive: true });
writeFileSync('test-data/sdxl-skeleton-fp16/listing.json', `${JSON.stringify({ source: 'sdxl-skeleton/fp16 (real SDXL base 1.0 graphs; data sizes from its manifest.json)', files }, null, 1)}\n`);
console.log(`${files.length} files, ${files.reduce((n, f) => n + f.size, 0).toLocaleString('en')} bytes`);
