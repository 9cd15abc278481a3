// ModelRunner on an onnxruntime-web InferenceSession: dtype conversion at the edges and time spent in session.run.
import type * as OrtModule from 'onnxruntime-web';
import type { ModelRunner, ValueInfo } from '../pipeline/runners';
import type { Tensor } from '../pipeline/tensor';
import { floatsToHalf, halfToFloats } from './float16';
import { tensorLedger } from './tensor-ledger';

/** onnxruntime-web's module; onnxruntime-node's fits it too (both are onnxruntime-common's API). */
export type Ort = typeof OrtModule;
/** 'cpu' is onnxruntime-node's CPU EP (src/node); the browser runs 'webgpu' or 'wasm'. */
export type ExecutionProvider = 'webgpu' | 'wasm' | 'cpu';

/** Milliseconds spent inside session.run, per component; the pipeline's overhead is the rest. */
export class RunClock {
  readonly ms: Record<string, number[]> = {};
  record(component: string, ms: number): void {
    (this.ms[component] ??= []).push(ms);
  }
  reset(): void {
    for (const k of Object.keys(this.ms)) delete this.ms[k];
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
    private readonly session: OrtModule.InferenceSession,
    readonly component: string,
    private readonly clock: RunClock,
  ) {
    this.inputs = valueInfos(session.inputMetadata);
    this.outputs = valueInfos(session.outputMetadata);
  }

  private toOrt(name: string, t: Tensor): OrtModule.Tensor {
    tensorLedger.created();
    const declared = this.inputs.find((i) => i.name === name)?.type;
    if (declared === 'float16' && t.type === 'float32') {
      return new this.ort.Tensor('float16', floatsToHalf(t.data as Float32Array), t.dims);
    }
    return new this.ort.Tensor(t.type, t.data, t.dims);
  }

  async run(feeds: Record<string, Tensor>, outputNames?: readonly string[]): Promise<Record<string, Tensor>> {
    const ortFeeds: Record<string, OrtModule.Tensor> = {};
    for (const [name, t] of Object.entries(feeds)) ortFeeds[name] = this.toOrt(name, t);
    const start = performance.now();
    const disposeFeeds = () => {
      for (const t of Object.values(ortFeeds)) t.dispose();
      tensorLedger.disposed(Object.keys(ortFeeds).length);
    };
    let results: OrtModule.InferenceSession.ReturnType;
    try {
      results = outputNames ? await this.session.run(ortFeeds, outputNames) : await this.session.run(ortFeeds);
    } catch (e) {
      disposeFeeds();
      throw e;
    }
    this.clock.record(this.component, performance.now() - start);
    tensorLedger.created(Object.keys(results).length);
    const out: Record<string, Tensor> = {};
    for (const [name, v] of Object.entries(results)) {
      const data = v.type === 'float16' ? halfToFloats(v.data as Uint16Array) : v.data;
      out[name] = { type: v.type === 'float16' ? 'float32' : (v.type as Tensor['type']), data: data as Tensor['data'], dims: v.dims };
      v.dispose();
      tensorLedger.disposed();
    }
    disposeFeeds();
    return out;
  }

  release(): Promise<void> {
    return this.session.release();
  }
}
