// Cross-origin isolation on a static host (which cannot send headers): the worker adds COOP/COEP to the app's
// pages (and their worker scripts, which must match), so the wasm fallback gets threads. The widget (embed.html) is
// left alone: any site must be able to embed it.
/// <reference lib="webworker" />

const isWidget = (url: URL) => url.pathname.endsWith('/embed.html') || url.pathname.includes('/examples/');

export function withIsolationHeaders(request: Request, response: Response): Response {
  if (isWidget(new URL(request.url)) || response.headers.has('Cross-Origin-Embedder-Policy')) return response;
  const headers = new Headers(response.headers);
  if (request.mode === 'navigate') headers.set('Cross-Origin-Opener-Policy', 'same-origin');
  headers.set('Cross-Origin-Embedder-Policy', 'require-corp');
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}
