// Inside the worker: answers the page's heartbeat, holds the Web Lock whose release tells the page the worker is gone,
// watches onnxruntime's WebGPU device for loss, and keeps a test-only hook to destroy that device.
import { isSuperviseHello, type Ping, type WorkerSignal } from './supervision-protocol';

interface WorkerScope {
  addEventListener(type: 'message', listener: (e: MessageEvent) => void): void;
  navigator: { locks?: LockManager };
}

/** The part of onnxruntime's env this needs: ORT assigns its GPUDevice to `env.webgpu.device` once it has one. */
export interface OrtWithWebGpu {
  env: { webgpu: Record<string, unknown> };
}

export interface WorkerSupervision {
  /**
   * Why the GPU device was lost, once it was. A run fails before the device's `lost` promise settles, so this waits
   * up to `graceMs` for it.
   */
  deviceLost(graceMs?: number): Promise<string | undefined>;
  /** Watches the device onnxruntime creates (call once the ORT module is loaded, before any session). */
  watchOrt(ort: OrtWithWebGpu): void;
}

/**
 * Must run before comlink's expose: the hello message is taken here and stopped. The test hook lives only on the
 * worker's global object (`__sdxlTest`): no message, comlink method or URL reaches it; only a debugger (Playwright's
 * `worker.evaluate`) does.
 */
export function superviseWorker(scope: WorkerScope): WorkerSupervision {
  let port: MessagePort | undefined;
  let lostReason: string | undefined;
  let device: GPUDevice | undefined;
  let lost: Promise<string | undefined> | undefined;
  let destroyedByTest = false;
  const signal = (s: WorkerSignal) => port?.postMessage(s);

  scope.addEventListener('message', (e) => {
    if (!isSuperviseHello(e.data)) return;
    e.stopImmediatePropagation();
    port = e.data.port;
    port.onmessage = (m: MessageEvent<Ping>) => {
      if (m.data?.type === 'ping') signal({ type: 'pong', seq: m.data.seq });
    };
    const { lock } = e.data;
    const locks = scope.navigator.locks;
    if (!lock || !locks) return signal({ type: 'alive', lock: false });
    // Held until this worker ends; never released by the worker itself.
    void locks.request(lock, () => {
      signal({ type: 'alive', lock: true });
      return new Promise<never>(() => undefined);
    }).catch(() => signal({ type: 'alive', lock: false }));
  });

  const watch = (d: GPUDevice) => {
    device = d;
    lost = d.lost.then((info) => {
      // onnxruntime destroying its own device is its business; a loss (or the test hook's destroy) is not.
      if (info.reason === 'destroyed' && !destroyedByTest) return undefined;
      lostReason = info.message || (destroyedByTest ? 'destroyed by the test hook' : 'unknown reason');
      signal({ type: 'device_lost', reason: lostReason });
      return lostReason;
    });
  };

  (scope as unknown as { __sdxlTest?: unknown }).__sdxlTest = {
    /** Destroys onnxruntime's GPUDevice as a driver reset would lose it; false when there is none (wasm EP). */
    destroyGpuDevice(): boolean {
      if (!device) return false;
      destroyedByTest = true;
      device.destroy();
      return true;
    },
  };

  return {
    async deviceLost(graceMs = 500) {
      if (lostReason !== undefined || !lost) return lostReason;
      return Promise.race([lost, new Promise<undefined>((resolve) => setTimeout(resolve, graceMs))]);
    },
    watchOrt(ort) {
      const webgpu = ort.env.webgpu;
      let current = webgpu.device;
      Object.defineProperty(webgpu, 'device', {
        configurable: true,
        enumerable: true,
        get: () => current,
        set(value: unknown) {
          current = value;
          if (typeof GPUDevice !== 'undefined' && value instanceof GPUDevice) watch(value);
        },
      });
    },
  };
}
