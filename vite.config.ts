// Vite: the app, its module worker, and (in dev/preview only) the tiny test model served from test-data/.
import { createReadStream, statSync } from 'node:fs';
import { extname, join, normalize } from 'node:path';
import type { Connect, Plugin } from 'vite';
import { defineConfig } from 'vite';

const TEST_MODELS_ROUTE = '/models/';
const TEST_MODELS_DIR = join(import.meta.dirname, 'test-data');

/** Serves test-data/<name>/… at /models/<name>/… so dev, e2e tests and the bench load the fixture model. */
function serveTestModels(): Plugin {
  const middleware: Connect.NextHandleFunction = (req, res, next) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (!url.pathname.startsWith(TEST_MODELS_ROUTE)) return next();
    const rel = normalize(decodeURIComponent(url.pathname.slice(TEST_MODELS_ROUTE.length)));
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

// Cross-origin isolation gives onnxruntime-web's wasm EP threads (SharedArrayBuffer).
const isolation = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

export default defineConfig({
  plugins: [serveTestModels()],
  server: { headers: isolation },
  preview: { headers: isolation },
  worker: { format: 'es' },
  optimizeDeps: { exclude: ['onnxruntime-web'] },
  build: { target: 'es2022', chunkSizeWarningLimit: 1500 },
});
