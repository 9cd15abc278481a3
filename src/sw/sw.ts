// The service worker: precached app shell, the one onnxruntime-web wasm this browser uses, isolation headers on a
// static host, and same-origin POST <base>generate/sdxl answered by an open app page. Never touches model bytes.
/// <reference lib="webworker" />
import '../schema/zod-config'; // first: no zod JIT (CSP without 'unsafe-eval')
import { addPlugins, cleanupOutdatedCaches, precacheAndRoute } from 'workbox-precaching';
import { registerRoute } from 'workbox-routing';
import { handleGenerateRequest, isGenerateUrl } from './generate-endpoint';
import { withIsolationHeaders } from './isolation';
import { withPolicyHeader } from './policy-header';
import { isOrtWasm, ortWasmRoute, pruneOrtWasm, warmOrtWasm } from './ort-wasm';

/** The pages' and workers' Content-Security-Policy (scripts/vite-csp.ts). */
declare const __CSP__: string;
declare const self: ServiceWorkerGlobalScope & { __WB_MANIFEST: (string | { url: string; revision: string | null })[] };

const entries = self.__WB_MANIFEST.map((e) => (typeof e === 'string' ? { url: e, revision: null } : e));
const shell = entries.filter((e) => !isOrtWasm(e.url));
const wasmUrls = entries.filter((e) => isOrtWasm(e.url)).map((e) => new URL(e.url, self.registration.scope).href);

// Registered first, so it sees its requests before any route: the OctoAI-compatible endpoint.
self.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  if (url.origin !== self.location.origin || !isGenerateUrl(url, self.registration.scope)) return;
  event.respondWith(handleGenerateRequest(event, self.clients));
});

// Navigations (with any query: ?model=, ?origins=) get the precached page; isolation headers added for the app, the
// CSP header for the app, the widget and their workers.
addPlugins([{
  // The plugin sees the cache key's request; the page's own request (navigate? worker?) is the event's.
  cachedResponseWillBeUsed: async ({ event, cachedResponse }) => {
    const request = (event as FetchEvent | undefined)?.request;
    if (!cachedResponse || !request || (request.mode !== 'navigate' && request.destination !== 'worker')) return cachedResponse;
    return withPolicyHeader(request, withIsolationHeaders(request, cachedResponse), __CSP__);
  },
}]);
precacheAndRoute(shell, { ignoreURLParametersMatching: [/.*/] });
cleanupOutdatedCaches();
registerRoute(...ortWasmRoute(wasmUrls));

self.addEventListener('install', (event) => event.waitUntil(warmOrtWasm(wasmUrls)));
self.addEventListener('activate', (event) => event.waitUntil(Promise.all([pruneOrtWasm(wasmUrls), self.clients.claim()])));
// The page's "Reload" button: the waiting worker takes over only when the user agreed (src/ui/pwa/update-prompt.ts).
self.addEventListener('message', (event) => {
  if ((event.data as { type?: unknown } | null)?.type === 'SKIP_WAITING') void self.skipWaiting();
});
