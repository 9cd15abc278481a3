// The queue on the page: each waiting or running request with its prompt, up/down and cancel buttons, and the
// "Generate forever" switch.
import type { QueueState } from './generation-queue';

export interface QueueViewActions {
  cancel(id: string): void;
  move(id: string, by: -1 | 1): void;
  setForever(on: boolean): void;
}

const button = (text: string, label: string, testid: string, onClick: () => void, disabled = false) => {
  const b = document.createElement('button');
  b.type = 'button';
  b.className = 'button-small';
  b.textContent = text;
  b.title = label;
  b.setAttribute('aria-label', label);
  b.dataset.testid = testid;
  b.disabled = disabled;
  b.addEventListener('click', onClick);
  return b;
};

const summary = (request: Record<string, unknown>) => {
  const prompt = typeof request.prompt === 'string' && request.prompt.trim() ? request.prompt.trim() : '(no prompt)';
  const n = typeof request.num_images === 'number' && request.num_images > 1 ? ` ×${request.num_images}` : '';
  return prompt.length > 80 ? `${prompt.slice(0, 79)}…${n}` : `${prompt}${n}`;
};

export function createQueueView(root: HTMLElement, forever: HTMLInputElement, actions: QueueViewActions): { show(state: QueueState): void } {
  root.classList.add('queue');
  root.setAttribute('aria-label', 'Queue');
  const list = document.createElement('ol');
  list.className = 'queue-list';
  root.append(list);
  forever.addEventListener('change', () => actions.setForever(forever.checked));
  return {
    show(state) {
      forever.checked = state.forever;
      root.hidden = state.jobs.length === 0;
      const queued = state.jobs.filter((j) => j.state === 'queued');
      list.replaceChildren(...state.jobs.map((job) => {
        const item = document.createElement('li');
        item.className = `queue-item queue-${job.state}`;
        item.dataset.testid = 'queue-item';
        item.dataset.state = job.state;
        const text = document.createElement('span');
        text.className = 'queue-text';
        text.textContent = `${job.state === 'running' ? 'Running' : 'Queued'}: ${summary(job.request)}`;
        const q = queued.indexOf(job);
        item.append(text);
        if (job.state === 'queued') {
          item.append(
            button('↑', 'Move up', 'queue-up', () => actions.move(job.id, -1), q === 0),
            button('↓', 'Move down', 'queue-down', () => actions.move(job.id, 1), q === queued.length - 1),
          );
        }
        item.append(button('✕', job.state === 'running' ? 'Cancel this run' : 'Remove from the queue', 'queue-cancel', () => actions.cancel(job.id)));
        return item;
      }));
    },
  };
}
