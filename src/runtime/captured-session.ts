// A WebGPU session with graph capture: the first run records its GPU commands, later runs replay them. Capture needs
// inputs at stable GPU addresses, so each input has its own GPU buffer, written in place before every run.
import type * as OrtModule from 'onnxruntime-web';
import type { Ort } from './ort-runner';
import type { RunnableSession } from './shaped-session';

type Feeds = OrtModule.InferenceSession.FeedsType;
type Results = OrtModule.InferenceSession.ReturnType;

/** The session options that ask for capture: static shapes are the caller's part (freeDimensionOverrides). */
export const CAPTURE_OPTIONS = { enableGraphCapture: true, preferredOutputLocation: 'gpu-buffer' } as const;

export class CapturedSession implements RunnableSession {
  private readonly buffers = new Map<string, { buffer: GPUBuffer; tensor: OrtModule.Tensor; bytes: number }>();

  constructor(
    private readonly ort: Ort,
    private readonly session: OrtModule.InferenceSession,
    private readonly device: GPUDevice,
  ) {}

  get inputMetadata() {
    return this.session.inputMetadata;
  }
  get outputMetadata() {
    return this.session.outputMetadata;
  }

  /** The input's GPU tensor, its buffer written with this call's data (same buffer every call). */
  private gpuInput(name: string, t: OrtModule.Tensor): OrtModule.Tensor {
    if (t.location !== 'cpu') return t; // already on the GPU: the caller keeps its address stable
    const data = t.data as ArrayBufferView;
    let held = this.buffers.get(name);
    if (held && held.bytes !== data.byteLength) throw new Error(`Input "${name}" changed size under graph capture (${held.bytes} → ${data.byteLength} bytes).`);
    if (!held) {
      const size = Math.ceil(data.byteLength / 16) * 16;
      const buffer = this.device.createBuffer({ size, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
      const tensor = this.ort.Tensor.fromGpuBuffer(buffer, { dataType: t.type as 'float32', dims: t.dims });
      held = { buffer, tensor, bytes: data.byteLength };
      this.buffers.set(name, held);
    }
    this.device.queue.writeBuffer(held.buffer, 0, data.buffer, data.byteOffset, data.byteLength);
    return held.tensor;
  }

  /** Runs on the GPU inputs; outputs come back as CPU tensors (the captured output buffers stay the session's). */
  async run(feeds: Feeds, fetches?: readonly string[]): Promise<Results> {
    const gpuFeeds: Record<string, OrtModule.Tensor> = {};
    for (const [name, t] of Object.entries(feeds)) gpuFeeds[name] = this.gpuInput(name, t as OrtModule.Tensor);
    const out = fetches ? await this.session.run(gpuFeeds, fetches) : await this.session.run(gpuFeeds);
    const results: Record<string, OrtModule.Tensor> = {};
    for (const [name, t] of Object.entries(out)) {
      const data = await (t as OrtModule.Tensor).getData();
      results[name] = new this.ort.Tensor(t.type as 'float32', data as Float32Array, (t as OrtModule.Tensor).dims);
    }
    return results;
  }

  async release(): Promise<void> {
    await this.session.release();
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
