// Vite: the app, the embeddable widget, the SDK (sdk.js), the service worker, and (in dev/preview only) test models.
import { createReadStream, statSync } from 'node:fs';
import { extname, join, normalize } from 'node:path';
import type { Connect, Plugin } from 'vite';
import { defineConfig } from 'vite';
import { VitePWA } from 'vite-plugin-pwa';
import { appIcons, appManifest } from './scripts/vite-app-icons';
import { connectSources, contentSecurityPolicy, csp } from './scripts/vite-csp';
import { sdkTypes } from './scripts/vite-sdk-types';

const TEST_MODELS_ROUTE = '/models/';
const TEST_MODELS_DIR = join(import.meta.dirname, 'test-data');
/** A build's identity, shown by the app and changed by every build (the update e2e builds A and B with their own). */
const BUILD_ID = process.env.SDXL_BUILD_ID ?? new Date().toISOString();
/** Where the app may connect besides itself: the Hub and its CDN, plus SDXL_CONNECT_SRC (a mirror; the e2e fake Hub). */
const CONNECT_SRC = connectSources();
const CSP = contentSecurityPolicy(CONNECT_SRC);

/** Serves test-data/<name>/… at [<base>]/models/<name>/… so dev, e2e tests and the bench load the fixture model. */
function serveTestModels(): Plugin {
  const middleware: Connect.NextHandleFunction = (req, res, next) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const at = url.pathname.indexOf(TEST_MODELS_ROUTE);
    if (at < 0) return next();
    const rel = normalize(decodeURIComponent(url.pathname.slice(at + TEST_MODELS_ROUTE.length)));
    if (rel.startsWith('..') || rel.startsWith('reference')) return next();
    const file = join(TEST_MODELS_DIR, rel);
    let size: number;
    try {
      const st = statSync(file);
      if (!st.isFile()) return next();
      size = st.size;
    } catch {
      res.statusCode = 404;
      return res.end();
    }
    const types: Record<string, string> = { '.json': 'application/json', '.onnx': 'application/octet-stream' };
    res.setHeader('Content-Type', types[extname(file)] ?? 'application/octet-stream');
    res.setHeader('Content-Length', String(size));
    res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
    if (req.method === 'HEAD') return res.end();
    createReadStream(file).pipe(res);
  };
  return {
    name: 'serve-test-models',
    configureServer: (server) => void server.middlewares.use(middleware),
    configurePreviewServer: (server) => void server.middlewares.use(middleware),
  };
}

/**
 * Cross-origin isolation gives onnxruntime-web's wasm EP threads (SharedArrayBuffer). The dev and preview servers
 * send it for the app only: the widget (embed.html) and the example host page must stay embeddable by any site.
 * On a static host the service worker adds the same headers (src/sw/isolation.ts).
 */
function isolateAppPages(): Plugin {
  const middleware: Connect.NextHandleFunction = (req, res, next) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (!/\/(embed\.html|examples\/)/.test(path)) {
      res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
      res.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
    }
    // sdk.js and its chunks are imported by other sites' pages.
    res.setHeader('Cross-Origin-Resource-Policy', 'cross-origin');
    next();
  };
  return {
    name: 'isolate-app-pages',
    configureServer: (server) => void server.middlewares.use(middleware),
    configurePreviewServer: (server) => void server.middlewares.use(middleware),
  };
}

export default defineConfig({
  // Relative URLs everywhere: the built site works from any base path (/, /sdxl/, a GitHub Pages project path).
  base: './',
  define: { __BUILD_ID__: JSON.stringify(BUILD_ID), __CONNECT_SRC__: JSON.stringify(CONNECT_SRC), __CSP__: JSON.stringify(CSP) },
  plugins: [
    csp(CSP),
    serveTestModels(),
    isolateAppPages(),
    appIcons(),
    sdkTypes(),
    VitePWA({
      strategies: 'injectManifest',
      srcDir: 'src/sw',
      filename: 'sw.ts',
      registerType: 'prompt',
      injectRegister: false,
      manifest: appManifest(),
      injectManifest: {
        // The shell is precached. The two onnxruntime-web wasm builds (17 and 27 MB) are listed too, so the worker
        // knows their hashed names, but it caches only the one this browser uses, at run time (src/sw/ort-wasm.ts).
        globPatterns: ['**/*.{html,js,mjs,css,svg,png,json,wasm,webmanifest}'],
        globIgnores: ['screenshots/**', 'examples/**', 'models/**', 'types/**', '*.d.ts'],
        maximumFileSizeToCacheInBytes: 40 * 1024 * 1024,
      },
      devOptions: { enabled: false },
    }),
  ],
  server: { cors: true },
  preview: { cors: true },
  worker: { format: 'es' },
  optimizeDeps: { exclude: ['onnxruntime-web'] },
  build: {
    target: 'es2022',
    chunkSizeWarningLimit: 1500,
    rollupOptions: {
      input: {
        index: join(import.meta.dirname, 'index.html'),
        embed: join(import.meta.dirname, 'embed.html'),
        sdk: join(import.meta.dirname, 'src/embed/sdk.ts'),
        // The example host page and another origin's frame ship with the site: a live demo, and what the e2e test drives.
        'example-host': join(import.meta.dirname, 'examples/embed/index.html'),
        'example-intruder': join(import.meta.dirname, 'examples/embed/intruder.html'),
      },
      // The SDK keeps its exports and a stable name beside index.html: `import { createClient } from '<app>/sdk.js'`.
      preserveEntrySignatures: 'exports-only',
      output: { entryFileNames: (chunk) => (chunk.name === 'sdk' ? 'sdk.js' : 'assets/[name]-[hash].js') },
    },
  },
});
