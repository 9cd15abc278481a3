// The worker's Engine in Node: onnxruntime-node sessions opened from file paths, sharp for images, and (for Hub repo
// ids) the page's own model cache — Hub listing, resumable verified downloads — on a folder of the local disk.
import { statfs } from 'node:fs/promises';
import { randomInt } from 'node:crypto';
import * as ort from 'onnxruntime-node';
import { ModelCache, type StorageApi } from '../runtime/model-cache';
import { AssetStore } from '../runtime/asset-store';
import { storeCoordination } from '../runtime/store-locks';
import { Engine } from '../worker/engine';
import { dirModelFiles } from './dir-files';
import { fsStore } from './fs-store';
import { nodeOrt } from './load-node-model';
import { decodeImageNode, encodeImageNode } from './node-images';
import { nodeSessionOpener, type NodeSessionOptions } from './node-sessions';

export interface NodeEngineOptions extends NodeSessionOptions {
  /** Where Hub models are stored; without it the engine loads folders only (a model ref is a path). */
  cacheDir?: string;
  /** Where the asset library (LoRAs, embeddings, VAEs, refiners) and fused LoRA overlays live; default cacheDir. */
  assetsDir?: string;
  randomSeed?: () => number;
}

/** The disk's free space as the quota the cache checks before downloading; storage on disk is always persistent. */
function diskStorage(dir: string): StorageApi {
  return {
    estimate: async () => {
      const s = await statfs(dir).catch(() => undefined);
      return s ? { quota: s.bavail * s.bsize, usage: 0 } : {};
    },
    persisted: async () => true,
  };
}

export function nodeEngine(o: NodeEngineOptions): Engine {
  const { cacheDir } = o;
  const assetsDir = o.assetsDir ?? cacheDir;
  return new Engine({
    ort: nodeOrt,
    // No adapter to find: the provider is the one asked for. fp16 graphs run on the CPU EP without any shader
    // feature; on WebGPU a GPU without shader-f16 fails when the session is created, with onnxruntime's reason.
    probe: async () => ({ provider: o.provider, shaderF16: true }),
    files: (dir) => dirModelFiles(dir),
    cache: cacheDir
      ? (hubEndpoint) => new ModelCache({
        store: fsStore(cacheDir),
        fetch: (input, init) => fetch(input, init),
        storage: diskStorage(cacheDir),
        ...(hubEndpoint ? { hubEndpoint } : {}),
        now: () => Date.now(),
        // One process: downloads of the same model take turns within it (no Web Locks in Node).
        coordination: storeCoordination(),
      })
      : undefined,
    encodeImage: encodeImageNode,
    decodeImage: decodeImageNode,
    randomSeed: o.randomSeed ?? (() => randomInt(0, 2 ** 32)),
    now: () => performance.now(),
    openSession: nodeSessionOpener(ort, o),
    assets: assetsDir ? () => {
      const store = fsStore(assetsDir);
      return { store: new AssetStore({ store, fetch: (input, init) => fetch(input, init), storage: diskStorage(assetsDir), now: () => Date.now(), coordination: storeCoordination() }), bytes: store };
    } : undefined,
  });
}
