// The generation queue, DOM-free: requests wait in order, run one at a time, can be cancelled and reordered, and
// "generate forever" queues the same request with a new seed after each run until it is switched off.
import type { RequestDraft } from '../request-form';

export interface QueueJob {
  id: string;
  request: RequestDraft;
  /** The painter's paste-back feather radius when it was queued. */
  maskBlur?: number;
  state: 'queued' | 'running';
}

export interface QueueState {
  jobs: readonly QueueJob[];
  forever: boolean;
}

export interface QueueDeps {
  /** Runs one job; rejects when it fails or is cancelled (the queue goes on with the next). */
  run(job: QueueJob, signal: AbortSignal): Promise<void>;
  /** Whether a job may start now (a model is loaded); the queue waits otherwise and `kick()` starts it later. */
  ready(): boolean;
  /** Told after every change (to draw it and to keep it across reloads). */
  changed(state: QueueState): void;
  newId?: () => string;
}

export interface GenerationQueue {
  add(request: RequestDraft, maskBlur?: number): QueueJob;
  /** A queued job leaves the queue; the running one is aborted. */
  cancel(id: string): void;
  /** Moves a queued job up (-1) or down (+1) among the queued ones; the running job stays first. */
  move(id: string, by: -1 | 1): void;
  setForever(on: boolean): void;
  /** Starts the next job if none runs and the queue is ready. */
  kick(): void;
  state(): QueueState;
}

/** A request for the next "forever" round: the same settings, and the engine draws a new seed. */
export function withNewSeed(request: RequestDraft): RequestDraft {
  const next = { ...request };
  delete next.seed;
  return next;
}

export function createGenerationQueue(deps: QueueDeps, restored: readonly QueueJob[] = []): GenerationQueue {
  let counter = 0;
  const newId = deps.newId ?? (() => `${Date.now().toString(36)}-${(counter++).toString(36)}`);
  // A job that was running when the page went away runs again: it never finished.
  let jobs: QueueJob[] = restored.map((j) => ({ ...j, state: 'queued' }));
  let forever = false;
  let controller: AbortController | undefined;

  const changed = () => deps.changed({ jobs: jobs.map((j) => ({ ...j })), forever });

  const next = () => {
    if (controller || !deps.ready()) return;
    const job = jobs.find((j) => j.state === 'queued');
    if (!job) return;
    job.state = 'running';
    const abort = new AbortController();
    controller = abort;
    changed();
    void deps.run({ ...job }, abort.signal).then(
      () => finish(job, !abort.signal.aborted),
      () => finish(job, false),
    );
  };

  const finish = (job: QueueJob, succeeded: boolean) => {
    controller = undefined;
    jobs = jobs.filter((j) => j !== job);
    // Forever repeats after a run that worked and when nothing else waits; a failure stops it (no endless errors).
    if (forever && !succeeded) forever = false;
    if (forever && jobs.length === 0) jobs.push({ id: newId(), request: withNewSeed(job.request), maskBlur: job.maskBlur, state: 'queued' });
    changed();
    next();
  };

  return {
    add(request, maskBlur) {
      const job: QueueJob = { id: newId(), request: { ...request }, ...(maskBlur === undefined ? {} : { maskBlur }), state: 'queued' };
      jobs.push(job);
      changed();
      next();
      return { ...job };
    },
    cancel(id) {
      const job = jobs.find((j) => j.id === id);
      if (!job) return;
      if (job.state === 'running') {
        // Cancelling what runs under "forever" stops the repetition too.
        forever = false;
        controller?.abort();
        return;
      }
      jobs = jobs.filter((j) => j !== job);
      changed();
    },
    move(id, by) {
      const i = jobs.findIndex((j) => j.id === id);
      const to = i + by;
      if (i < 0 || jobs[i]!.state !== 'queued' || to < 0 || to >= jobs.length || jobs[to]!.state !== 'queued') return;
      [jobs[i], jobs[to]] = [jobs[to]!, jobs[i]!];
      changed();
    },
    setForever(on) {
      forever = on;
      changed();
    },
    kick: next,
    state: () => ({ jobs: jobs.map((j) => ({ ...j })), forever }),
  };
}
