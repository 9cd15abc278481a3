// The header's status chip, "model · backend · state": which model is loaded, what runs it, and whether it is ready,
// loading (with its percentage) or failed. It is also the button that opens the Model & settings drawer.
export interface StatusChip {
  model(name: string): void;
  backend(text: string): void;
  /** Load progress ("43 %"), or '' for none. */
  progress(text: string): void;
  /** Takes the model panel's state badge (data-testid model-state) into the chip, so the state shows at all times. */
  adoptState(state: HTMLElement): void;
}

export function createStatusChip(chip: HTMLElement): StatusChip {
  const model = chip.querySelector<HTMLElement>('.chip-model')!;
  const backend = chip.querySelector<HTMLElement>('.chip-backend')!;
  const progress = Object.assign(document.createElement('span'), { className: 'chip-progress' });
  progress.dataset.testid = 'chip-progress';
  return {
    model: (name) => void (model.textContent = name),
    backend: (text) => void (backend.textContent = text),
    progress: (text) => void (progress.textContent = text),
    adoptState(state) {
      chip.append(state, progress);
    },
  };
}
