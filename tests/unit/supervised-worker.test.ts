// The page's worker supervisor against fake workers: every way a worker dies settles the call in flight with
// worker_crashed (or device_lost), a fresh worker is revived, calls after the crash run on it, and a slow worker is not
// taken for a dead one.
import * as Comlink from 'comlink';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SdxlError, SupervisedWorker, type RestartEvent } from '../../src/worker/supervised-worker';
import { isSuperviseHello, type Ping, type WorkerSignal } from '../../src/worker/supervision-protocol';

interface FakeApi {
  init(): Promise<string>;
  work(id: string): Promise<string>;
  echo(x: string): Promise<string>;
}

/** A worker in this thread: comlink over a MessageChannel, a supervision port, and switches to break it. */
class FakeWorker extends EventTarget {
  static made: FakeWorker[] = [];
  readonly inits: number[] = [];
  /** Pending work() calls, finished by the test. */
  readonly work = new Map<string, (v: string) => void>();
  answersPings = true;
  terminated = false;
  lock?: string;
  private port?: MessagePort;
  private readonly channel = new MessageChannel();

  constructor() {
    super();
    FakeWorker.made.push(this);
    const api: FakeApi = {
      init: async () => (this.inits.push(Date.now()), 'ready'),
      work: (id) => new Promise((resolve) => this.work.set(id, resolve)),
      echo: async (x) => x,
    };
    Comlink.expose(api, this.channel.port2);
    this.channel.port1.addEventListener('message', (e) => this.dispatchEvent(new MessageEvent('message', { data: e.data })));
    this.channel.port1.start();
  }

  postMessage(data: unknown, transfer?: Transferable[]): void {
    if (this.terminated) return;
    if (isSuperviseHello(data)) {
      this.port = data.port;
      this.lock = data.lock;
      this.port.onmessage = (m: MessageEvent<Ping>) => {
        if (this.answersPings && !this.terminated) this.signal({ type: 'pong', seq: m.data.seq });
      };
      this.signal({ type: 'alive', lock: false });
      return;
    }
    this.channel.port1.postMessage(data, (transfer ?? []) as never);
  }

  signal(s: WorkerSignal): void {
    this.port?.postMessage(s);
  }

  crash(message: string): void {
    this.dispatchEvent(Object.assign(new Event('error', { cancelable: true }), { message }));
  }

  terminate(): void {
    this.terminated = true;
    this.channel.port1.close();
    this.port?.close();
  }
}

const supervisors: SupervisedWorker<FakeApi>[] = [];
function supervise(options: { stallMs?: number; revive?: (r: Comlink.Remote<FakeApi>) => Promise<string> } = {}) {
  const events: RestartEvent[] = [];
  const s = new SupervisedWorker<FakeApi>({
    create: () => new FakeWorker() as unknown as Worker,
    revive: options.revive ?? (async (r) => `revived: ${await r.init()}`),
    onRestart: (e) => events.push(e),
    heartbeatMs: 1000,
    stallMs: options.stallMs ?? 60_000,
  });
  supervisors.push(s);
  return { s, events, worker: () => FakeWorker.made.at(-1)! };
}

const settle = <T>(p: Promise<T>) => p.then((value) => ({ value }), (error: unknown) => ({ error }));
const tick = () => new Promise((r) => setTimeout(r, 5));
async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 400 && !check(); i++) await tick();
  if (!check()) throw new Error(`timed out waiting for ${what}`);
}

afterEach(() => {
  for (const s of supervisors.splice(0)) s.dispose();
  FakeWorker.made.length = 0;
  vi.useRealTimers();
});

