// What a model load costs in the browser, measured from outside: the worker's peak JS heap (CDP), the peak RSS of the
// browser's processes by type (Linux /proc), and a raw read of a stored model folder from OPFS (the floor for a load).
import { readdirSync, readFileSync } from 'node:fs';
import type { Page } from '@playwright/test';

const round = (x: number) => Math.round(x * 10) / 10;

/** Samples the worker's JS heap (Runtime.getHeapUsage over CDP) until stopped; the peak, in MB. */
export async function workerHeapSampler(page: Page): Promise<() => Promise<number | undefined>> {
  const cdp = await page.context().newCDPSession(page);
  const { targetInfos } = await cdp.send('Target.getTargets') as { targetInfos: { targetId: string; type: string }[] };
  const worker = targetInfos.find((t) => t.type === 'worker');
  if (!worker) return async () => undefined;
  const { sessionId } = await cdp.send('Target.attachToTarget', { targetId: worker.targetId, flatten: false }) as { sessionId: string };
  let peak = 0;
  let id = 0;
  cdp.on('Target.receivedMessageFromTarget', (e: { message: string }) => {
    const m = JSON.parse(e.message) as { result?: { usedSize?: number } };
    if (m.result?.usedSize) peak = Math.max(peak, m.result.usedSize);
  });
  const timer = setInterval(() => {
    void cdp.send('Target.sendMessageToTarget', { sessionId, message: JSON.stringify({ id: ++id, method: 'Runtime.getHeapUsage' }) }).catch(() => undefined);
  }, 25);
  return async () => {
    clearInterval(timer);
    await new Promise((r) => setTimeout(r, 100));
    return round(peak / 1e6);
  };
}

/** The browser started with `profileDir` and its child processes: RSS in MB summed by `--type=` (browser, renderer, gpu-process…). */
function rssByType(profileDir: string): Record<string, number> {
  const procs = readdirSync('/proc').filter((d) => /^\d+$/.test(d)).flatMap((pid) => {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const ppid = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]!;
      return [{ pid, ppid, cmd: readFileSync(`/proc/${pid}/cmdline`, 'utf8') }];
    } catch {
      return []; // ended while it was read
    }
  });
  const mine = new Set(procs.filter((p) => p.cmd.includes(profileDir) && !p.cmd.includes('--type=')).map((p) => p.pid));
  for (let grew = true; grew;) {
    grew = false;
    for (const p of procs) if (!mine.has(p.pid) && mine.has(p.ppid)) grew = !!mine.add(p.pid);
  }
  const out: Record<string, number> = {};
  for (const p of procs.filter((q) => mine.has(q.pid))) {
    const type = /--type=([\w-]+)/.exec(p.cmd)?.[1] ?? 'browser';
    try {
      out[type] = (out[type] ?? 0) + Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${p.pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
    } catch {
      // ended while it was read
    }
  }
  return out;
}

/** Samples rssByType every `everyMs` until stopped; the peak of each type, in MB (null off Linux). */
export function processRssSampler(profileDir: string, everyMs = 250): () => Record<string, number> | null {
  let peak: Record<string, number> | null = null;
  const sample = () => {
    try {
      const now = rssByType(profileDir);
      peak ??= {};
      for (const [k, v] of Object.entries(now)) peak[k] = Math.max(peak[k] ?? 0, Math.round(v));
    } catch {
      // no /proc
    }
  };
  sample();
  const timer = setInterval(sample, everyMs);
  return () => {
    clearInterval(timer);
    sample();
    return peak;
  };
}

/** Reads every file under models/<folder>/ in the page's OPFS once, as a stream: { ms, bytes }. */
export async function rawOpfsRead(page: Page, folder: string): Promise<{ ms: number; bytes: number }> {
  // A string, not a function: tsx would wrap the inner named function in a helper the page does not have.
  return await page.evaluate(`(async () => {
    const start = performance.now();
    let bytes = 0;
    const walk = async (d) => {
      for await (const [, h] of d.entries()) {
        if (h.kind === 'directory') await walk(h);
        else {
          const reader = (await h.getFile()).stream().getReader();
          for (let r = await reader.read(); !r.done; r = await reader.read()) bytes += r.value.length;
        }
      }
    };
    await walk(await (await (await navigator.storage.getDirectory()).getDirectoryHandle('models')).getDirectoryHandle(${JSON.stringify(folder)}));
    return { ms: performance.now() - start, bytes };
  })()`) as { ms: number; bytes: number };
}
