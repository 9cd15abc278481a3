// The page's watch over its worker: notices death (error events, the Web Lock it held, a lost GPU device, silence
// while busy), fails the calls in flight with worker_crashed / device_lost, and starts and revives a fresh worker.
import * as Comlink from 'comlink';
import type { EngineErrorData } from '../schema/response';
import type { Ping, SuperviseHello, WorkerSignal } from './supervision-protocol';

/** An engine error on the page: `code`, a message, and for 422-style errors the `detail` list. */
export class SdxlError extends Error {
  readonly code: EngineErrorData['code'];
  readonly detail?: EngineErrorData['detail'];
  constructor(data: EngineErrorData) {
    super(data.message + (data.detail ? ` ${data.detail.map((d) => `[${d.loc.slice(1).join('.')}] ${d.msg}`).join(' ')}` : ''));
    this.name = 'SdxlError';
    this.code = data.code;
    this.detail = data.detail;
  }
  /** The 422 body: {"detail": [...]}. */
  toJSON(): EngineErrorData {
    return { code: this.code, message: this.message, ...(this.detail ? { detail: this.detail } : {}) };
  }
}

/** What the page is told when its engine stops and comes back. */
export interface RestartEvent {
  phase: 'restarting' | 'restarted' | 'gave_up';
  code: 'worker_crashed' | 'device_lost';
  /** Why it stopped, in words ("an uncaught error in the worker: …"). */
  reason: string;
  /** 'restarted' only: what reviving did, or why reloading the model failed. */
  revived?: string;
}

export interface SupervisorOptions<T> {
  create(): Worker;
  /** Brings a fresh worker back to where the last one was (init, settings, the model); says what it did. */
  revive(remote: Comlink.Remote<T>): Promise<string>;
  onRestart?(event: RestartEvent): void;
  /** How often the worker is pinged. */
  heartbeatMs?: number;
  /**
   * While a call is pending: this long with neither a heartbeat answer nor progress means the worker is stuck. A wasm
   * session.run blocks the worker's event loop for a whole UNet call, so this is far longer than any step (raised to
   * 4 × the longest silence seen so far that did end).
   */
  stallMs?: number;
  /**
   * After a Cancel, a call still pending this long while the worker answers pings is stuck on something other than
   * wasm compute (a GPU readback that never returns): the worker is replaced so that Cancel always ends the run.
   */
  cancelGraceMs?: number;
  /** More restarts than this within RESTART_WINDOW_MS, and it gives up (a worker that cannot even start). */
  maxRestarts?: number;
  locks?: LockManager;
}

export const HEARTBEAT_MS = 2000;
export const STALL_MS = 180_000;
export const RESTART_WINDOW_MS = 60_000;
export const CANCEL_GRACE_MS = 30_000;

interface Incarnation<T> {
  worker: Worker;
  remote: Comlink.Remote<T>;
  port: MessagePort;
  /** Rejects with the SdxlError that ended this worker. */
  dead: Promise<never>;
  kill(code: RestartEvent['code'], reason: string): void;
  stopLock: AbortController;
}

let lockCounter = 0;

export class SupervisedWorker<T> {
  private current!: Incarnation<T>;
  /** Resolves once the current worker is revived; calls wait for it. */
  private ready: Promise<void> = Promise.resolve();
  private pending = 0;
  private lastSign = Date.now();
  private lastPong = 0;
  private cancelDeadline?: number;
  private longestSilence = 0;
  private restarts: number[] = [];
  private gaveUp?: SdxlError;
  private seq = 0;
  private readonly heartbeat: ReturnType<typeof setInterval>;
  private readonly every: number;

  constructor(private readonly options: SupervisorOptions<T>) {
    this.current = this.start();
    this.every = options.heartbeatMs ?? HEARTBEAT_MS;
    this.heartbeat = setInterval(() => this.beat(), this.every);
  }

  /** A Cancel was sent: the call must settle within the grace time (unless the worker is busy computing). */
  cancelling(): () => void {
    const deadline = Date.now() + (this.options.cancelGraceMs ?? CANCEL_GRACE_MS);
    this.cancelDeadline = Math.min(this.cancelDeadline ?? Infinity, deadline);
    return () => (this.cancelDeadline = undefined);
  }

  /** Runs `fn` against the current worker; if the worker dies first, rejects with worker_crashed (or device_lost). */
  async call<R>(fn: (remote: Comlink.Remote<T>) => Promise<R>): Promise<R> {
    // A worker that dies while being revived starts another revival: wait for the last one.
    for (let r = this.ready; ; r = this.ready) {
      await r;
      if (r === this.ready) break;
    }
    if (this.gaveUp) throw this.gaveUp;
    const inc = this.current;
    return this.watch(inc, fn(inc.remote));
  }

  /** Counts `p` as pending on `inc` (the stall watch runs while anything is) and rejects if `inc` dies first. */
  private async watch<R>(inc: Incarnation<T>, p: Promise<R>): Promise<R> {
    if (this.pending++ === 0) this.lastSign = Date.now();
    try {
      return await Promise.race([p, inc.dead]);
    } finally {
      this.pending--;
      this.signOfLife();
    }
  }

