// Reads onnxruntime's profiling JSON (Chrome trace events) and counts what one session.run launched.
import { readFile } from 'node:fs/promises';

interface TraceEvent {
  cat?: string;
  name: string;
  ts: number;
  dur?: number;
  args?: { provider?: string; op_name?: string };
}

export interface RunProfile {
  /** Kernels run ('Node' events): one per graph node after fusion and partitioning. */
  kernels: number;
  /** WebGPU programs dispatched ('Api' events, "node&op&program", one per ProgramManager::Run), or null on other EPs. */
  webgpuDispatches: number | null;
  /** Kernels per execution provider (nodes left on the CPU EP show up here). */
  kernelsByProvider: Record<string, number>;
  /** Sum of the kernels' own durations (CPU wall time in Compute: on WebGPU, recording the work; on the CPU EP, doing it). */
  kernelMs: number;
  /** The run's wall time as the profiler saw it. */
  runMs: number;
}

/** The profile of each `model_run` in the file, in order. */
export async function profileRuns(file: string): Promise<RunProfile[]> {
  const events = JSON.parse(await readFile(file, 'utf8')) as TraceEvent[];
  const runs = events.filter((e) => e.cat === 'Session' && e.name === 'model_run').sort((a, b) => a.ts - b.ts);
  return runs.map((run) => {
    const inside = events.filter((e) => e.ts >= run.ts && e.ts <= run.ts + (run.dur ?? 0));
    const nodes = inside.filter((e) => e.cat === 'Node' && e.name.endsWith('_kernel_time'));
    const apis = inside.filter((e) => e.cat === 'Api');
    const kernelsByProvider: Record<string, number> = {};
    for (const n of nodes) {
      const p = n.args?.provider ?? 'unknown';
      kernelsByProvider[p] = (kernelsByProvider[p] ?? 0) + 1;
    }
    const onWebgpu = (kernelsByProvider.WebGpuExecutionProvider ?? 0) > 0;
    return {
      kernels: nodes.length,
      webgpuDispatches: onWebgpu ? apis.length : null,
      kernelsByProvider,
      kernelMs: nodes.reduce((a, e) => a + (e.dur ?? 0), 0) / 1000,
      runMs: (run.dur ?? 0) / 1000,
    };
  });
}
