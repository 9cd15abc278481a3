// The dedicated worker: builds the engine on onnxruntime-web (WebGPU, else wasm) and exposes it through comlink.
import * as Comlink from 'comlink';
import { urlModelFiles } from '../runtime/model-files';
import { browserOrt } from '../runtime/ort-web';
import { probeWebGpu } from '../runtime/webgpu-adapter';
import { decodeImage } from './decode-image';
import { encodeImage } from './encode-image';
import { Engine } from './engine';

const scope = self as unknown as { crossOriginIsolated: boolean; navigator: Navigator & { gpu?: GPU } };

const engine = new Engine({
  ort: browserOrt(scope.crossOriginIsolated, scope.navigator.hardwareConcurrency ?? 1),
  probe: (forceWasm) =>
    forceWasm
      ? Promise.resolve({ provider: 'wasm', shaderF16: false, fallbackReason: 'The CPU (wasm) backend was requested with ?ep=wasm.' })
      : probeWebGpu(scope.navigator.gpu),
  files: (baseUrl) => urlModelFiles(baseUrl),
  encodeImage,
  decodeImage,
  randomSeed: () => crypto.getRandomValues(new Uint32Array(1))[0]!,
  now: () => performance.now(),
});

Comlink.expose(engine);
