// ModelRunner on an onnxruntime-web InferenceSession: dtype conversion at the edges and time spent in session.run.
import type * as OrtModule from 'onnxruntime-web';
import type { ModelRunner, ValueInfo } from '../pipeline/runners';
import type { Tensor } from '../pipeline/tensor';
import { floatsToHalf, halfToFloats } from '../pipeline/float16';
import { gpuCounters } from './gpu-counters';
import type { RunnableSession } from './shaped-session';
import { tensorLedger } from './tensor-ledger';
import { transferLedger } from './transfer-ledger';

/** onnxruntime-web's module; onnxruntime-node's fits it too (both are onnxruntime-common's API). */
export type Ort = typeof OrtModule;
/** 'cpu' is onnxruntime-node's CPU EP (src/node); the browser runs 'webgpu' or 'wasm'. */
export type ExecutionProvider = 'webgpu' | 'wasm' | 'cpu';

/** GPU work of one session.run, from the device-level counters (absent where they are not installed). */
export interface RunGpuWork {
  dispatches: number;
  /** CPU ms from session.run's start to its last queue.submit: the cost of encoding the run's commands. */
  encodeMs: number;
  /** The most bytes alive in GPU buffers during the run (weights and caches included). */
  peakBytes: number;
}

/** Milliseconds spent inside session.run, per component (and each run's GPU work); the pipeline's overhead is the rest. */
export class RunClock {
  readonly ms: Record<string, number[]> = {};
  readonly gpu: Record<string, RunGpuWork[]> = {};
  record(component: string, ms: number, gpu?: RunGpuWork): void {
    (this.ms[component] ??= []).push(ms);
    if (gpu) (this.gpu[component] ??= []).push(gpu);
  }
  /** Adds to the component's last call: the wait to read its GPU outputs back is part of that call. */
  addToLast(component: string, ms: number): void {
    const calls = this.ms[component];
    if (calls?.length) calls[calls.length - 1]! += ms;
  }
  reset(): void {
    for (const k of Object.keys(this.ms)) delete this.ms[k];
    for (const k of Object.keys(this.gpu)) delete this.gpu[k];
  }
  total(): number {
    return Object.values(this.ms).flat().reduce((a, b) => a + b, 0);
  }
}

function valueInfos(meta: readonly OrtModule.InferenceSession.ValueMetadata[]): ValueInfo[] {
  return meta.map((m) => (m.isTensor ? { name: m.name, type: m.type, dims: m.shape } : { name: m.name, type: 'non-tensor', dims: [] }));
}

export class OrtRunner implements ModelRunner {
  readonly inputs: ValueInfo[];
  readonly outputs: ValueInfo[];

  constructor(
    private readonly ort: Ort,
    private readonly session: RunnableSession,
    readonly component: string,
    private readonly clock: RunClock,
  ) {
    this.inputs = valueInfos(session.inputMetadata);
    this.outputs = valueInfos(session.outputMetadata);
  }

  private varying?: OrtRunner;

  /** Calls in several shapes on one session where this one has a session per shape (ModelRunner.forVaryingShapes). */
  forVaryingShapes(): ModelRunner {
    const view = this.session.anyShape?.();
    if (!view) return this;
    return (this.varying ??= new OrtRunner(this.ort, view, this.component, this.clock));
  }

  /** A CPU tensor as this session's input `name` wants it (float16 where declared); the caller disposes it. */
  ortFeed(name: string, t: Tensor): OrtModule.Tensor {
    return this.toOrt(name, t);
  }

  /**
   * Runs on onnxruntime tensors as they are (device tensors stay on the device) and returns the outputs unread; the
   * feeds in `owned` are disposed afterwards. The device loop's way in.
   */
  async runOrt(feeds: Record<string, OrtModule.Tensor>, outputNames: readonly string[], owned: readonly OrtModule.Tensor[] = []): Promise<Record<string, OrtModule.Tensor>> {
    // Only CPU tensors cross to the device here; outputs on the GPU stay there (a CPU output is a readback).
    for (const t of Object.values(feeds)) if (t.location === 'cpu') transferLedger.record(this.component, 'upload', t.dims);
    try {
      const results = await this.timedRun(feeds, outputNames);
      tensorLedger.created(Object.keys(results).length);
      for (const v of Object.values(results)) if (v.location === 'cpu') transferLedger.record(this.component, 'readback', v.dims);
      return results;
    } finally {
      for (const t of owned) t.dispose();
      tensorLedger.disposed(owned.length);
    }
  }

