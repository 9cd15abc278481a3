// Whether a model can run on the wasm (CPU) fallback at all: its sessions must fit in one 4 GiB wasm32 memory.
import type { RemoteFile } from './hub';

/** wasm32 addresses at most 4 GiB: onnxruntime-web's whole heap, shared by every session it creates. */
export const WASM_HEAP_BYTES = 4 * 2 ** 30;

/**
 * The rule: every session stays loaded, and creating one holds its bytes twice for a while (the graph and external data
 * copied into the heap, plus the initializers built from them), so a model needs at least
 * (sum of its components' graph + external data) + (its largest component again) ≤ 4 GiB. Activations, the arena and
 * onnxruntime itself come on top, so passing this is necessary, not sufficient; failing it means it can never load.
 */
export function wasmHeapNeed(componentBytes: Readonly<Record<string, number>>): { need: number; largest: string; largestBytes: number } {
  const entries = Object.entries(componentBytes);
  const [largest, largestBytes] = entries.reduce((a, b) => (b[1] > a[1] ? b : a), ['', 0] as [string, number]);
  return { need: entries.reduce((n, [, b]) => n + b, 0) + largestBytes, largest, largestBytes };
}

export class WasmMemoryError extends Error {
  constructor(readonly component: string, readonly componentBytes: number, readonly needBytes: number, readonly limitBytes = WASM_HEAP_BYTES) {
    const n = (x: number) => x.toLocaleString('en');
    super(
      `This model cannot run on the CPU (wasm) fallback: its ${component} is ${n(componentBytes)} bytes, and on wasm every session ` +
      `lives in one ${n(limitBytes)}-byte (4 GiB) wasm32 memory that must hold all components plus the one being created ` +
      `(${n(needBytes)} bytes here). Use a browser and GPU with WebGPU (recent Chrome or Edge), or a smaller export ` +
      '(fewer parameters, or quantised weights) whose components fit.',
    );
    this.name = 'WasmMemoryError';
  }
}

/** The refusal for these component sizes on wasm, or undefined when they fit by the rule above. */
export function wasmMisfit(componentBytes: Readonly<Record<string, number>>): WasmMemoryError | undefined {
  const { need, largest, largestBytes } = wasmHeapNeed(componentBytes);
  return need > WASM_HEAP_BYTES ? new WasmMemoryError(largest, largestBytes, need) : undefined;
}

/** Bytes per component: its graph and weight files (paths under "<component>/", configs left out). */
export function bytesByComponent(files: readonly RemoteFile[], components: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const c of components) out[c] = files.filter((f) => f.path.startsWith(`${c}/`) && !f.path.endsWith('.json')).reduce((n, f) => n + (f.size ?? 0), 0);
  return out;
}
