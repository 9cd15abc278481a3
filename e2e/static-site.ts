// A plain static host for e2e (like GitHub Pages: no COOP/COEP, no special headers) serving a build under a sub-path,
// whose build folder can be swapped while it runs (build A, then build B), plus the tiny model at <base>models/.
import { createReadStream, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { extname, join, normalize } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.css': 'text/css', '.json': 'application/json',
  '.webmanifest': 'application/manifest+json', '.svg': 'image/svg+xml', '.png': 'image/png', '.wasm': 'application/wasm',
};
const MODELS = join(import.meta.dirname, '..', 'test-data');

export interface StaticSite {
  url: string;
  setRoot(dir: string): void;
  /** Paths requested so far (to check what the service worker fetched and what it answered itself). */
  requests: string[];
  close(): Promise<void>;
}

export function startStaticSite(port: number, base: string): Promise<StaticSite> {
  let root = '';
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    requests.push(path);
    if (!path.startsWith(base)) return void res.writeHead(404).end();
    let rel = normalize(path.slice(base.length) || 'index.html');
    if (rel.endsWith('/')) rel += 'index.html';
    if (rel.startsWith('..')) return void res.writeHead(403).end();
    const file = rel.startsWith('models/') ? join(MODELS, rel.slice('models/'.length)) : join(root, rel);
    try {
      const st = statSync(file);
      if (!st.isFile()) throw new Error('not a file');
      // The service worker script must always be checked for updates (as static hosts do with a short max-age).
      res.writeHead(200, { 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream', 'Content-Length': String(st.size), 'Cache-Control': 'no-cache' });
      if (req.method === 'HEAD') return void res.end();
      createReadStream(file).pipe(res);
    } catch {
      res.writeHead(404).end();
    }
  });
  return new Promise((resolve) => {
    server.listen(port, '127.0.0.1', () => resolve({
      url: `http://127.0.0.1:${port}${base}`,
      setRoot: (dir) => void (root = dir),
      requests,
      close: () => new Promise((r) => server.close(() => r())),
    }));
  });
}