  /** session.run, timed into the clock with the GPU work the device-level counters saw during it. */
  private async timedRun(feeds: Record<string, OrtModule.Tensor>, outputNames?: readonly string[]): Promise<OrtModule.InferenceSession.ReturnType> {
    const gpuMark = gpuCounters.installed ? gpuCounters.mark() : undefined;
    const start = performance.now();
    let results: OrtModule.InferenceSession.ReturnType;
    try {
      results = outputNames ? await this.session.run(feeds, outputNames) : await this.session.run(feeds);
    } catch (e) {
      if (gpuMark) gpuCounters.end(gpuMark);
      throw e;
    }
    const work = gpuMark && gpuCounters.end(gpuMark);
    this.clock.record(this.component, performance.now() - start, work && {
      dispatches: work.dispatches,
      encodeMs: Number.isNaN(work.lastSubmitAt) ? 0 : Math.max(0, work.lastSubmitAt - start),
      peakBytes: work.peakBytes,
    });
    return results;
  }

  private toOrt(name: string, t: Tensor): OrtModule.Tensor {
    const declared = this.inputs.find((i) => i.name === name)?.type;
    const tensor = declared === 'float16' && t.type === 'float32'
      ? new this.ort.Tensor('float16', floatsToHalf(t.data as Float32Array), t.dims)
      : new this.ort.Tensor(t.type, t.data, t.dims);
    tensorLedger.created(); // counted once it exists: a feed onnxruntime refuses is no tensor to dispose
    return tensor;
  }

  async run(feeds: Record<string, Tensor>, outputNames?: readonly string[]): Promise<Record<string, Tensor>> {
    const ortFeeds: Record<string, OrtModule.Tensor> = {};
    const disposeFeeds = () => {
      for (const t of Object.values(ortFeeds)) t.dispose();
      tensorLedger.disposed(Object.keys(ortFeeds).length);
    };
    try {
      for (const [name, t] of Object.entries(feeds)) {
        ortFeeds[name] = this.toOrt(name, t);
        transferLedger.record(this.component, 'upload', t.dims);
      }
    } catch (e) {
      disposeFeeds(); // the feeds made before the one refused
      throw e;
    }
    let results: OrtModule.InferenceSession.ReturnType;
    try {
      results = await this.timedRun(ortFeeds, outputNames);
    } catch (e) {
      disposeFeeds();
      throw e;
    }
    tensorLedger.created(Object.keys(results).length);
    const out: Record<string, Tensor> = {};
    try {
      for (const [name, v] of Object.entries(results)) {
        transferLedger.record(this.component, 'readback', v.dims);
        // Sessions whose outputs stay on the GPU for the device loop: this path reads them back (one mapAsync), which
        // waits for the GPU to finish the run, so the wait counts as the run's time, not the pipeline's.
        // Asked before reading: getData moves the tensor to the CPU, so afterwards its location says 'cpu'.
        const onGpu = v.location === 'gpu-buffer';
        const readStart = performance.now();
        const raw = onGpu ? await v.getData() : v.data;
        if (onGpu) this.clock.addToLast(this.component, performance.now() - readStart);
        const data = v.type === 'float16' ? halfToFloats(raw as Uint16Array) : raw;
        out[name] = { type: v.type === 'float16' ? 'float32' : (v.type as Tensor['type']), data: data as Tensor['data'], dims: v.dims };
      }
    } finally {
      // Every output and feed goes, also when one output cannot be read (not on the CPU, a lost device).
      for (const v of Object.values(results)) v.dispose();
      tensorLedger.disposed(Object.keys(results).length);
      disposeFeeds();
    }
    return out;
  }

  release(): Promise<void> {
    return this.session.release();
  }
}