  /** Progress from the worker counts as life (its event loop may be too busy to answer pings). */
  signOfLife(): void {
    const now = Date.now();
    if (this.pending > 0) this.longestSilence = Math.max(this.longestSilence, now - this.lastSign);
    this.lastSign = now;
  }

  /** The stall limit in force now (ms). */
  stallLimit(): number {
    return Math.max(this.options.stallMs ?? STALL_MS, 4 * this.longestSilence);
  }

  dispose(): void {
    clearInterval(this.heartbeat);
    this.current.stopLock.abort();
    this.current.worker.terminate();
  }

  private beat(): void {
    if (this.gaveUp) return;
    this.current.port.postMessage({ type: 'ping', seq: ++this.seq } satisfies Ping);
    const now = Date.now();
    const silent = now - this.lastSign;
    if (this.pending > 0 && silent > this.stallLimit()) {
      this.current.kill('worker_crashed', `no heartbeat and no progress for ${Math.round(silent / 1000)} s while busy`);
    } else if (this.cancelDeadline !== undefined && now > this.cancelDeadline && now - this.lastPong < 3 * this.every) {
      this.cancelDeadline = undefined;
      const grace = Math.round((this.options.cancelGraceMs ?? CANCEL_GRACE_MS) / 1000);
      this.current.kill('worker_crashed', `a cancelled generation or load did not stop within ${grace} s, though the worker was not computing`);
    }
  }

  private start(): Incarnation<T> {
    const worker = this.options.create();
    const channel = new MessageChannel();
    const stopLock = new AbortController();
    let killed = false;
    let reject!: (e: SdxlError) => void;
    const dead = new Promise<never>((_, r) => (reject = r));
    dead.catch(() => undefined);
    const inc: Incarnation<T> = {
      worker, port: channel.port1, dead, stopLock, remote: Comlink.wrap<T>(worker),
      kill: (code, reason) => {
        if (killed) return;
        killed = true;
        // The silence that ended in death is no measure of a slow run: it must not raise the stall limit.
        this.lastSign = Date.now();
        const message = code === 'device_lost'
          ? `The GPU device was lost (${reason}). The engine restarts on a new device and reloads the model; try again.`
          : `The engine stopped (${reason}). It restarts and reloads the model; try again.`;
        reject(new SdxlError({ code, message }));
        stopLock.abort();
        channel.port1.close();
        worker.terminate();
        this.restart(code, reason);
      },
    };
    worker.addEventListener('error', (e) => {
      e.preventDefault();
      inc.kill('worker_crashed', `an uncaught error in the worker${e.message ? `: ${e.message}` : ''}`);
    });
    worker.addEventListener('messageerror', () => inc.kill('worker_crashed', 'a message from the worker could not be read'));
    channel.port1.onmessage = (m: MessageEvent<WorkerSignal>) => {
      const s = m.data;
      if (s.type === 'device_lost') return inc.kill('device_lost', s.reason);
      if (s.type === 'pong') this.lastPong = Date.now();
      this.signOfLife();
      if (s.type === 'alive' && s.lock) this.awaitLock(lock, inc);
    };
    const locks = this.options.locks;
    const lock = locks ? `sdxl-worker-${Date.now().toString(36)}-${++lockCounter}-${Math.random().toString(36).slice(2)}` : undefined;
    worker.postMessage({ type: 'sdxl-supervise', port: channel.port2, ...(lock ? { lock } : {}) } satisfies SuperviseHello, [channel.port2]);
    this.lastSign = Date.now();
    return inc;
  }

  /** The worker holds the lock for life: being granted it means the worker has ended (closed, crashed, or killed). */
  private awaitLock(lock: string | undefined, inc: Incarnation<T>): void {
    if (!lock || !this.options.locks) return;
    void this.options.locks.request(lock, { signal: inc.stopLock.signal }, () => inc.kill('worker_crashed', 'the worker closed')).catch(() => undefined);
  }

  private restart(code: RestartEvent['code'], reason: string): void {
    const { onRestart, maxRestarts = 3 } = this.options;
    const now = Date.now();
    this.restarts = [...this.restarts.filter((t) => now - t < RESTART_WINDOW_MS), now];
    if (this.restarts.length > maxRestarts) {
      this.gaveUp = new SdxlError({ code: 'worker_crashed', message: `The engine keeps stopping (${reason}); reload the page.` });
      clearInterval(this.heartbeat);
      onRestart?.({ phase: 'gave_up', code, reason });
      return;
    }
    onRestart?.({ phase: 'restarting', code, reason });
    this.current = this.start();
    const inc = this.current;
    this.ready = this.watch(inc, this.options.revive(inc.remote)).then(
      (revived) => onRestart?.({ phase: 'restarted', code, reason, revived }),
      (e: unknown) => {
        // A worker that died while being revived has already started the next one.
        if (!(e instanceof SdxlError && (e.code === 'worker_crashed' || e.code === 'device_lost'))) {
          onRestart?.({ phase: 'restarted', code, reason, revived: `the model could not be reloaded: ${e instanceof Error ? e.message : String(e)}` });
        }
      },
    );
  }
}
