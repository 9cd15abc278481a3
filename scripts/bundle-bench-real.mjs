// `npm run bench:real:bundle`: bundles scripts/bench-real.ts into one .bench/bench-real.mjs that plain `node` runs (the
// GPU machine has no npm or tsx); onnxruntime-node stays external (with onnxruntime-common beside it).
import { existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
/** esbuild from node_modules, else the copy tsx depends on. */
async function loadEsbuild() {
  for (const from of [import.meta.url, require.resolve('tsx/package.json')]) {
    try {
      return await import(createRequire(from).resolve('esbuild'));
    } catch {
      // next
    }
  }
  throw new Error('bench:real:bundle needs esbuild (node_modules/esbuild, or the one tsx brings)');
}

const esbuild = await loadEsbuild();
const out = '.bench/bench-real.mjs';
mkdirSync(dirname(out), { recursive: true });
await esbuild.build({
  entryPoints: ['scripts/bench-real.ts'],
  outfile: out,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // The native runtime: resolved from a node_modules/ in the bundle's folder or above it (onnxruntime-node and
  // onnxruntime-common), as on the GPU machine.
  external: ['onnxruntime-node'],
  // Some bundled CommonJS (transformers' tokenizer deps) calls require(): give the ESM bundle one.
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  logLevel: 'warning',
});
console.log(`wrote ${out}${existsSync(join('node_modules', 'onnxruntime-node')) ? '' : ' (onnxruntime-node must be resolvable where it runs)'}`);
