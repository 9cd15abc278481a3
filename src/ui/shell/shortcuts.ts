// Page-wide keys: Esc closes the help, then the drawer, then cancels a running generation; ? shows the shortcuts
// when the user is not typing. A modal question (the link confirmation) keeps its own keys. Ctrl/Cmd+Enter is main.ts's.
import type { Drawer } from './drawer';
import type { HelpPopover } from './help-popover';

/** Whether a key press goes into a text field (where ? is a character, not a shortcut). */
export function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable || target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement) return true;
  return target instanceof HTMLInputElement && !['checkbox', 'radio', 'range', 'button', 'submit', 'reset', 'color', 'file'].includes(target.type);
}

export function listenForShortcuts(deps: { help: HelpPopover; drawer: Drawer; cancel: HTMLButtonElement }): void {
  document.addEventListener('keydown', (e) => {
    if (e.defaultPrevented || document.querySelector('dialog[open]')) return;
    if (e.key === 'Escape') {
      if (deps.help.isOpen()) deps.help.close();
      else if (deps.drawer.isOpen()) deps.drawer.close('user');
      else if (!deps.cancel.hidden) deps.cancel.click();
      else return;
      e.preventDefault();
    } else if (e.key === '?' && !e.ctrlKey && !e.metaKey && !e.altKey && !isTyping(e.target)) {
      e.preventDefault();
      deps.help.toggle();
    }
  });
}
