// A toast with Undo: the action is committed when the toast times out (or another replaces it), undone on Undo.

export const UNDO_MS = 6000;

export interface UndoToast {
  /** Shows `message`; `commit` runs after `ms` unless Undo is pressed (then `undo` runs). */
  show(message: string, undo: () => void, commit: () => void, ms?: number): void;
  /** Commits a pending action now (before the page goes away). */
  flush(): void;
}

export function createUndoToast(host: HTMLElement): UndoToast {
  const toast = document.createElement('div');
  toast.className = 'toast';
  toast.dataset.testid = 'undo-toast';
  toast.setAttribute('role', 'status');
  toast.hidden = true;
  const text = document.createElement('span');
  const undoButton = document.createElement('button');
  undoButton.type = 'button';
  undoButton.className = 'button-small';
  undoButton.textContent = 'Undo';
  undoButton.dataset.testid = 'undo';
  toast.append(text, undoButton);
  host.append(toast);

  let pending: { undo: () => void; commit: () => void; timer: ReturnType<typeof setTimeout> } | undefined;
  const settle = (how: 'undo' | 'commit') => {
    if (!pending) return;
    const p = pending;
    pending = undefined;
    clearTimeout(p.timer);
    toast.hidden = true;
    p[how]();
  };
  undoButton.addEventListener('click', () => settle('undo'));
  return {
    show(message, undo, commit, ms = UNDO_MS) {
      settle('commit');
      text.textContent = message;
      toast.hidden = false;
      pending = { undo, commit, timer: setTimeout(() => settle('commit'), ms) };
    },
    flush: () => settle('commit'),
  };
}
