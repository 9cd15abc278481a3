// The question a link asks before it downloads a model or points Hub ids at another server: a modal dialog that shows
// the source (endpoint or URL, repo, revision) and the download size, and resolves true only on the user's Yes.
import type { LinkPreview } from '../worker/protocol';
import { el } from './dom';
import { formatBytes } from './format';

export type LinkQuestion =
  | { kind: 'model'; preview: LinkPreview; hub?: string }
  | { kind: 'hub'; hub: string };

/** The rows the dialog shows: [label, value, testid]. */
export function describeQuestion(q: LinkQuestion): [string, string, string][] {
  if (q.kind === 'hub') return [['Hub endpoint', q.hub, 'link-source'], ['Size', 'nothing is downloaded until you load a model', 'link-size']];
  const { source, bytes } = q.preview;
  const size = bytes !== undefined
    ? `${formatBytes(bytes)} (${bytes.toLocaleString('en')} bytes)`
    : 'unknown: this server does not list its weight files, so their size is known only once the model’s graphs are downloaded';
  if (source.kind === 'hub') {
    return [['Hub endpoint', source.endpoint, 'link-source'], ['Repository', source.repo + (source.subfolder ? ` (folder ${source.subfolder})` : ''), 'link-repo'],
      ['Revision', source.revision, 'link-revision'], ['Size', size, 'link-size']];
  }
  if (source.kind === 'url') return [['Folder URL', source.url, 'link-source'], ['Size', size, 'link-size']];
  return [['Folder on this device', source.name, 'link-source'], ['Size', size, 'link-size']];
}

/** Shows the question; resolves true on "Download and load" / "Use this Hub", false on Cancel or Escape. */
export function confirmLink(q: LinkQuestion): Promise<boolean> {
  const dialog = el('dialog', { class: 'link-confirm', 'data-testid': 'link-confirm', 'aria-labelledby': 'link-confirm-title' });
  const title = q.kind === 'hub' ? 'Use another Hub for this visit?' : `Download ${q.preview.name}?`;
  const intro = q.kind === 'hub'
    ? 'This page was opened from a link that points Hugging Face repo ids at another server. Nothing changes unless you agree.'
    : 'This page was opened from a link that asks to download a model. Nothing is downloaded unless you agree.';
  const rows = el('dl', { class: 'link-facts' });
  for (const [label, value, testid] of describeQuestion(q)) rows.append(el('dt', {}, label), el('dd', { 'data-testid': testid }, value));
  dialog.append(el('h2', { id: 'link-confirm-title' }, title), el('p', {}, intro), rows);
  const host = q.kind === 'hub' ? hostOf(q.hub) : q.preview.foreignHost;
  if (host) {
    dialog.append(el('p', { class: 'link-warn', 'data-testid': 'link-foreign' },
      `Not from the default Hub or this app: models from ${host} are stored apart, labelled “from ${host}”, and never stand in for the built-in models.`));
  }
  // Known from the listing's sizes: this engine can never run the model (too large for the wasm fallback); no download.
  const refusal = q.kind === 'model' ? q.preview.refusal : undefined;
  if (refusal) dialog.append(el('p', { class: 'link-warn', role: 'alert', 'data-testid': 'link-refusal', 'data-code': refusal.code }, refusal.message));
  const ok = el('button', { type: 'button', class: 'primary', 'data-testid': 'link-confirm-ok' }, q.kind === 'hub' ? 'Use this Hub' : 'Download and load');
  if (refusal) ok.disabled = true;
  const cancel = el('button', { type: 'button', class: 'secondary', 'data-testid': 'link-confirm-cancel' }, 'Cancel');
  const buttons = el('div', { class: 'link-buttons' });
  buttons.append(cancel, ok);
  dialog.append(buttons);
  document.body.append(dialog);
  return new Promise((resolve) => {
    const finish = (yes: boolean) => {
      dialog.close();
      dialog.remove();
      resolve(yes);
    };
    ok.addEventListener('click', () => finish(true));
    cancel.addEventListener('click', () => finish(false));
    // Escape closes a modal dialog: the same as Cancel.
    dialog.addEventListener('cancel', (e) => {
      e.preventDefault();
      finish(false);
    });
    dialog.showModal();
    cancel.focus();
  });
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}
