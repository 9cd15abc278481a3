// The outpaint controls: which sides to extend and by how much, the planned canvas, and "Extend" — which places the
// picture on the snapped canvas and hands back init_image, the mask over the new area, and the new size.
import type { Size, SizeRule } from '../../schema/sizes';
import { base64ToBitmap, blobToBase64 } from '../image-input';
import { MaskBitmap } from '../painter/mask';
import { describePlan, outpaintMask, planOutpaint, type OutpaintPlan, type OutpaintSides } from './plan';

export interface OutpaintResult {
  init_image: string;
  mask: MaskBitmap;
  width: number;
  height: number;
}

export interface OutpaintPanel {
  /** The picture to extend (base64); the panel always plans from it, so extending twice does not compound. */
  setSource(b64: string | undefined): Promise<void>;
  /** Re-plans after the model (and so its sizes) changed. */
  refresh(): void;
  show(visible: boolean): void;
}

/** Draws the picture onto the planned canvas; the new area stays transparent (the mask says what it is). */
async function compose(picture: ImageBitmap, plan: OutpaintPlan): Promise<string> {
  const canvas = new OffscreenCanvas(plan.width, plan.height);
  const ctx = canvas.getContext('2d')!;
  ctx.imageSmoothingQuality = 'high';
  ctx.drawImage(picture, plan.x, plan.y, plan.drawWidth, plan.drawHeight);
  return blobToBase64(await canvas.convertToBlob({ type: 'image/png' }));
}

export function createOutpaintPanel(root: HTMLElement, sizeRule: () => SizeRule, onApply: (result: OutpaintResult) => void): OutpaintPanel {
  root.classList.add('outpaint-panel');
  root.hidden = true;
  const sides: OutpaintSides = { left: false, right: true, top: false, bottom: false };
  const boxes = (Object.keys(sides) as (keyof OutpaintSides)[]).map((side) => {
    const label = document.createElement('label');
    const box = document.createElement('input');
    box.type = 'checkbox';
    box.checked = sides[side];
    box.dataset.testid = `outpaint-${side}`;
    box.addEventListener('change', () => {
      sides[side] = box.checked;
      refresh();
    });
    label.append(box, ` ${side[0]!.toUpperCase()}${side.slice(1)}`);
    return label;
  });
  const amount = Object.assign(document.createElement('input'), { type: 'range', min: '0.05', max: '1', step: '0.05', value: '0.5' });
  amount.setAttribute('aria-label', 'How far to extend each chosen side, as a share of the picture');
  amount.dataset.testid = 'outpaint-amount';
  const amountText = document.createElement('output');
  const planText = document.createElement('div');
  planText.className = 'help';
  planText.dataset.testid = 'outpaint-plan';
  const apply = Object.assign(document.createElement('button'), { type: 'button', className: 'secondary', textContent: 'Extend canvas' });
  apply.dataset.testid = 'outpaint-apply';
  const title = Object.assign(document.createElement('div'), { className: 'eyebrow', textContent: 'Outpaint: extend the picture' });
  const row = document.createElement('div');
  row.className = 'outpaint-row';
  row.append(...boxes, amount, amountText, apply);
  root.append(title, row, planText);

  let picture: { b64: string; bitmap: ImageBitmap } | undefined;
  let plan: OutpaintPlan | undefined;

  function refresh(): void {
    amountText.textContent = `${Math.round(Number(amount.value) * 100)} %`;
    plan = undefined;
    if (!picture) {
      planText.textContent = 'Bring a picture first: drop, paste or pick one.';
    } else {
      const size: Size = [picture.bitmap.width, picture.bitmap.height];
      const r = planOutpaint(size, sides, Number(amount.value), sizeRule());
      if (r.ok) plan = r.plan;
      planText.textContent = r.ok ? `New canvas ${describePlan(r.plan, size)}. The new area is painted to continue the picture.` : r.reason;
    }
    apply.disabled = !plan;
  }
  amount.addEventListener('input', refresh);
  apply.addEventListener('click', () => {
    if (!plan || !picture) return;
    const p = plan;
    void compose(picture.bitmap, p).then((init_image) =>
      onApply({ init_image, mask: new MaskBitmap(p.width, p.height, outpaintMask(p)), width: p.width, height: p.height }));
  });
  refresh();

  return {
    async setSource(b64) {
      if (b64 === picture?.b64) return;
      picture = b64 ? { b64, bitmap: await base64ToBitmap(b64) } : undefined;
      refresh();
    },
    refresh,
    show(visible) {
      root.hidden = !visible;
    },
  };
}
