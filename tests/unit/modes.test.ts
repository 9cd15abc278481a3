// The mode switch only sets request fields, and never loses the images the user brought.
import { describe, expect, it } from 'vitest';
import { modeOf, switchMode, type Mode, type ModeStash } from '../../src/ui/modes';

const base = { prompt: 'a harbour', steps: 4 };

describe('modes', () => {
  it('reads the mode from the request fields alone', () => {
    expect(modeOf(base)).toBe('txt2img');
    expect(modeOf({ ...base, init_image: 'I' })).toBe('img2img');
    expect(modeOf({ ...base, init_image: 'I', mask_image: 'M' })).toBe('inpaint');
    expect(modeOf({ ...base, init_image: 'I', mask_image: 'M', outpainting: true })).toBe('outpaint');
  });

  it('text mode puts the images aside and the image modes bring them back', () => {
    const start = { ...base, init_image: 'I', mask_image: 'M', strength: 0.6 };
    const txt = switchMode(start, 'txt2img', {});
    expect(txt.draft).toEqual(base);
    const img = switchMode(txt.draft, 'img2img', txt.stash);
    expect(img.draft).toEqual({ ...base, init_image: 'I', strength: 0.6 });
    const inp = switchMode(img.draft, 'inpaint', img.stash);
    expect(inp.draft).toEqual(start);
    const out = switchMode(inp.draft, 'outpaint', inp.stash);
    expect(out.draft).toEqual({ ...start, outpainting: true });
    expect(switchMode(out.draft, 'inpaint', out.stash).draft).toEqual(start);
  });

  it("puts inpaint_full_res aside outside the Inpaint mode and brings it back there", () => {
    const start = { ...base, init_image: 'I', mask_image: 'M', inpaint_full_res: true, inpaint_full_res_padding: 16 };
    const img = switchMode(start, 'img2img', {});
    expect(img.draft).toEqual({ ...base, init_image: 'I' });
    const out = switchMode(switchMode(img.draft, 'inpaint', img.stash).draft, 'outpaint', {});
    expect(out.draft).toEqual({ ...base, init_image: 'I', mask_image: 'M', outpainting: true });
    expect(switchMode(out.draft, 'inpaint', out.stash).draft).toEqual(start);
    const txt = switchMode(start, 'txt2img', {});
    expect(txt.draft).toEqual(base);
    expect(switchMode(txt.draft, 'inpaint', txt.stash).draft).toEqual(start);
  });

  it('never touches the other fields, and a fresh image wins over a stashed one', () => {
    const r = switchMode({ ...base, seed: 3, init_image: 'NEW' }, 'inpaint', { init_image: 'OLD', mask_image: 'M' });
    expect(r.draft).toEqual({ ...base, seed: 3, init_image: 'NEW', mask_image: 'M' });
  });

  it('switching to a mode and reading it back agree once an image is there', () => {
    const modes: Mode[] = ['txt2img', 'img2img', 'inpaint', 'outpaint'];
    let stash: ModeStash = {};
    let draft: Record<string, unknown> = { ...base, init_image: 'I', mask_image: 'M' };
    for (const m of [...modes, ...modes.slice().reverse()]) {
      ({ draft, stash } = switchMode(draft, m, stash));
      expect(modeOf(draft)).toBe(m);
    }
  });
});
