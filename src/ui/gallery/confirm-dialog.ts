// A yes/no question in a labelled <dialog> (Clear history, making room): resolves true only on the confirming button.

export function confirmDialog(question: string, detail: string, confirmLabel: string): Promise<boolean> {
  const dialog = document.createElement('dialog');
  dialog.className = 'link-confirm';
  dialog.dataset.testid = 'confirm-dialog';
  dialog.setAttribute('aria-labelledby', 'confirm-dialog-title');
  const h = document.createElement('h2');
  h.id = 'confirm-dialog-title';
  h.textContent = question;
  const p = document.createElement('p');
  p.textContent = detail;
  const buttons = document.createElement('div');
  buttons.className = 'link-buttons';
  const cancel = document.createElement('button');
  cancel.type = 'button';
  cancel.className = 'secondary';
  cancel.textContent = 'Cancel';
  cancel.dataset.testid = 'confirm-cancel';
  const ok = document.createElement('button');
  ok.type = 'button';
  ok.className = 'primary';
  ok.textContent = confirmLabel;
  ok.dataset.testid = 'confirm-ok';
  buttons.append(cancel, ok);
  dialog.append(h, p, buttons);
  document.body.append(dialog);
  return new Promise((resolve) => {
    let answer = false;
    ok.addEventListener('click', () => {
      answer = true;
      dialog.close();
    });
    cancel.addEventListener('click', () => dialog.close());
    dialog.addEventListener('close', () => {
      dialog.remove();
      resolve(answer);
    });
    dialog.showModal();
    cancel.focus();
  });
}
