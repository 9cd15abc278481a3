// Peak memory of this process (Linux VmHWM, resettable) and of the GPU where a tool can tell (nvidia-smi).
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';

/** Resets the kernel's peak-RSS mark for this process (clear_refs 5), so a phase's peak is its own. */
export function resetPeakRss(): boolean {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
    return true;
  } catch {
    return false;
  }
}

/** Peak resident set size in MB since start or the last reset (VmHWM), else the current RSS. */
export function peakRssMb(): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m) return Math.round(Number(m[1]) / 1024);
  } catch {
    // not Linux
  }
  return Math.round(process.memoryUsage.rss() / 2 ** 20);
}

function gpuUsedMb(): Promise<number | null> {
  return new Promise((resolve) => {
    execFile('nvidia-smi', ['--query-gpu=memory.used', '--format=csv,noheader,nounits'], { timeout: 5000 }, (err, out) => {
      const v = err ? NaN : Number(String(out).split('\n')[0]);
      resolve(Number.isFinite(v) ? v : null);
    });
  });
}

/** Samples the GPU's used memory every `everyMs` (whole device, so other processes count too); peak over baseline. */
export async function gpuSampler(everyMs = 250): Promise<{ stop(): { peak_gpu_mb: number | null; reason?: string } }> {
  const baseline = await gpuUsedMb();
  if (baseline === null) {
    return { stop: () => ({ peak_gpu_mb: null, reason: 'no nvidia-smi here (on SwiftShader and the CPU EP, tensors live in host memory: see peak_rss_mb)' }) };
  }
  let peak = baseline;
  const timer = setInterval(() => void gpuUsedMb().then((v) => { if (v !== null && v > peak) peak = v; }), everyMs);
  return {
    stop: () => {
      clearInterval(timer);
      return { peak_gpu_mb: peak - baseline, reason: 'nvidia-smi memory.used, peak minus the baseline before loading (whole device)' };
    },
  };
}
