// What the page is busy with (generations, model loads and downloads), so an update never reloads under them.

export type ActivityKind = 'generation' | 'download';

const running = new Map<ActivityKind, number>();
let waiters: (() => void)[] = [];

/** Counts a task while its promise is pending. */
export function track<T>(kind: ActivityKind, task: Promise<T>): Promise<T> {
  running.set(kind, (running.get(kind) ?? 0) + 1);
  const done = () => {
    running.set(kind, (running.get(kind) ?? 1) - 1);
    if (busyWith() === undefined) {
      const ready = waiters;
      waiters = [];
      for (const w of ready) w();
    }
  };
  task.then(done, done);
  return task;
}

/** What is running now, for messages ("after the current generation"); undefined when idle. */
export function busyWith(): ActivityKind | undefined {
  if ((running.get('generation') ?? 0) > 0) return 'generation';
  if ((running.get('download') ?? 0) > 0) return 'download';
  return undefined;
}

export function whenIdle(): Promise<void> {
  return busyWith() === undefined ? Promise.resolve() : new Promise((resolve) => waiters.push(resolve));
}
