// Shows which backend runs the models: the WebGPU adapter and its limits, or why the CPU fallback is used.
import type { AdapterReport } from '../worker/protocol';
import { formatBytes } from './format';

export function describeAdapter(a: AdapterReport): string {
  if (a.provider === 'wasm') return 'CPU · WebAssembly';
  const name = [a.vendor, a.architecture].filter(Boolean).join(' ') || a.description || 'GPU';
  return `WebGPU · ${name}${a.shaderF16 ? ' · fp16' : ' · fp32 only'}`;
}

/** The facts that decide what a model needs: backend, adapter, fp16 support, buffer limits. */
export function adapterFacts(a: AdapterReport): [string, string][] {
  if (a.provider === 'wasm') return [['Backend', 'CPU (WebAssembly)'], ['Why', a.fallbackReason ?? '']];
  return [
    ['Backend', 'WebGPU'],
    ['Adapter', [a.vendor, a.architecture, a.device, a.description].filter(Boolean).join(' · ') || 'unknown'],
    ['fp16 (shader-f16)', a.shaderF16 ? 'yes' : 'no — fp32 models only'],
    ['Max buffer', a.maxBufferSize !== undefined ? formatBytes(a.maxBufferSize) : '?'],
    ['Max storage binding', a.maxStorageBufferBindingSize !== undefined ? formatBytes(a.maxStorageBufferBindingSize) : '?'],
    ...(a.isFallbackAdapter ? [['Note', 'software adapter (no GPU acceleration)'] as [string, string]] : []),
  ];
}

export function showAdapter(badge: HTMLElement, banner: HTMLElement, a: AdapterReport, details?: HTMLElement): void {
  if (details) {
    const dl = document.createElement('dl');
    for (const [k, v] of adapterFacts(a)) {
      const dt = document.createElement('dt');
      dt.textContent = k;
      const dd = document.createElement('dd');
      dd.textContent = v;
      dl.append(dt, dd);
    }
    details.replaceChildren(dl);
  }
  badge.textContent = describeAdapter(a);
  badge.dataset.provider = a.provider;
  badge.className = `badge ${a.provider === 'webgpu' ? 'badge-ok' : 'badge-warn'}`;
  badge.title = [
    a.description && `Adapter: ${a.description}`,
    a.device && `Device: ${a.device}`,
    `shader-f16: ${a.shaderF16 ? 'yes' : 'no (fp16 models will not run)'}`,
    a.maxBufferSize !== undefined && `Max buffer: ${formatBytes(a.maxBufferSize)}`,
    a.maxStorageBufferBindingSize !== undefined && `Max storage binding: ${formatBytes(a.maxStorageBufferBindingSize)}`,
    a.isFallbackAdapter && 'Software (fallback) adapter',
  ].filter(Boolean).join('\n');
  if (a.fallbackReason) {
    banner.hidden = false;
    banner.textContent = a.fallbackReason;
  }
}
