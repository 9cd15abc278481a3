// onnxruntime-web's wasm in the service worker: only the build this browser runs (JSPI or asyncify) is cached,
// cache-first under its content-hashed name, warmed at install so the first visit already works offline.
/// <reference lib="webworker" />
import type { RouteMatchCallback } from 'workbox-core';
import { CacheFirst } from 'workbox-strategies';

export const ORT_WASM_CACHE = 'ort-wasm';
const ORT_WASM = /\/ort-wasm-simd-threaded\.(jspi|asyncify)-[\w-]+\.wasm$/;

export const isOrtWasm = (url: string): boolean => ORT_WASM.test(new URL(url, 'http://x/').pathname);

/** The build the page's worker will pick (src/runtime/ort-web.ts: JSPI where WebAssembly.Suspending exists). */
const usesJspi = () => typeof (WebAssembly as { Suspending?: unknown }).Suspending === 'function';

export function ortWasmRoute(wasmUrls: string[]): [RouteMatchCallback, CacheFirst] {
  const known = new Set(wasmUrls);
  return [({ url }) => known.has(url.href), new CacheFirst({ cacheName: ORT_WASM_CACHE })];
}

/** At install: fetch this browser's build into the cache (best effort: an offline install still succeeds). */
export async function warmOrtWasm(wasmUrls: string[]): Promise<void> {
  const wanted = wasmUrls.find((u) => u.includes(usesJspi() ? '.jspi-' : '.asyncify-'));
  if (!wanted) return;
  const cache = await caches.open(ORT_WASM_CACHE);
  if (await cache.match(wanted)) return;
  await cache.add(wanted).catch(() => undefined);
}

/** At activate: drop builds that are not part of this version (each build's name changes with its bytes). */
export async function pruneOrtWasm(wasmUrls: string[]): Promise<void> {
  const known = new Set(wasmUrls);
  const cache = await caches.open(ORT_WASM_CACHE);
  for (const request of await cache.keys()) if (!known.has(request.url)) await cache.delete(request);
}
