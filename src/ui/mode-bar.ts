// The mode switch on the page: four buttons (text, image, inpaint, outpaint) that show which mode the request is in.
import { MODES, type Mode } from './modes';

export function createModeBar(root: HTMLElement, onPick: (mode: Mode) => void): { show(mode: Mode): void } {
  root.classList.add('mode-bar');
  root.setAttribute('role', 'radiogroup');
  root.setAttribute('aria-label', 'Mode');
  const buttons = MODES.map(({ id, label, title }) => {
    const b = document.createElement('button');
    b.type = 'button';
    b.textContent = label;
    b.title = title;
    b.setAttribute('role', 'radio');
    b.dataset.testid = `mode-${id}`;
    b.addEventListener('click', () => onPick(id));
    root.append(b);
    return [id, b] as const;
  });
  return {
    show(mode) {
      for (const [id, b] of buttons) {
        b.classList.toggle('active', id === mode);
        b.setAttribute('aria-checked', String(id === mode));
      }
    },
  };
}
