// Out of memory and a lost GPU device get their own error codes with advice; the engine stays usable after either.
import * as ort from 'onnxruntime-web';
import { describe, expect, it } from 'vitest';
import { Engine } from '../../src/worker/engine';
import { OUT_OF_MEMORY_ADVICE, classifyFailure, isDeviceLost, isOutOfMemory } from '../../src/worker/engine-errors';
import type { EngineErrorData } from '../../src/schema/response';
import { nodeEngineDeps } from './node-model';
import { modelDir } from './reference';

const fallback: EngineErrorData = { code: 'internal', message: 'Generation failed: x' };
class GPUOutOfMemoryError extends Error {}

describe('classifyFailure', () => {
  const oom: [string, unknown][] = [
    ['V8 buffer', new RangeError('Array buffer allocation failed')],
    ['wasm memory growth', new RangeError('WebAssembly.Memory(): could not allocate memory')],
    ['Emscripten abort', new Error('Aborted(OOM)')],
    ['Emscripten heap', new Error('Cannot enlarge memory arrays to size 4294967296 bytes')],
    ['onnxruntime', new Error("[WebGPU] Failed to allocate memory for tensor 'x'")],
    ['C++', new Error('std::bad_alloc')],
    ['WebGPU error class with no message', new GPUOutOfMemoryError('')],
    ['WebGPU message', new Error('Out of memory: CreateBuffer failed')],
    ['a cause', new Error('session.run failed', { cause: new RangeError('Out of memory') })],
  ];
  for (const [what, e] of oom) {
    it(`out of memory: ${what}`, () => {
      expect(isOutOfMemory(e)).toBe(true);
      const r = classifyFailure(e, 'generate', fallback);
      expect(r.code).toBe('out_of_memory');
      expect(r.message).toContain('generating');
      for (const tip of ['low-memory mode', 'smaller width × height', 'fewer images', 'close other tabs']) expect(r.message).toContain(tip);
    });
  }

  it('names the stage: loading the model', () => {
    expect(classifyFailure(new RangeError('Array buffer allocation failed'), 'load', fallback).message).toMatch(/^Out of memory while loading the model \(Array buffer allocation failed\)\. /);
    expect(OUT_OF_MEMORY_ADVICE).toContain('release the text encoders');
  });

  it('a lost device, by its message or because the worker saw it go', () => {
    expect(isDeviceLost(new Error("Device is lost: 'destroyed'"))).toBe(true);
    expect(classifyFailure(new Error('mapAsync failed'), 'generate', fallback, 'the GPU process crashed')).toMatchObject({ code: 'device_lost' });
    expect(classifyFailure(new Error('mapAsync failed'), 'generate', fallback, 'the GPU process crashed').message).toContain('the GPU process crashed');
  });

  it('anything else keeps its own code and message', () => {
    for (const e of [new Error('Invalid input shape'), new TypeError('x is not a function'), 'a string', undefined, new Error('room for 2 more')]) {
      expect(classifyFailure(e, 'generate', fallback)).toBe(fallback);
    }
  });
});

/** onnxruntime with switchable faults on session creation and on run. */
function faultyOrt(fault: { create?: unknown; run?: unknown }): typeof ort {
  const InferenceSession = {
    create: async (...args: Parameters<typeof ort.InferenceSession.create>) => {
      if (fault.create) throw fault.create;
      const session = await ort.InferenceSession.create(...args);
      return new Proxy(session, {
        get(target, key) {
          if (key === 'run') return async (...a: Parameters<typeof session.run>) => {
            if (fault.run) throw fault.run;
            return target.run(...a);
          };
          const v = Reflect.get(target, key) as unknown;
          return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
        },
      });
    },
  };
  return { ...ort, InferenceSession } as unknown as typeof ort;
}

describe('the engine out of memory', () => {
  const request = { prompt: 'a red fox', width: 64, height: 64, steps: 1, cfg_scale: 1, seed: 3 };

  it('on session creation: out_of_memory with advice, and loading again works', async () => {
    const fault: { create?: unknown } = { create: new RangeError('WebAssembly.Memory(): could not allocate memory') };
    const engine = new Engine({ ...nodeEngineDeps(), ort: faultyOrt(fault) });
    const failed = await engine.loadModel(modelDir);
    expect(failed.ok).toBe(false);
    if (!failed.ok) {
      expect(failed.error.code).toBe('out_of_memory');
      expect(failed.error.message).toContain('low-memory mode');
    }
    delete fault.create;
    expect((await engine.loadModel(modelDir)).ok).toBe(true);
    expect((await engine.generate('after', request)).ok).toBe(true);
  });

  it('on run: out_of_memory, and the next request gives the image an unfailed run gives', async () => {
    const fault: { run?: unknown } = {};
    const engine = new Engine({ ...nodeEngineDeps(), ort: faultyOrt(fault) });
    expect((await engine.loadModel(modelDir)).ok).toBe(true);
    const before = await engine.generate('a', request);
    fault.run = new GPUOutOfMemoryError('');
    const failed = await engine.generate('b', request);
    expect(failed.ok ? 'ok' : failed.error.code).toBe('out_of_memory');
    delete fault.run;
    const after = await engine.generate('c', request);
    expect(after.ok && before.ok && after.value.images[0]!.image_b64 === before.value.images[0]!.image_b64).toBe(true);
  });
});
