// Outpainting's canvas plan, DOM-free: which allowed size the extended canvas snaps to, where the (scaled) picture sits
// on it, and the mask over the new area.
import type { Size, SizeRule } from '../../schema/sizes';

export interface OutpaintSides {
  left: boolean;
  right: boolean;
  top: boolean;
  bottom: boolean;
}

export interface OutpaintPlan {
  /** The new canvas: the request's width and height. */
  width: number;
  height: number;
  /** Where the picture is drawn, and how big (it is scaled when the canvas snaps to a size of another scale). */
  x: number;
  y: number;
  drawWidth: number;
  drawHeight: number;
}

export type PlanResult = { ok: true; plan: OutpaintPlan } | { ok: false; reason: string };

const logAspect = ([w, h]: Size) => Math.log(w / h);

/** Snaps a wished-for canvas to the rule's sizes: the same aspect as near as possible, at the rule's own scale. */
function snap(wish: Size, image: Size, sides: OutpaintSides, rule: SizeRule): Size | undefined {
  const horizontal = sides.left || sides.right;
  const vertical = sides.top || sides.bottom;
  if (rule.kind === 'list') {
    // Extending one axis only needs a canvas that is relatively wider (or taller) than the picture.
    const imageAspect = logAspect(image);
    const fits = rule.sizes.filter((s) => (vertical || logAspect(s) > imageAspect + 1e-9) && (horizontal || logAspect(s) < imageAspect - 1e-9));
    const target = logAspect(wish);
    return [...fits].sort((a, b) => Math.abs(logAspect(a) - target) - Math.abs(logAspect(b) - target) || b[0] * b[1] - a[0] * a[1])[0];
  }
  const { min, max, multiple } = rule;
  const scale = Math.min(1, max / Math.max(wish[0], wish[1]));
  const fit = (v: number) => Math.max(min, Math.min(max, Math.round((v * scale) / multiple) * multiple));
  return [fit(wish[0]), fit(wish[1])];
}

/**
 * Plans an outpainting canvas: each chosen side grows by `amount` × the picture's size on that axis, the result snaps to
 * an allowed size (the nine SDXL sizes, or the model's range), and the picture is scaled to fill the axis that does not
 * grow. Room left over by snapping goes to the chosen sides, split evenly when both sides of an axis grow.
 */
export function planOutpaint(image: Size, sides: OutpaintSides, amount: number, rule: SizeRule): PlanResult {
  const [w, h] = image;
  const horizontal = Number(sides.left) + Number(sides.right);
  const vertical = Number(sides.top) + Number(sides.bottom);
  if (horizontal + vertical === 0) return { ok: false, reason: 'Choose at least one side to extend.' };
  if (!(amount > 0)) return { ok: false, reason: 'The amount to extend must be above 0.' };
  const wish: Size = [w * (1 + amount * horizontal), h * (1 + amount * vertical)];
  const target = snap(wish, image, sides, rule);
  if (!target) return { ok: false, reason: `No allowed size is ${horizontal ? 'wider' : 'taller'} than this picture; extend another side.` };
  const [tw, th] = target;
  const s = horizontal && !vertical ? Math.min(th / h, tw / w) : vertical && !horizontal ? Math.min(tw / w, th / h) : Math.min(tw / wish[0], th / wish[1]);
  const drawWidth = Math.min(tw, Math.round(w * s));
  const drawHeight = Math.min(th, Math.round(h * s));
  const place = (room: number, before: boolean, after: boolean) => (before && after ? Math.floor(room / 2) : before ? room : after ? 0 : Math.floor(room / 2));
  const plan = {
    width: tw, height: th, drawWidth, drawHeight,
    x: place(tw - drawWidth, sides.left, sides.right),
    y: place(th - drawHeight, sides.top, sides.bottom),
  };
  if (plan.width === drawWidth && plan.height === drawHeight) return { ok: false, reason: 'At the allowed sizes this leaves no new area; extend by more.' };
  return { ok: true, plan };
}

/** The outpainting mask at canvas size: 1 over the new area, 0 over the picture. */
export function outpaintMask(plan: OutpaintPlan): Float32Array {
  const m = new Float32Array(plan.width * plan.height).fill(1);
  for (let y = plan.y; y < plan.y + plan.drawHeight; y++) m.fill(0, y * plan.width + plan.x, y * plan.width + plan.x + plan.drawWidth);
  return m;
}

/** A one-line description for the UI: "1344×768 — picture scaled to 768×768, +288 px left, +288 px right". */
export function describePlan(plan: OutpaintPlan, image: Size): string {
  const added = [
    ['left', plan.x], ['right', plan.width - plan.x - plan.drawWidth], ['top', plan.y], ['bottom', plan.height - plan.y - plan.drawHeight],
  ].filter(([, n]) => (n as number) > 0).map(([side, n]) => `+${n} px ${side}`);
  const scaled = plan.drawWidth !== image[0] || plan.drawHeight !== image[1] ? `picture scaled to ${plan.drawWidth}×${plan.drawHeight}, ` : '';
  return `${plan.width}×${plan.height} — ${scaled}${added.join(', ')}`;
}
