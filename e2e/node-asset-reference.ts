// The Node engine (onnxruntime-web's wasm EP, like node-reference.ts) with tiny-sdxl-assets' LoRAs, embedding, VAE and
// refiner added to an in-memory asset library the way the page adds them, so e2e tests compare the browser with it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AssetStore } from '../src/runtime/asset-store';
import { memoryStore } from '../src/runtime/byte-store';
import { Engine } from '../src/worker/engine';
import { nodeEngineDeps } from '../tests/unit/node-model';
import { modelDir, testDataDir } from '../tests/unit/reference';
import { pickedFolder } from '../tests/unit/picked-folder';

const ASSETS = `${testDataDir}tiny-sdxl-assets/`;

/** A folder of the assets fixture, picked in the page. */
const picked = (dir: string) => pickedFolder(ASSETS, dir);
const file = (path: string) => new File([readFileSync(join(ASSETS, path))], path.split('/').pop()!);

let engine: Promise<Engine> | undefined;

/** base64 PNG of the first image the Node engine makes for `body`, with the reference requests' assets in its library. */
export async function nodeAssetReferencePng(body: Record<string, unknown>): Promise<string> {
  engine ??= (async () => {
    const e = new Engine({
      ...nodeEngineDeps(),
      assets: () => {
        const store = memoryStore();
        const offline = (async () => { throw new TypeError('offline'); }) as typeof fetch;
        return { store: new AssetStore({ store, fetch: offline, now: () => Date.now() }), bytes: store };
      },
    });
    const loaded = await e.loadModel(modelDir);
    if (!loaded.ok) throw new Error(loaded.error.message);
    for (const a of [
      { kind: 'lora', name: 'tiny-kohya', source: file('loras/lora_kohya.safetensors') },
      { kind: 'lora', name: 'tiny-diffusers', source: file('loras/lora_diffusers.safetensors') },
      { kind: 'textual_inversion', name: 'tiny-style', source: file('textual_inversions/ti_sdxl.safetensors') },
      { kind: 'vae', name: 'tiny-vae-alt', source: picked('vae_alt') },
      { kind: 'refiner', name: 'tiny-refiner', source: picked('refiner') },
    ]) {
      const r = await e.addAsset(a);
      if (!r.ok) throw new Error(JSON.stringify(r.error));
    }
    return e;
  })();
  const r = await (await engine).generate('reference', body);
  if (!r.ok) throw new Error(JSON.stringify(r.error));
  return r.value.images[0]!.image_b64;
}
