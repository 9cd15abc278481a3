// Outpainting's canvas plan: snapping to the model's sizes, placement of the picture, and the mask over the new area.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SDXL_SIZES, SDXL_SIZE_RULE, sizeAllowed, type SizeRule } from '../../src/schema/sizes';
import { describePlan, outpaintMask, planOutpaint, type OutpaintPlan, type OutpaintSides } from '../../src/ui/outpaint/plan';

const TINY_RULE: SizeRule = { kind: 'range', min: 64, max: 1024, multiple: 8 };
const sides = (s: string): OutpaintSides => ({ left: s.includes('l'), right: s.includes('r'), top: s.includes('t'), bottom: s.includes('b') });
const planOf = (r: ReturnType<typeof planOutpaint>): OutpaintPlan => {
  if (!r.ok) throw new Error(r.reason);
  return r.plan;
};

describe('planOutpaint', () => {
  it('snaps a 1024×1024 picture extended left and right to 1344×768, scaled to 768 and centred', () => {
    for (const amount of [0.3125, 0.4, 0.5]) {
      const plan = planOf(planOutpaint([1024, 1024], sides('lr'), amount, SDXL_SIZE_RULE));
      expect(plan, `amount ${amount}`).toEqual({ width: 1344, height: 768, x: 288, y: 0, drawWidth: 768, drawHeight: 768 });
    }
    expect(describePlan(planOf(planOutpaint([1024, 1024], sides('lr'), 0.3125, SDXL_SIZE_RULE)), [1024, 1024]))
      .toBe('1344×768 — picture scaled to 768×768, +288 px left, +288 px right');
  });

  it('puts the new area only on the chosen side', () => {
    // A smaller amount snaps to a less elongated size: 1024 + 31 % → 1152×896.
    expect(planOf(planOutpaint([1024, 1024], sides('r'), 0.3125, SDXL_SIZE_RULE))).toMatchObject({ width: 1152, height: 896, x: 0, drawWidth: 896 });
    expect(planOf(planOutpaint([1024, 1024], sides('r'), 0.75, SDXL_SIZE_RULE))).toMatchObject({ width: 1344, height: 768, x: 0, y: 0 });
    expect(planOf(planOutpaint([1024, 1024], sides('l'), 0.75, SDXL_SIZE_RULE))).toMatchObject({ width: 1344, x: 576, y: 0 });
    expect(planOf(planOutpaint([1024, 1024], sides('b'), 0.75, SDXL_SIZE_RULE))).toMatchObject({ width: 768, height: 1344, x: 0, y: 0 });
    expect(planOf(planOutpaint([1024, 1024], sides('t'), 0.75, SDXL_SIZE_RULE))).toMatchObject({ width: 768, height: 1344, x: 0, y: 576 });
  });

  it('extends the tiny model 64×64 → 96×64 at its own scale', () => {
    expect(planOf(planOutpaint([64, 64], sides('r'), 0.5, TINY_RULE))).toEqual({ width: 96, height: 64, x: 0, y: 0, drawWidth: 64, drawHeight: 64 });
    expect(planOf(planOutpaint([64, 64], sides('lrtb'), 0.25, TINY_RULE))).toEqual({ width: 96, height: 96, x: 16, y: 16, drawWidth: 64, drawHeight: 64 });
  });

  it('scales down to the model maximum instead of exceeding it', () => {
    const plan = planOf(planOutpaint([1024, 512], sides('r'), 1, TINY_RULE));
    expect(sizeAllowed(TINY_RULE, plan.width, plan.height)).toBe(true);
    expect(plan).toMatchObject({ width: 1024, height: 256, drawWidth: 512, drawHeight: 256, x: 0 });
  });

  it('says why when there is nothing to do', () => {
    expect(planOutpaint([64, 64], sides(''), 0.5, TINY_RULE)).toMatchObject({ ok: false, reason: expect.stringContaining('side') });
    expect(planOutpaint([64, 64], sides('r'), 0, TINY_RULE)).toMatchObject({ ok: false, reason: expect.stringContaining('above 0') });
    // 1536×640 is the widest SDXL size: nothing is wider.
    expect(planOutpaint([1536, 640], sides('r'), 0.5, SDXL_SIZE_RULE)).toMatchObject({ ok: false, reason: expect.stringContaining('wider') });
  });

  it('always lands on an allowed size, inside the canvas, with new area exactly on the chosen sides', () => {
    const sideSets = ['l', 'r', 't', 'b', 'lr', 'tb', 'rb', 'lrtb'];
    fc.assert(fc.property(fc.constantFrom(...SDXL_SIZES), fc.constantFrom(...sideSets), fc.double({ min: 0.05, max: 2, noNaN: true }), (image, s, amount) => {
      const r = planOutpaint(image, sides(s), amount, SDXL_SIZE_RULE);
      if (!r.ok) return;
      const p = r.plan;
      expect(sizeAllowed(SDXL_SIZE_RULE, p.width, p.height)).toBe(true);
      expect(p.x).toBeGreaterThanOrEqual(0);
      expect(p.y).toBeGreaterThanOrEqual(0);
      expect(p.x + p.drawWidth).toBeLessThanOrEqual(p.width);
      expect(p.y + p.drawHeight).toBeLessThanOrEqual(p.height);
      const right = p.width - p.x - p.drawWidth;
      const bottom = p.height - p.y - p.drawHeight;
      if (!s.includes('t') && !s.includes('b')) expect([p.y, bottom]).toEqual([0, 0]);
      if (!s.includes('l') && !s.includes('r')) expect([p.x, right]).toEqual([0, 0]);
      if (s === 'l') expect(right).toBe(0);
      if (s === 'r') expect(p.x).toBe(0);
      // The picture keeps its aspect ratio within a pixel of rounding.
      expect(Math.abs(p.drawWidth / p.drawHeight - image[0] / image[1])).toBeLessThan(2 / Math.min(p.drawWidth, p.drawHeight));
    }));
  });
});

describe('outpaintMask', () => {
  it('is 1 over the new area and 0 over the picture', () => {
    const plan = planOf(planOutpaint([64, 64], sides('lr'), 0.25, TINY_RULE));
    const m = outpaintMask(plan);
    expect(m.length).toBe(plan.width * plan.height);
    let ones = 0;
    for (let y = 0; y < plan.height; y++) {
      for (let x = 0; x < plan.width; x++) {
        const inside = x >= plan.x && x < plan.x + plan.drawWidth && y >= plan.y && y < plan.y + plan.drawHeight;
        expect(m[y * plan.width + x]).toBe(inside ? 0 : 1);
        ones += m[y * plan.width + x]!;
      }
    }
    expect(ones).toBe(plan.width * plan.height - 64 * 64);
  });
});
