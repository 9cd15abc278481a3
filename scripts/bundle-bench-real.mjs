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

/**
 * The chromium-webgpu provider drives Chromium through Playwright and serves the app with Vite: repository tools that
 * the GPU machine does not have. In the bundle it is a stub that says so, instead of pulling Vite and Playwright in.
 */
const chromiumStub = {
  name: 'chromium-load-stub',
  setup(build) {
    build.onResolve({ filter: /\/chromium-load$/ }, (args) => ({ path: args.path, namespace: 'chromium-load-stub' }));
    build.onLoad({ filter: /.*/, namespace: 'chromium-load-stub' }, () => ({
      loader: 'js',
      contents: `const refuse = () => { throw new Error('chromium-webgpu runs from the repository (npm run bench:real), not from the bundle'); };
export const chromiumRealComponents = () => [];
export const benchChromiumLoad = async () => refuse();`,
    }));
  },
};

const esbuild = await loadEsbuild();
// The output path: .bench/bench-real.mjs unless given (it must sit where onnxruntime-node resolves).
const out = process.argv[2] ?? '.bench/bench-real.mjs';
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
  plugins: [chromiumStub],
  logLevel: 'warning',
});
console.log(`wrote ${out}${existsSync(join('node_modules', 'onnxruntime-node')) ? '' : ' (onnxruntime-node must be resolvable where it runs)'}`);
