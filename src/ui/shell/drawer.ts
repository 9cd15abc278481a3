// The "Model & settings" drawer: opened from the header's status chip (or by itself while no model is loaded or a load
// failed), closed with ✕, the chip again, or Esc. A drawer the page opened by itself closes by itself once a model is ready.
export interface Drawer {
  /** 'user' moves focus into the drawer and keeps it open; 'auto' opens it without taking focus (a no-op when open). */
  open(by: 'user' | 'auto'): void;
  /** 'auto' closes only a drawer the page opened by itself; 'user' always closes it (focus returns to the chip). */
  close(by: 'user' | 'auto'): void;
  isOpen(): boolean;
}

export function createDrawer(drawer: HTMLElement, toggle: HTMLButtonElement): Drawer {
  let openedByPage = false;
  const closeButton = drawer.querySelector<HTMLButtonElement>('[data-testid=drawer-close]')!;
  const show = (open: boolean) => {
    drawer.hidden = !open;
    toggle.setAttribute('aria-expanded', String(open));
    document.body.classList.toggle('drawer-open', open);
  };
  const api: Drawer = {
    open(by) {
      if (by === 'auto' && !drawer.hidden) return;
      openedByPage = by === 'auto';
      show(true);
      if (by === 'user') closeButton.focus();
    },
    close(by) {
      if (drawer.hidden || (by === 'auto' && !openedByPage)) return;
      const hadFocus = drawer.contains(document.activeElement);
      openedByPage = false;
      show(false);
      if (hadFocus || by === 'user') toggle.focus();
    },
    isOpen: () => !drawer.hidden,
  };
  toggle.addEventListener('click', () => (api.isOpen() ? api.close('user') : api.open('user')));
  closeButton.addEventListener('click', () => api.close('user'));
  return api;
}
