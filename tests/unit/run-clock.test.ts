// What counts as time inside session.run: on WebGPU a run returns once its work is queued, and reading a GPU output
// back waits for the GPU to finish it; that wait belongs to the run, not to the pipeline's overhead.
import * as ort from 'onnxruntime-web';
import { describe, expect, it } from 'vitest';
import { OrtRunner, RunClock } from '../../src/runtime/ort-runner';
import type { RunnableSession } from '../../src/runtime/shaped-session';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A session whose run returns at once with one output "on the GPU" that takes `gpuMs` to read back: an onnxruntime
 * Tensor made from a GPU buffer, so reading it moves it to the CPU exactly as on the WebGPU EP.
 */
function queuedSession(gpuMs: number, location: 'gpu-buffer' | 'cpu'): RunnableSession {
  const output = () => location === 'gpu-buffer'
    ? ort.Tensor.fromGpuBuffer({} as GPUBuffer, { dataType: 'float32', dims: [1], download: async () => (await sleep(gpuMs), Float32Array.of(1)) })
    : new ort.Tensor('float32', Float32Array.of(1), [1]);
  return {
    inputMetadata: [],
    outputMetadata: [{ name: 'y', isTensor: true, type: 'float32', shape: [1] }],
    run: async () => ({ y: output() }),
    release: async () => undefined,
  };
}

describe('RunClock', () => {
  it('counts the wait to read a GPU output back as part of that call', async () => {
    const clock = new RunClock();
    const runner = new OrtRunner(ort, queuedSession(40, 'gpu-buffer'), 'unet', clock);
    const t0 = performance.now();
    await runner.run({});
    await runner.run({});
    const wall = performance.now() - t0;
    expect(clock.ms.unet).toHaveLength(2); // one entry per call, the readback inside it
    for (const ms of clock.ms.unet!) expect(ms).toBeGreaterThanOrEqual(35);
    expect(clock.total()).toBeLessThanOrEqual(wall + 1);
  });

  it('adds nothing for outputs already on the CPU', async () => {
    const clock = new RunClock();
    await new OrtRunner(ort, queuedSession(40, 'cpu'), 'unet', clock).run({});
    expect(clock.ms.unet).toHaveLength(1);
    expect(clock.ms.unet![0]).toBeLessThan(35);
  });

  it('addToLast extends the last call of that component only', () => {
    const clock = new RunClock();
    clock.addToLast('vae_decoder', 5); // no call yet: nothing to extend
    clock.record('unet', 10);
    clock.record('unet', 20);
    clock.addToLast('unet', 7);
    expect(clock.ms).toEqual({ unet: [10, 27] });
  });
});