describe('SupervisedWorker', () => {
  it('an uncaught error in the worker rejects the call in flight with worker_crashed and revives a fresh worker', async () => {
    const { s, events, worker } = supervise();
    const first = worker();
    const pending = settle(s.call((r) => r.work('a')));
    await until(() => first.work.has('a'), 'the call to reach the worker');
    first.crash('RuntimeError: unreachable');
    const r = await pending;
    expect(r).toHaveProperty('error');
    const error = (r as { error: unknown }).error;
    expect(error).toBeInstanceOf(SdxlError);
    expect((error as SdxlError).code).toBe('worker_crashed');
    expect((error as SdxlError).message).toContain('RuntimeError: unreachable');
    expect(first.terminated).toBe(true);
    // A call made now waits for the revival, then runs on the new worker.
    expect(await s.call((r) => r.echo('after'))).toBe('after');
    expect(FakeWorker.made).toHaveLength(2);
    expect(worker().inits).toHaveLength(1);
    expect(events.map((e) => e.phase)).toEqual(['restarting', 'restarted']);
    expect(events[1]).toMatchObject({ code: 'worker_crashed', revived: 'revived: ready' });
  });

  it('a messageerror counts as a crash too', async () => {
    const { s, worker } = supervise();
    const pending = settle(s.call((r) => r.work('a')));
    await until(() => worker().work.has('a'), 'the call');
    worker().dispatchEvent(new Event('messageerror'));
    expect(((await pending) as { error: SdxlError }).error.code).toBe('worker_crashed');
  });

  it('a lost GPU device rejects with device_lost and restarts the worker', async () => {
    const { s, events, worker } = supervise();
    const first = worker();
    const pending = settle(s.call((r) => r.work('a')));
    await until(() => first.work.has('a'), 'the call');
    first.signal({ type: 'device_lost', reason: 'destroyed by the test hook' });
    const error = ((await pending) as { error: SdxlError }).error;
    expect(error.code).toBe('device_lost');
    expect(error.message).toContain('destroyed by the test hook');
    expect(await s.call((r) => r.echo('ok'))).toBe('ok');
    expect(events.at(-1)).toMatchObject({ phase: 'restarted', code: 'device_lost' });
    expect(first.terminated).toBe(true);
  });

  it('a busy worker with no heartbeat and no progress past the stall limit is restarted', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'Date'] });
    const { s, worker } = supervise({ stallMs: 30_000 });
    const first = worker();
    const pending = settle(s.call((r) => r.work('a')));
    await until(() => first.work.has('a'), 'the call');
    first.answersPings = false; // its event loop is stuck
    await vi.advanceTimersByTimeAsync(29_000);
    expect(FakeWorker.made).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(3_000);
    const error = ((await pending) as { error: SdxlError }).error;
    expect(error.code).toBe('worker_crashed');
    expect(error.message).toMatch(/no heartbeat and no progress for 3\d s/);
    expect(FakeWorker.made).toHaveLength(2);
    expect(s.stallLimit(), 'the silence that ended in death does not raise the limit').toBe(30_000);
  });

  it('progress alone keeps a busy worker alive (a wasm run blocks its heartbeat), and long silences raise the limit', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'Date'] });
    const { s, worker } = supervise({ stallMs: 30_000 });
    const first = worker();
    const pending = settle(s.call((r) => r.work('a')));
    await until(() => first.work.has('a'), 'the call');
    first.answersPings = false;
    for (let step = 0; step < 10; step++) {
      await vi.advanceTimersByTimeAsync(25_000);
      s.signOfLife(); // a progress event: one slow step done
    }
    expect(s.stallLimit()).toBe(100_000);
    first.work.get('a')!('done');
    expect(await pending).toEqual({ value: 'done' });
    expect(FakeWorker.made).toHaveLength(1);
  });

  it('an idle worker that stops answering is left alone', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'Date'] });
    const { s, worker } = supervise({ stallMs: 30_000 });
    expect(await s.call((r) => r.echo('x'))).toBe('x');
    worker().answersPings = false;
    await vi.advanceTimersByTimeAsync(120_000);
    expect(FakeWorker.made).toHaveLength(1);
  });

  it('a worker that cannot even start is given up on after a few tries, and calls then fail at once', async () => {
    const events: RestartEvent[] = [];
    const s = new SupervisedWorker<FakeApi>({
      create: () => {
        const w = new FakeWorker();
        setTimeout(() => w.crash('SyntaxError in the worker script'), 1);
        return w as unknown as Worker;
      },
      revive: async (r) => r.init(),
      onRestart: (e) => events.push(e),
      maxRestarts: 2,
    });
    supervisors.push(s);
    await until(() => events.some((e) => e.phase === 'gave_up'), 'giving up');
    expect(FakeWorker.made.length).toBe(3);
    const r = await settle(s.call((api) => api.echo('x')));
    expect(((r as { error: SdxlError }).error).code).toBe('worker_crashed');
    expect(((r as { error: SdxlError }).error).message).toContain('reload the page');
  });
});

describe('Cancel always ends the run', () => {
  it('a cancelled call still pending past the grace time while the worker answers pings: the worker is replaced', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'Date'] });
    const events: RestartEvent[] = [];
    const s = new SupervisedWorker<FakeApi>({
      create: () => new FakeWorker() as unknown as Worker, revive: async (r) => r.init(), onRestart: (e) => events.push(e),
      heartbeatMs: 1000, cancelGraceMs: 10_000,
    });
    supervisors.push(s);
    const first = FakeWorker.made.at(-1)!;
    const pending = settle(s.call((r) => r.work('stuck')));
    await until(() => first.work.has('stuck'), 'the call');
    const done = s.cancelling(); // the worker never settles 'stuck', but keeps answering pings
    await vi.advanceTimersByTimeAsync(9_000);
    expect(FakeWorker.made).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(3_000);
    const error = ((await pending) as { error: SdxlError }).error;
    expect(error.code).toBe('worker_crashed');
    expect(error.message).toContain('a cancelled generation or load did not stop within 10 s');
    done();
    expect(await s.call((r) => r.echo('next'))).toBe('next');
  });

  it('a cancelled call that settles in time leaves the worker alone', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'Date'] });
    const { s, worker } = supervise();
    const pending = settle(s.call((r) => r.work('a')));
    await until(() => worker().work.has('a'), 'the call');
    const done = s.cancelling();
    await vi.advanceTimersByTimeAsync(2_000);
    worker().work.get('a')!('cancelled in time');
    expect(await pending).toEqual({ value: 'cancelled in time' });
    done();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(FakeWorker.made).toHaveLength(1);
  });
});
