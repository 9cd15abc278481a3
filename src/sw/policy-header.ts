// The Content-Security-Policy as a header on a static host (which sends none): the pages carry it as a <meta>, but a
// worker script gets its policy only from its own response, so the service worker adds it to the worker scripts (and
// to the app's and the widget's pages, where it also covers what a meta cannot). The example pages stand for other sites.
/// <reference lib="webworker" />

const isExample = (url: URL) => url.pathname.includes('/examples/');

export function withPolicyHeader(request: Request, response: Response, policy: string): Response {
  if (isExample(new URL(request.url)) || response.headers.has('Content-Security-Policy')) return response;
  if (request.mode !== 'navigate' && request.destination !== 'worker') return response;
  const headers = new Headers(response.headers);
  headers.set('Content-Security-Policy', policy);
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}
