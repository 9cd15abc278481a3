// The generation queue: order, cancelling queued and running jobs, reordering, waiting for a model, forever, restore.
import { describe, expect, it } from 'vitest';
import { createGenerationQueue, withNewSeed, type QueueJob, type QueueState } from '../../src/ui/queue/generation-queue';

/** A runner whose jobs finish when the test says so. */
function harness(options: { ready?: () => boolean; restored?: QueueJob[] } = {}) {
  const started: string[] = [];
  const pending = new Map<string, { resolve(): void; reject(e: Error): void; signal: AbortSignal }>();
  const states: QueueState[] = [];
  let id = 0;
  const queue = createGenerationQueue({
    run: (job, signal) => new Promise<void>((resolve, reject) => {
      started.push(String(job.request.prompt));
      pending.set(String(job.request.prompt), { resolve, reject, signal });
      signal.addEventListener('abort', () => reject(new Error('cancelled')));
    }),
    ready: options.ready ?? (() => true),
    changed: (s) => states.push(s),
    newId: () => `j${id++}`,
  }, options.restored);
  const settle = () => new Promise((r) => setTimeout(r, 0));
  const finish = async (prompt: string) => {
    pending.get(prompt)!.resolve();
    await settle();
  };
  return { queue, started, pending, states, finish, settle };
}

describe('generation queue', () => {
  it('runs requests one at a time, in the order they were added', async () => {
    const h = harness();
    h.queue.add({ prompt: 'a' });
    h.queue.add({ prompt: 'b' });
    h.queue.add({ prompt: 'c' });
    expect(h.started).toEqual(['a']);
    await h.finish('a');
    expect(h.started).toEqual(['a', 'b']);
    await h.finish('b');
    await h.finish('c');
    expect(h.started).toEqual(['a', 'b', 'c']);
    expect(h.queue.state().jobs).toEqual([]);
  });

  it('cancelling a queued job removes it; the others run in order', async () => {
    const h = harness();
    h.queue.add({ prompt: 'a' });
    const b = h.queue.add({ prompt: 'b' });
    h.queue.add({ prompt: 'c' });
    h.queue.cancel(b.id);
    expect(h.queue.state().jobs.map((j) => j.request.prompt)).toEqual(['a', 'c']);
    await h.finish('a');
    await h.finish('c');
    expect(h.started).toEqual(['a', 'c']);
  });

  it('cancelling the running job aborts it and the next one starts', async () => {
    const h = harness();
    const a = h.queue.add({ prompt: 'a' });
    h.queue.add({ prompt: 'b' });
    h.queue.cancel(a.id);
    expect(h.pending.get('a')!.signal.aborted).toBe(true);
    await h.settle();
    expect(h.started).toEqual(['a', 'b']);
  });

  it('reorders queued jobs but never moves the running one', () => {
    const h = harness();
    const a = h.queue.add({ prompt: 'a' });
    const b = h.queue.add({ prompt: 'b' });
    const c = h.queue.add({ prompt: 'c' });
    h.queue.move(c.id, -1);
    expect(h.queue.state().jobs.map((j) => j.request.prompt)).toEqual(['a', 'c', 'b']);
    h.queue.move(c.id, -1); // would pass the running job
    h.queue.move(a.id, 1); // the running job stays
    h.queue.move(b.id, 1); // already last
    expect(h.queue.state().jobs.map((j) => j.request.prompt)).toEqual(['a', 'c', 'b']);
  });

  it('waits while no model is loaded, and starts on kick()', () => {
    let ready = false;
    const h = harness({ ready: () => ready });
    h.queue.add({ prompt: 'a' });
    expect(h.started).toEqual([]);
    expect(h.queue.state().jobs[0]!.state).toBe('queued');
    ready = true;
    h.queue.kick();
    expect(h.started).toEqual(['a']);
  });

  it('forever queues the same request with a new seed after each run, and stops when switched off', async () => {
    const h = harness();
    h.queue.setForever(true);
    h.queue.add({ prompt: 'a', seed: 5, steps: 4 });
    await h.finish('a');
    expect(h.started).toEqual(['a', 'a']);
    expect(h.queue.state().jobs[0]!.request).toEqual({ prompt: 'a', steps: 4 });
    h.queue.setForever(false);
    await h.finish('a');
    expect(h.started).toEqual(['a', 'a']);
    expect(h.queue.state().jobs).toEqual([]);
  });

  it('forever stops after a failed run instead of repeating an error', async () => {
    const h = harness();
    h.queue.setForever(true);
    h.queue.add({ prompt: 'a' });
    h.pending.get('a')!.reject(new Error('boom'));
    await h.settle();
    expect(h.started).toEqual(['a']);
    expect(h.queue.state()).toEqual({ jobs: [], forever: false });
  });

  it('restored jobs (from before a reload) run again from the start, the interrupted one first', () => {
    const h = harness({
      restored: [
        { id: 'x', request: { prompt: 'was running' }, state: 'running' },
        { id: 'y', request: { prompt: 'was queued' }, state: 'queued' },
      ],
    });
    expect(h.queue.state().jobs.every((j) => j.state === 'queued')).toBe(true);
    h.queue.kick();
    expect(h.started).toEqual(['was running']);
  });

  it('every change is reported with copies, so a view cannot change the queue', () => {
    const h = harness();
    h.queue.add({ prompt: 'a' });
    const last = h.states.at(-1)!;
    (last.jobs[0] as QueueJob).state = 'queued';
    expect(h.queue.state().jobs[0]!.state).toBe('running');
  });

  it('withNewSeed drops the seed and keeps everything else', () => {
    expect(withNewSeed({ prompt: 'p', seed: [1, 2], num_images: 2 })).toEqual({ prompt: 'p', num_images: 2 });
  });
});

describe('stored queue', () => {
  it('keeps well-formed jobs in order and leaves out damaged ones', async () => {
    const { parseStoredQueue } = await import('../../src/ui/queue/queue-store');
    const good = { id: 'a', request: { prompt: 'p' }, state: 'queued' };
    const jobs = parseStoredQueue([good, { id: 1, request: {}, state: 'queued' }, { id: 'b', request: 'x', state: 'queued' }, { id: 'c', request: {}, state: 'done' }, { id: 'd', request: {}, maskBlur: 4, state: 'running' }]);
    expect(jobs.map((j) => j.id)).toEqual(['a', 'd']);
    expect(parseStoredQueue('not a list')).toEqual([]);
    expect(parseStoredQueue(undefined)).toEqual([]);
  });

  it('a stored list longer than the bound is cut to it', async () => {
    const { parseStoredQueue, MAX_KEPT_JOBS } = await import('../../src/ui/queue/queue-store');
    const many = Array.from({ length: MAX_KEPT_JOBS + 50 }, (_, i) => ({ id: `j${i}`, request: {}, state: 'queued' }));
    expect(parseStoredQueue(many)).toHaveLength(MAX_KEPT_JOBS);
  });
});
