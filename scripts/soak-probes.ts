// What the soak reads from Chromium over CDP: the page's and the worker's JS heap after a forced GC, GPU buffers alive
// in the worker (a createBuffer/destroy wrapper the soak installs there, nowhere else), and the app's IndexedDB history.
import type { CDPSession, Page } from '@playwright/test';

export interface GpuBufferCounts {
  created: number;
  destroyed: number;
  live: number;
  liveBytes: number;
}

export interface Probes {
  pageHeapAfterGc(): Promise<number>;
  workerHeapAfterGc(): Promise<number>;
  /** Installs the GPU buffer counter in the worker (prototype-wide, so devices made before it count too). */
  watchGpuBuffers(): Promise<boolean>;
  gpuBuffers(): Promise<GpuBufferCounts | undefined>;
  workerUrl: string;
}

// Evaluated in the worker: wraps GPUDevice.prototype.createBuffer and GPUBuffer.prototype.destroy, counting the
// buffers made after it is installed; live = made − destroyed.
const GPU_HOOK = `(() => {
  if (typeof GPUDevice === 'undefined') return false;
  if (self.__soakGpu) return true;
  const s = { created: 0, destroyed: 0, liveBytes: 0 };
  const sizes = new WeakMap();
  const create = GPUDevice.prototype.createBuffer;
  GPUDevice.prototype.createBuffer = function (d) {
    const b = create.call(this, d);
    s.created++; s.liveBytes += d.size; sizes.set(b, d.size);
    return b;
  };
  const destroy = GPUBuffer.prototype.destroy;
  GPUBuffer.prototype.destroy = function () {
    const size = sizes.get(this);
    if (size !== undefined) { sizes.delete(this); s.destroyed++; s.liveBytes -= size; }
    return destroy.call(this);
  };
  self.__soakGpu = s;
  return true;
})()`;

/** Attaches to the page's dedicated worker (the engine's) through the page's CDP session, without flattening. */
export async function attachProbes(page: Page, timeoutMs = 60_000): Promise<Probes> {
  const cdp: CDPSession = await page.context().newCDPSession(page);
  const workers = new Map<string, string>();
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let id = 0;
  cdp.on('Target.attachedToTarget', (e: { sessionId: string; targetInfo: { type: string; url: string } }) => {
    if (e.targetInfo.type === 'worker') workers.set(e.sessionId, e.targetInfo.url);
  });
  cdp.on('Target.receivedMessageFromTarget', (e: { message: string }) => {
    const m = JSON.parse(e.message) as { id?: number; result?: unknown; error?: { message: string } };
    const p = m.id === undefined ? undefined : pending.get(m.id);
    if (!p) return;
    pending.delete(m.id!);
    if (m.error) p.reject(new Error(m.error.message));
    else p.resolve(m.result);
  });
  await cdp.send('Target.setAutoAttach', { autoAttach: true, waitForDebuggerOnStart: false, flatten: false });
  const deadline = Date.now() + timeoutMs;
  const engineWorker = () => [...workers].find(([, url]) => /sdxl/.test(url)) ?? [...workers][0];
  while (!engineWorker() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  const found = engineWorker();
  if (!found) throw new Error('the engine worker never appeared to CDP');
  const [sessionId, workerUrl] = found;

  const inWorker = <T>(method: string, params: object = {}): Promise<T> => new Promise<T>((resolve, reject) => {
    const messageId = ++id;
    pending.set(messageId, { resolve: resolve as (v: unknown) => void, reject });
    void cdp.send('Target.sendMessageToTarget', { sessionId, message: JSON.stringify({ id: messageId, method, params }) }).catch(reject);
  });
  const evaluate = async <T>(expression: string): Promise<T> => {
    const r = await inWorker<{ result: { value: T }; exceptionDetails?: { text: string } }>('Runtime.evaluate', { expression, returnByValue: true });
    if (r.exceptionDetails) throw new Error(`worker: ${r.exceptionDetails.text}`);
    return r.result.value;
  };

  return {
    workerUrl,
    async pageHeapAfterGc() {
      await cdp.send('HeapProfiler.collectGarbage');
      return ((await cdp.send('Runtime.getHeapUsage')) as { usedSize: number }).usedSize;
    },
    async workerHeapAfterGc() {
      await inWorker('HeapProfiler.collectGarbage');
      return (await inWorker<{ usedSize: number }>('Runtime.getHeapUsage')).usedSize;
    },
    async watchGpuBuffers() {
      // The worker's context may not answer evaluations for a moment after it appears.
      for (let tries = 0; tries < 50; tries++) {
        const ok = await evaluate<boolean | undefined>(GPU_HOOK).catch(() => undefined);
        if (ok !== undefined) return ok;
        await new Promise((r) => setTimeout(r, 200));
      }
      return false;
    },
    async gpuBuffers() {
      const s = await evaluate<Omit<GpuBufferCounts, 'live'> | null>('self.__soakGpu ? { ...self.__soakGpu } : null');
      return s ? { ...s, live: s.created - s.destroyed } : undefined;
    },
  };
}

/** The app's history in IndexedDB (sdxl-web / history): each entry's first image, newest first. */
export function historyImages(page: Page): Promise<string[]> {
  return page.evaluate(() => new Promise<string[]>((resolve, reject) => {
    const open = indexedDB.open('sdxl-web');
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
      const db = open.result;
      if (!db.objectStoreNames.contains('history')) {
        db.close();
        resolve([]);
        return;
      }
      const req = db.transaction('history').objectStore('history').getAll();
      req.onerror = () => reject(req.error);
      req.onsuccess = () => {
        db.close();
        const entries = req.result as { createdAt: number; response: { images: { image_b64: string }[] } }[];
        resolve(entries.sort((a, b) => b.createdAt - a.createdAt).map((e) => e.response.images[0]!.image_b64));
      };
    };
  }));
}
