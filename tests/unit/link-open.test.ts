// A link (?hub=, ?model=) on the app page: read with zod, and followed only as far as the user agrees — a stored model
// loads at once, anything else is previewed (metadata only) and asked about; Cancel changes and downloads nothing.
import { describe, expect, it } from 'vitest';
import { describeQuestion, type LinkQuestion } from '../../src/ui/link-confirm';
import { followLink, readLinkParams, type LinkDeps } from '../../src/ui/link-open';
import type { LinkPreview } from '../../src/worker/protocol';

const MIRROR = 'http://localhost:4180';
const preview = (over: Partial<LinkPreview> = {}): LinkPreview => ({
  name: 'test/tiny-sdxl', source: { kind: 'hub', endpoint: MIRROR, repo: 'test/tiny-sdxl', revision: 'main' }, foreignHost: 'localhost:4180', stored: false, bytes: 31_234_567, ...over,
});

/** followLink with a recording fake generator and a scripted answer to the question. */
async function follow(search: string, answer: boolean, p: LinkPreview | Error = preview()) {
  const calls: string[] = [];
  const asked: LinkQuestion[] = [];
  const statuses: string[] = [];
  const deps: LinkDeps = {
    generator: {
      previewModel: async (ref, o) => {
        calls.push(`preview ${ref} ${o.hub ?? '-'} sizes=${o.sizes}`);
        if (p instanceof Error) throw p;
        return p;
      },
      setHubEndpoint: async (e) => void calls.push(`hub ${e}`),
    },
    load: async (ref, persist) => void calls.push(`load ${ref} persist=${persist}`),
    status: (t) => void statuses.push(t),
    confirm: async (q) => {
      asked.push(q);
      return answer;
    },
  };
  await followLink(search, deps);
  return { calls, asked, statuses };
}

describe('links on the app page', () => {
  it('read ?hub= and ?model= with zod, naming a bad one and following none of the link', async () => {
    expect(readLinkParams('?hub=https%3A%2F%2Fm.example&model=o%2Fm&ep=wasm')).toEqual({ params: { hub: 'https://m.example', model: 'o/m' }, errors: [] });
    const bad = await follow(`?hub=${encodeURIComponent('javascript:alert(1)')}&model=o/m`, true);
    expect(bad.calls).toEqual([]);
    expect(bad.asked).toEqual([]);
    expect(bad.statuses.join(' ')).toMatch(/hub: an http\(s\) URL/);
    expect((await follow(`?model=${'x'.repeat(3000)}`, true)).statuses.join(' ')).toMatch(/^This link was not followed — model:/);
  });

  it('a model link asks with source and size before downloading; Cancel downloads nothing and keeps the default Hub', async () => {
    const no = await follow(`?hub=${encodeURIComponent(MIRROR)}&model=test/tiny-sdxl`, false);
    expect(no.calls).toEqual([`preview test/tiny-sdxl ${MIRROR} sizes=true`]);
    expect(no.asked).toEqual([{ kind: 'model', preview: preview(), hub: MIRROR }]);
    expect(no.statuses.at(-1)).toMatch(/^Nothing was downloaded/);
    const yes = await follow(`?hub=${encodeURIComponent(MIRROR)}&model=test/tiny-sdxl`, true);
    expect(yes.calls).toEqual([`preview test/tiny-sdxl ${MIRROR} sizes=true`, `hub ${MIRROR}`, 'load test/tiny-sdxl persist=true']);
    // A plain ?model= (default Hub, or a URL) asks too: a link may not fill the quota on its own.
    const plain = await follow('?model=sdxl-lightning-4step-web-fp16', false, preview({ source: { kind: 'hub', endpoint: 'https://huggingface.co', repo: 'o/m', revision: 'main' } }));
    expect(plain.asked).toHaveLength(1);
    expect(plain.calls).toEqual(['preview sdxl-lightning-4step-web-fp16 - sizes=true']);
  });

  it('a model stored from exactly that source loads at once, by its folder, without asking or asking for persistence', async () => {
    const r = await follow(`?hub=${encodeURIComponent(MIRROR)}&model=test/tiny-sdxl`, false, preview({ stored: true, folder: 'test-tiny-sdxl@localhost-4180' }));
    expect(r.asked).toEqual([]);
    expect(r.calls).toEqual([`preview test/tiny-sdxl ${MIRROR} sizes=true`, 'load test-tiny-sdxl@localhost-4180 persist=false']);
  });

  it('a Hub-only link asks before Hub ids resolve elsewhere; a model that cannot be looked up asks nothing', async () => {
    expect((await follow(`?hub=${encodeURIComponent(MIRROR)}`, false)).calls).toEqual([]);
    expect((await follow(`?hub=${encodeURIComponent(MIRROR)}`, true)).calls).toEqual([`hub ${MIRROR}`]);
    const lost = await follow('?model=o/missing', true, new Error('The Hub has no model o/missing at revision main.'));
    expect(lost.asked).toEqual([]);
    expect(lost.statuses.at(-1)).toMatch(/could not be looked up, so nothing was downloaded: The Hub has no model/);
  });

  it('the dialog names endpoint, repo, revision and size, or says the size is unknown', () => {
    expect(describeQuestion({ kind: 'model', preview: preview() })).toEqual([
      ['Hub endpoint', MIRROR, 'link-source'], ['Repository', 'test/tiny-sdxl', 'link-repo'], ['Revision', 'main', 'link-revision'], ['Size', '31.2 MB (31,234,567 bytes)', 'link-size'],
    ]);
    const unknown = describeQuestion({ kind: 'model', preview: preview({ source: { kind: 'url', url: 'https://x.example/m/' }, bytes: undefined }) });
    expect(unknown[0]).toEqual(['Folder URL', 'https://x.example/m/', 'link-source']);
    expect(unknown[1]![1]).toMatch(/^unknown/);
  });
});
