// Bundles @octoai/sdk into one browser script (IIFE) for the e2e tests; returns its path.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'vite';

export async function buildOctoaiSdk(): Promise<string> {
  const outDir = mkdtempSync(join(tmpdir(), 'octoai-sdk-'));
  await build({
    configFile: false,
    publicDir: false,
    logLevel: 'error',
    define: { 'process.env.NODE_ENV': '"production"' },
    resolve: { alias: [{ find: /^\.[./a-zA-Z]*\/wrapper(\/AssetLibrary)?$/, replacement: join(import.meta.dirname, 'asset-library-stub.ts') }] },
    build: {
      outDir,
      emptyOutDir: true,
      minify: false,
      lib: { entry: join(import.meta.dirname, 'entry.ts'), formats: ['iife'], name: 'octoai', fileName: () => 'octoai-sdk.js' },
    },
  });
  return join(outDir, 'octoai-sdk.js');
}
