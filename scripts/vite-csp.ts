// The Content-Security-Policy of the app and the widget: a <meta http-equiv> injected into index.html and embed.html at
// build time (static hosts send no headers), the same policy as a header from `vite preview`, and the connect-src list
// for the code's own check (src/runtime/connect-policy.ts). The example pages stand for other sites and get none.
import type { Connect, Plugin } from 'vite';
import { DEFAULT_CONNECT_SRC } from '../src/runtime/connect-policy';

/** The Hub and its CDN, plus SDXL_CONNECT_SRC (space- or comma-separated origins: a mirror, the e2e tests' fake Hub). */
export function connectSources(extra = process.env.SDXL_CONNECT_SRC ?? ''): string[] {
  const added = extra.split(/[\s,]+/).filter(Boolean);
  for (const s of added) {
    if (!/^https?:\/\/(\*\.)?[a-z0-9.-]+(:\d+)?$/i.test(s)) throw new Error(`SDXL_CONNECT_SRC: "${s}" is not an origin (scheme://host[:port], or scheme://*.host)`);
  }
  return [...DEFAULT_CONNECT_SRC, ...added];
}

/**
 * script-src: 'wasm-unsafe-eval' for onnxruntime-web's WebAssembly, nothing else (zod runs jitless: no new Function).
 * worker-src 'self': the engine's module worker and ORT's threads are same-origin scripts, no blob: workers.
 * frame-ancestors cannot be set by a meta tag: the widget stays embeddable by any site (its origins= list guards it).
 */
export function contentSecurityPolicy(connect: readonly string[]): string {
  return [
    "default-src 'self'",
    "script-src 'self' 'wasm-unsafe-eval'",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    `connect-src 'self' ${connect.join(' ')}`,
    "worker-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
  ].join('; ');
}

const isExample = (path: string) => /\/examples\//.test(path);

/** Where `vite preview` collects the browser's violation reports (pages, frames, workers), for the e2e tests. */
export const CSP_REPORTS = '/__csp-reports';

export function csp(policy: string): Plugin {
  const reports: unknown[] = [];
  const header: Connect.NextHandleFunction = (req, res, next) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path === CSP_REPORTS && req.method === 'POST') {
      let body = '';
      req.on('data', (c: Buffer) => void (body.length < 65_536 && (body += c.toString())));
      req.on('end', () => {
        try {
          reports.push(JSON.parse(body));
        } catch {
          reports.push({ unparsed: body.slice(0, 1000) });
        }
        res.statusCode = 204;
        res.end();
      });
      return;
    }
    if (path === CSP_REPORTS) return void res.setHeader('Content-Type', 'application/json').end(JSON.stringify(reports));
    // Documents and worker scripts are where a CSP header applies; on other responses it is inert. report-uri works
    // only in a header: every violation anywhere (a worker starting up included) is POSTed back here.
    if (!isExample(path)) res.setHeader('Content-Security-Policy', `${policy}; report-uri ${CSP_REPORTS}`);
    next();
  };
  return {
    name: 'content-security-policy',
    transformIndexHtml: {
      order: 'post',
      handler(html, ctx) {
        // Build only: the dev server's HMR client needs a websocket and inline styles this policy does not allow.
        if (ctx.server || isExample(`/${ctx.path.replace(/^\//, '')}`)) return html;
        const meta = `<meta http-equiv="Content-Security-Policy" content="${policy.replace(/"/g, '&quot;')}" />`;
        // First in <head>, before anything the policy governs.
        if (!/<meta charset="UTF-8" \/>/i.test(html)) throw new Error(`${ctx.path}: no <meta charset="UTF-8" /> to put the CSP after`);
        return html.replace(/<meta charset="UTF-8" \/>/i, (m) => `${m}\n    ${meta}`);
      },
    },
    configurePreviewServer: (server) => void server.middlewares.use(header),
  };
}
