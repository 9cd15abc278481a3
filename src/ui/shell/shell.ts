// The page's frame around the request and the results: the Model & settings drawer with its status chip in the
// header, the keyboard shortcuts (and their help popover). main.ts calls createShell() once and wraps its model panel.
import type { ModelPanel } from '../model-panel';
import { createDrawer, type Drawer } from './drawer';
import { createHelpPopover } from './help-popover';
import { watchModelPanel } from './model-watch';
import { listenForShortcuts } from './shortcuts';
import { createStatusChip } from './status-chip';

export interface Shell {
  drawer: Drawer;
  /** The model panel, wrapped so the chip and the drawer follow every load. */
  watchModel(panel: ModelPanel, panelRoot: HTMLElement): ModelPanel;
}

export function createShell(): Shell {
  const byId = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
  const chipButton = byId<HTMLButtonElement>('status-chip');
  const drawer = createDrawer(byId('settings-drawer'), chipButton);
  const chip = createStatusChip(chipButton);
  const help = createHelpPopover(byId('help'), byId<HTMLButtonElement>('help-button'));
  listenForShortcuts({ help, drawer, cancel: byId<HTMLButtonElement>('cancel') });
  // No model yet: choosing one is the first thing to do, so the drawer starts open (and closes once one is ready).
  drawer.open('auto');
  return { drawer, watchModel: (panel, root) => watchModelPanel(panel, root, chip, drawer) };
}
