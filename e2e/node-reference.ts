// Runs the same request through the same engine in Node (onnxruntime-web's wasm EP on the fixture model), so e2e
// tests can compare the browser's WebGPU result with it.
import type { Engine } from '../src/worker/engine';
import type { GenerationOptions } from '../src/worker/protocol';
import { nodeEngine } from '../tests/unit/node-model';
import { modelDir } from '../tests/unit/reference';

let engine: Promise<Engine> | undefined;

/** base64 PNG of the first image the Node engine makes for `body` (with the generation `options`, if any). */
export async function nodeReferencePng(body: Record<string, unknown>, options?: GenerationOptions): Promise<string> {
  engine ??= (async () => {
    const e = nodeEngine();
    const loaded = await e.loadModel(modelDir);
    if (!loaded.ok) throw new Error(loaded.error.message);
    return e;
  })();
  const r = await (await engine).generate('reference', body, undefined, options);
  if (!r.ok) throw new Error(JSON.stringify(r.error));
  return r.value.images[0]!.image_b64;
}
