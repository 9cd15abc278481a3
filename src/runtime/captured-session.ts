// A WebGPU session with graph capture: the first run records its GPU commands, later runs replay them. Capture needs
// inputs at stable GPU addresses, so each input has its own GPU buffer, which every call writes through onnxruntime
// (an Identity graph with that buffer as its pre-allocated output, so the write is ordered with the GPU work already
// queued), whether the caller's tensor is on the CPU (the JS loop) or on the GPU (the device loop).
import type * as OrtModule from 'onnxruntime-web';
import { copyGraph } from './loop-graphs';
import { writeOnnxModel, type ElemType } from './onnx-writer';
import type { Ort } from './ort-runner';
import type { RunnableSession } from './shaped-session';

type Feeds = OrtModule.InferenceSession.FeedsType;
type Results = OrtModule.InferenceSession.ReturnType;
type Session = OrtModule.InferenceSession;

/** The session options that ask for capture: static shapes are the caller's part (freeDimensionOverrides). */
export const CAPTURE_OPTIONS = { enableGraphCapture: true, preferredOutputLocation: 'gpu-buffer' } as const;

const BYTES: Record<string, number> = { float32: 4, float16: 2, int32: 4, int64: 8 };

export class CapturedSession implements RunnableSession {
  private readonly buffers = new Map<string, { buffer: GPUBuffer; tensor: OrtModule.Tensor; bytes: number }>();
  private readonly copies = new Map<string, Promise<Session>>();

  constructor(
    private readonly ort: Ort,
    private readonly session: Session,
    private readonly device: GPUDevice,
  ) {}

  get inputMetadata() {
    return this.session.inputMetadata;
  }
  get outputMetadata() {
    return this.session.outputMetadata;
  }

  /** An Identity graph for `type` on the same EP; its outputs stay on the GPU unless a pre-allocated one is given. */
  private copier(type: string): Promise<Session> {
    let s = this.copies.get(type);
    if (!s) {
      const t = type as ElemType;
      s = this.ort.InferenceSession.create(writeOnnxModel(copyGraph(t, t)), { executionProviders: ['webgpu'], preferredOutputLocation: 'gpu-buffer', graphOptimizationLevel: 'disabled', logSeverityLevel: 3 });
      this.copies.set(type, s);
    }
    return s;
  }

  /** The input's own GPU tensor (the same buffer every call), written with this call's data. */
  private async stableInput(name: string, t: OrtModule.Tensor): Promise<OrtModule.Tensor> {
    const bytes = t.dims.reduce((a, b) => a * b, 1) * (BYTES[t.type] ?? 4);
    let held = this.buffers.get(name);
    if (held && held.bytes !== bytes) throw new Error(`Input "${name}" changed size under graph capture (${held.bytes} → ${bytes} bytes).`);
    if (!held) {
      const buffer = this.device.createBuffer({ size: Math.ceil(bytes / 16) * 16, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
      const tensor = this.ort.Tensor.fromGpuBuffer(buffer, { dataType: t.type as 'float32', dims: t.dims });
      held = { buffer, tensor, bytes };
      this.buffers.set(name, held);
    }
    await (await this.copier(t.type)).run({ x: t }, { y: held.tensor });
    return held.tensor;
  }

  /**
   * Runs on the session's own input buffers. Called with CPU tensors (the JS loop), the outputs come back as CPU
   * tensors; with any GPU tensor (the device loop), as new GPU tensors the caller owns (copies: the captured output
   * buffers stay the session's, for the next replay).
   */
  async run(feeds: Feeds, fetches?: readonly string[]): Promise<Results> {
    const stable: Record<string, OrtModule.Tensor> = {};
    let onDevice = false;
    for (const [name, t] of Object.entries(feeds)) {
      const tensor = t as OrtModule.Tensor;
      onDevice ||= tensor.location === 'gpu-buffer';
      stable[name] = await this.stableInput(name, tensor);
    }
    const out = fetches ? await this.session.run(stable, fetches) : await this.session.run(stable);
    const results: Record<string, OrtModule.Tensor> = {};
    for (const [name, t] of Object.entries(out)) {
      const tensor = t as OrtModule.Tensor;
      if (onDevice) {
        results[name] = (await (await this.copier(tensor.type)).run({ x: tensor })).y!;
      } else {
        const data = await tensor.getData();
        results[name] = new this.ort.Tensor(tensor.type as 'float32', data as Float32Array, tensor.dims);
      }
    }
    return results;
  }

  async release(): Promise<void> {
    await this.session.release();
    const copies = await Promise.allSettled(this.copies.values());
    this.copies.clear();
    for (const c of copies) if (c.status === 'fulfilled') await c.value.release().catch(() => undefined);
    for (const { buffer } of this.buffers.values()) buffer.destroy();
    this.buffers.clear();
  }
}

/**
 * A session with graph capture where the WebGPU EP accepts it; where it refuses (creation throws), the same session
 * without capture, and `onRefused` says why. Either way the caller sees the same outputs.
 */
export async function capturedSession(
  ort: Ort, model: Uint8Array, options: OrtModule.InferenceSession.SessionOptions, onRefused: (message: string) => void,
): Promise<RunnableSession> {
  try {
    // The EP as an options object: onnxruntime-web 1.30 hands enableGraphCapture to the WebGPU EP only from one (with
    // the plain 'webgpu' string it is silently ignored).
    const session = await ort.InferenceSession.create(model, { ...options, ...CAPTURE_OPTIONS, executionProviders: [{ name: 'webgpu' }] });
    // A GPUDevice once a WebGPU session exists (typed as a promise of one: awaiting covers both).
    const device = await (ort.env.webgpu.device as Promise<GPUDevice | undefined> | undefined);
    if (device) return new CapturedSession(ort, session, device);
    await session.release();
    onRefused('no WebGPU device to hold the captured inputs');
  } catch (e) {
    onRefused(e instanceof Error ? e.message : String(e));
  }
  return ort.InferenceSession.create(model, options);
}
