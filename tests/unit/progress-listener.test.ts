// Progress events travel on the listener's own port, unordered with the call's answer: a listener from withProgress
// drops the events that arrive after its call settled (a stale "Downloading…" once showed over a load's error).
import * as Comlink from 'comlink';
import { afterEach, describe, expect, it } from 'vitest';
import { withProgress } from '../../src/worker/progress-listener';

interface Api {
  /**
   * Sends `events` progress events without waiting for their answers, then answers at once, as a download's meter does.
   * Between two threads the last event can reach the page after the answer; here it is sent a moment later to be sure.
   */
  run(events: number, listener: (n: number) => boolean): Promise<string>;
  /** Awaits each event's answer before the next one; stops at the first `true`. */
  ask(events: number, listener: (n: number) => boolean): Promise<number>;
}

const channels: MessageChannel[] = [];
afterEach(() => {
  for (const c of channels.splice(0)) {
    c.port1.close();
    c.port2.close();
  }
});

function remote(): Comlink.Remote<Api> {
  const c = new MessageChannel();
  channels.push(c);
  Comlink.expose({
    run: async (events: number, listener: (n: number) => boolean) => {
      for (let n = 1; n < events; n++) void listener(n);
      setTimeout(() => void listener(events), 5);
      return 'done';
    },
    ask: async (events: number, listener: (n: number) => boolean) => {
      for (let n = 1; n <= events; n++) if (await listener(n)) return n;
      return events;
    },
  } satisfies Api, c.port2);
  return Comlink.wrap<Api>(c.port1);
}

/** What the page shows last: each event, then the answer, in the order they arrive; then a while for stragglers. */
async function lastShown(call: (seen: string[]) => Promise<string>): Promise<string[]> {
  const seen: string[] = [];
  seen.push(await call(seen));
  await new Promise((r) => setTimeout(r, 50));
  return seen;
}

describe('withProgress', () => {
  it('a bare comlink listener shows the straggler over the answer (the race this guards against)', async () => {
    const api = remote();
    const seen = await lastShown((seen) => api.run(20, Comlink.proxy((n: number) => (seen.push(`event ${n}`), false))));
    expect(seen.slice(-2)).toEqual(['done', 'event 20']);
  });

  it('drops events that arrive after the call settled: the answer is the last thing shown', async () => {
    const api = remote();
    const seen = await lastShown((seen) => withProgress((n: number) => (seen.push(`event ${n}`), false), (l) => api.run(20, l)));
    expect(seen.slice(-2)).toEqual(['event 19', 'done']);
  });

  it('forwards events while the call runs, with their answers, and counts each as a sign of life', async () => {
    const api = remote();
    const got: number[] = [];
    let signs = 0;
    const stoppedAt = await withProgress((n: number) => (got.push(n), n === 3), (l) => api.ask(10, l), () => signs++);
    expect(stoppedAt).toBe(3);
    expect(got).toEqual([1, 2, 3]);
    expect(signs).toBe(3);
  });

  it('closes the listener when the call fails too', async () => {
    let kept: ((n: number) => boolean) | undefined;
    const got: number[] = [];
    await expect(withProgress((n: number) => (got.push(n), false), async (l) => {
      kept = l;
      l(1);
      throw new Error('load failed');
    })).rejects.toThrow('load failed');
    expect(kept!(2)).toBe(true);
    expect(got).toEqual([1]);
  });
});
