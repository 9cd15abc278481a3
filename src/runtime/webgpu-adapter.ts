// Finds a WebGPU adapter and reports what matters for SDXL; explains why when there is none (→ wasm fallback).
import type { ExecutionProvider } from './ort-runner';

export interface AdapterReport {
  /** 'webgpu' or 'wasm' in the browser; onnxruntime-node's 'cpu' or 'webgpu' in Node (src/node). */
  provider: ExecutionProvider;
  /** Why the wasm EP is used, shown to the user; absent on WebGPU. */
  fallbackReason?: string;
  vendor?: string;
  architecture?: string;
  device?: string;
  description?: string;
  isFallbackAdapter?: boolean;
  shaderF16: boolean;
  maxBufferSize?: number;
  maxStorageBufferBindingSize?: number;
}

export async function probeWebGpu(gpu: GPU | undefined): Promise<AdapterReport> {
  if (!gpu) {
    return { provider: 'wasm', shaderF16: false, fallbackReason: 'This browser has no WebGPU (navigator.gpu is missing), so the models run on the CPU (WebAssembly), which is much slower.' };
  }
  let adapter: GPUAdapter | null = null;
  try {
    adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  } catch (e) {
    return { provider: 'wasm', shaderF16: false, fallbackReason: `WebGPU failed to start (${String(e)}); running on the CPU (WebAssembly) instead.` };
  }
  if (!adapter) {
    return { provider: 'wasm', shaderF16: false, fallbackReason: 'WebGPU is present but no GPU adapter is available (blocklisted driver or disabled GPU); running on the CPU (WebAssembly) instead.' };
  }
  const info = adapter.info;
  return {
    provider: 'webgpu',
    vendor: info?.vendor,
    architecture: info?.architecture,
    device: info?.device,
    description: info?.description,
    isFallbackAdapter: (info as { isFallbackAdapter?: boolean } | undefined)?.isFallbackAdapter,
    shaderF16: adapter.features.has('shader-f16'),
    maxBufferSize: adapter.limits.maxBufferSize,
    maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
  };
}
