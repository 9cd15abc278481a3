// Runs in the bench page (no imports): one UNet session variant on onnxruntime-web's WebGPU EP, fed GPU buffers.
// Counts dispatchWorkgroups / queue.submit by wrapping the WebGPU prototypes before onnxruntime creates its device.

export interface VariantSpec {
  modelUrl: string;
  ortUrl: string;
  wasmBase: string;
  /** Free dims fixed for this session, or null for dynamic shapes. */
  overrides: Record<string, number> | null;
  capture: boolean;
  /** The UNet's feeds: name → [dims, fill]. */
  feeds: Record<string, { dims: number[]; values: number[] }>;
  runs: number;
}

export interface VariantResult {
  create_ms: number;
  /** session.run with GPU feeds and a GPU output: the CPU time to encode and submit one call. */
  encode_cpu_ms: number[];
  /** run + reading the output back: the whole call, GPU work included. */
  call_ms: number[];
  dispatches_per_call: number[];
  submits_per_call: number[];
  output: number[];
  error?: string;
}

export async function runVariant(spec: VariantSpec): Promise<VariantResult> {
  const g = globalThis as unknown as { __counts?: { dispatch: number; submit: number } };
  if (!g.__counts) {
    const counts = { dispatch: 0, submit: 0 };
    g.__counts = counts;
    const pass = GPUComputePassEncoder.prototype;
    const dispatch = pass.dispatchWorkgroups;
    pass.dispatchWorkgroups = function (this: GPUComputePassEncoder, ...a: Parameters<typeof dispatch>) {
      counts.dispatch++;
      return dispatch.apply(this, a);
    };
    const queue = GPUQueue.prototype;
    const submit = queue.submit;
    queue.submit = function (this: GPUQueue, ...a: Parameters<typeof submit>) {
      counts.submit++;
      return submit.apply(this, a);
    };
  }
  const counts = g.__counts;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const ort: any = await import(/* @vite-ignore */ spec.ortUrl);
  ort.env.wasm.wasmPaths = spec.wasmBase;
  ort.env.wasm.numThreads = 1;
  ort.env.logLevel = 'error';
  const result: VariantResult = { create_ms: 0, encode_cpu_ms: [], call_ms: [], dispatches_per_call: [], submits_per_call: [], output: [] };
  const t0 = performance.now();
  const session = await ort.InferenceSession.create(spec.modelUrl, {
    // An object, not the string: onnxruntime-web 1.30 passes enableGraphCapture to the WebGPU EP only from an options object.
    executionProviders: [{ name: 'webgpu' }],
    graphOptimizationLevel: 'all',
    ...(spec.overrides ? { freeDimensionOverrides: spec.overrides } : {}),
    enableGraphCapture: spec.capture,
    preferredOutputLocation: 'gpu-buffer',
    logSeverityLevel: 3,
  }).catch((e: unknown) => {
    // The EP refuses capture at creation (e.g. shape ops left on the CPU with free dims): a result, not a crash.
    result.error = e instanceof Error ? e.message : String(e);
    return undefined;
  });
  result.create_ms = performance.now() - t0;
  if (!session) return result;
  const device: GPUDevice = ort.env.webgpu.device;
  const feeds: Record<string, unknown> = {};
  const buffers: GPUBuffer[] = [];
  for (const [name, f] of Object.entries(spec.feeds)) {
    const data = Float32Array.from(f.values);
    const buffer = device.createBuffer({ size: Math.ceil(data.byteLength / 16) * 16, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
    device.queue.writeBuffer(buffer, 0, data);
    buffers.push(buffer);
    feeds[name] = ort.Tensor.fromGpuBuffer(buffer, { dataType: 'float32', dims: f.dims });
  }
  try {
    for (let i = 0; i < spec.runs; i++) {
      const d0 = counts.dispatch;
      const s0 = counts.submit;
      const start = performance.now();
      const out = await session.run(feeds);
      const encoded = performance.now();
      const tensor = out[session.outputNames[0]];
      const data = (await tensor.getData()) as Float32Array;
      result.call_ms.push(performance.now() - start);
      result.encode_cpu_ms.push(encoded - start);
      result.dispatches_per_call.push(counts.dispatch - d0);
      result.submits_per_call.push(counts.submit - s0);
      if (i === spec.runs - 1) result.output = Array.from(data);
      if (!spec.capture) tensor.dispose();
    }
  } catch (e) {
    result.error = e instanceof Error ? e.message : String(e);
  } finally {
    await session.release();
    for (const b of buffers) b.destroy();
  }
  return result;
}
