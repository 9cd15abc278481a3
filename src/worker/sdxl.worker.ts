// The dedicated worker: builds the engine on onnxruntime-web (WebGPU, else wasm) and exposes it through comlink.
import '../schema/zod-config'; // first: no zod JIT (CSP without 'unsafe-eval')
import * as Comlink from 'comlink';
import { policedFetch } from '../runtime/connect-policy';
import { ModelCache } from '../runtime/model-cache';
import { urlModelFiles } from '../runtime/model-files';
import { opfsStore } from '../runtime/opfs-store';
import { AssetStore } from '../runtime/asset-store';
import type { ByteStore } from '../runtime/byte-store';
import type { EngineInit } from './protocol';

import { gpuCounters } from '../runtime/gpu-counters';
import { browserOrt } from '../runtime/ort-web';
import { probeWebGpu } from '../runtime/webgpu-adapter';
import { decodeImage } from './decode-image';
import { encodeImage } from './encode-image';
import { Engine } from './engine';
import { superviseWorker } from './worker-supervision';

// Before onnxruntime exists: every GPUDevice it makes is counted (dispatches, buffers, uploads, readbacks; see stats()).
gpuCounters.install(self as unknown as Parameters<typeof gpuCounters.install>[0]);

const scope = self as unknown as { crossOriginIsolated: boolean; navigator: Navigator & { gpu?: GPU } };

// estimate() and persisted() work in a worker; persist() is window-only, so the page asks for it.
const workerStorage = { estimate: () => scope.navigator.storage.estimate(), persisted: () => scope.navigator.storage.persisted() };
let store: ByteStore | undefined;
/** This worker's one byte store: OPFS, or the directory the Storage Access API handed an embedded widget. */
const byteStore = (init: EngineInit | undefined): ByteStore => (store ??= opfsStore(init?.storeRoot ? Promise.resolve(init.storeRoot) : self.navigator.storage.getDirectory()));

// Every model request goes through the CSP's connect-src list, checked here too: a clear error, not a blocked fetch.
const connectFetch = policedFetch((input, init) => fetch(input, init), __CONNECT_SRC__, self.location.href);
// Before comlink: the supervisor's hello is taken (and stopped) here.
const supervision = superviseWorker(self as unknown as Parameters<typeof superviseWorker>[0]);

const engine = new Engine({
  ort: (choice) => browserOrt(scope.crossOriginIsolated, scope.navigator.hardwareConcurrency ?? 1, choice).then((loaded) => {
    supervision.watchOrt(loaded.ort as never);
    return loaded;
  }),
  probe: (forceWasm) =>
    forceWasm
      ? Promise.resolve({ provider: 'wasm', shaderF16: false, fallbackReason: 'The CPU (wasm) backend was requested with ?ep=wasm.' })
      : probeWebGpu(scope.navigator.gpu),
  files: (baseUrl) => urlModelFiles(baseUrl, connectFetch),
  // Models live in the Origin Private File System; one store for the worker's lifetime.
  cache: (hubEndpoint, init) => init?.store === 'none' ? undefined : new ModelCache({
    store: byteStore(init),
    fetch: connectFetch,
    storage: workerStorage,
    ...(hubEndpoint ? { hubEndpoint } : {}),
    baseHref: init?.baseHref ?? self.location.href,
    // A reload loses at most this much of a file in flight.
    checkpointBytes: 1024 * 1024,
    now: () => Date.now(),
  }),
  // Assets (LoRAs, embeddings, VAEs, refiners) and fused LoRA overlays live in the same store as the models.
  assets: (init) => init?.store === 'none' ? undefined : {
    store: new AssetStore({ store: byteStore(init), fetch: connectFetch, storage: workerStorage, baseHref: init?.baseHref ?? self.location.href, checkpointBytes: 1024 * 1024, now: () => Date.now() }),
    bytes: byteStore(init),
    ...(self.navigator.locks ? { locks: self.navigator.locks } : {}),
  },
  storage: workerStorage,
  encodeImage,
  decodeImage,
  randomSeed: () => crypto.getRandomValues(new Uint32Array(1))[0]!,
  now: () => performance.now(),
  deviceLost: () => supervision.deviceLost(),
});

Comlink.expose(engine);
