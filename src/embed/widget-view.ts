// The widget's compact UI: model line, prompt, Generate/Cancel, progress, the image with Download. DOM only.
import { el } from '../ui/dom';
import { showProgress } from '../ui/progress-view';
import type { ProgressEvent } from '../worker/protocol';
import type { WidgetParams } from './widget-params';

/** What the widget's own controls add to the request (only the shown ones; empty fields are left out). */
export interface WidgetInputs {
  prompt: string;
  negative_prompt?: string;
  seed?: number;
  steps?: number;
}

export interface WidgetActions {
  generate(inputs: WidgetInputs): void;
  cancel(): void;
}

export interface WidgetView {
  inputs(): WidgetInputs;
  setBusy(busy: boolean): void;
  progress(p: ProgressEvent | undefined): void;
  status(text: string, kind?: 'info' | 'error' | 'ok'): void;
  /** The model line: its text, and up to two actions (download after confirming, open the app, allow storage access). */
  model(text: string, actions?: { label: string; testid: string; run: () => void }[]): void;
  image(b64: string, format: 'png' | 'jpeg', seed: number): void;
}

export function createWidgetView(root: HTMLElement, params: WidgetParams, actions: WidgetActions): WidgetView {
  const modelLine = el('div', { class: 'w-model', 'data-testid': 'w-model' });
  const prompt = el('textarea', { class: 'w-prompt', 'data-testid': 'w-prompt', rows: '2', 'aria-label': 'Prompt', placeholder: 'Describe an image…' });
  prompt.value = params.prompt ?? (typeof params.defaults?.prompt === 'string' ? params.defaults.prompt : '');
  const generate = el('button', { type: 'button', class: 'primary', 'data-testid': 'w-generate' }, 'Generate');
  const cancel = el('button', { type: 'button', class: 'secondary', 'data-testid': 'w-cancel', hidden: '' }, 'Cancel');
  const progress = el('div', { class: 'progress', 'data-testid': 'w-progress', hidden: '' });
  progress.append(el('div', { class: 'progress-bar' }), el('div', { class: 'progress-label' }));
  progress.firstElementChild!.append(el('div', { class: 'progress-fill' }));
  const status = el('div', { class: 'w-status', role: 'status', 'data-testid': 'w-status' });
  const figure = el('figure', { class: 'w-figure', hidden: '' });
  const img = el('img', { 'data-testid': 'w-image', alt: 'Generated image' });
  const download = el('a', { class: 'button-small', 'data-testid': 'w-download' }, 'Download');
  download.hidden = !params.controls.includes('download');
  figure.append(img, download);
  const row = el('div', { class: 'w-actions' });
  row.append(generate, cancel);
  const shown = (c: string) => params.controls.includes(c as never);
  const negative = el('input', { type: 'text', class: 'w-negative', 'data-testid': 'w-negative', 'aria-label': 'Negative prompt', placeholder: 'Negative prompt (optional)' });
  const seed = el('input', { type: 'number', min: '0', step: '1', 'data-testid': 'w-seed', 'aria-label': 'Seed', placeholder: 'Seed: random' });
  const steps = el('input', { type: 'number', min: '1', max: '200', step: '1', 'data-testid': 'w-steps', 'aria-label': 'Steps', placeholder: 'Steps' });
  const extras = el('div', { class: 'w-extras' });
  if (shown('negative_prompt')) extras.append(negative);
  if (shown('seed')) extras.append(seed);
  if (shown('steps')) extras.append(steps);
  root.append(modelLine, prompt, ...(extras.childElementCount ? [extras] : []), row, progress, status, figure);

  const num = (input: HTMLInputElement) => (input.value.trim() === '' ? undefined : Number(input.value));
  const inputs = (): WidgetInputs => ({
    prompt: prompt.value,
    ...(shown('negative_prompt') && negative.value.trim() ? { negative_prompt: negative.value } : {}),
    ...(shown('seed') && num(seed) !== undefined ? { seed: num(seed)! } : {}),
    ...(shown('steps') && num(steps) !== undefined ? { steps: num(steps)! } : {}),
  });
  generate.addEventListener('click', () => actions.generate(inputs()));
  cancel.addEventListener('click', () => actions.cancel());
  prompt.addEventListener('keydown', (e) => {
    if ((e.ctrlKey || e.metaKey) && e.key === 'Enter') actions.generate(inputs());
  });

  return {
    inputs,
    setBusy(busy) {
      generate.disabled = busy;
      cancel.hidden = !busy;
    },
    progress: (p) => showProgress(progress, p),
    status(text, kind = 'info') {
      status.textContent = text;
      status.dataset.kind = kind;
    },
    model(text, list = []) {
      modelLine.replaceChildren(el('span', {}, text));
      for (const a of list) {
        const b = el('button', { type: 'button', class: 'button-small', 'data-testid': a.testid }, a.label);
        b.addEventListener('click', a.run);
        modelLine.append(' ', b);
      }
    },
    image(b64, format, seed) {
      const url = `data:image/${format};base64,${b64}`;
      img.src = url;
      download.href = url;
      download.download = `sdxl-${seed}.${format === 'jpeg' ? 'jpg' : 'png'}`;
      figure.hidden = false;
    },
  };
}
