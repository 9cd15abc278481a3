// The keyboard shortcuts popover: opened by the header's "?" button (or the ? key), closed by Close, Esc, a click
// outside, or ? again. Focus goes into it when it opens and back to the button when it closes.
export interface HelpPopover {
  toggle(): void;
  close(): void;
  isOpen(): boolean;
}

export function createHelpPopover(popover: HTMLElement, button: HTMLButtonElement): HelpPopover {
  const closeButton = popover.querySelector<HTMLButtonElement>('[data-testid=help-close]')!;
  const set = (open: boolean) => {
    const hadFocus = popover.contains(document.activeElement);
    popover.hidden = !open;
    button.setAttribute('aria-expanded', String(open));
    if (open) closeButton.focus();
    else if (hadFocus) button.focus();
  };
  const api: HelpPopover = {
    toggle: () => set(popover.hidden),
    close: () => void (popover.hidden || set(false)),
    isOpen: () => !popover.hidden,
  };
  button.addEventListener('click', () => api.toggle());
  closeButton.addEventListener('click', () => api.close());
  document.addEventListener('pointerdown', (e) => {
    const target = e.target as Node;
    if (api.isOpen() && !popover.contains(target) && !button.contains(target)) api.close();
  });
  return api;
}
