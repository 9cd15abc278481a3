// The widget's boundary and the SDK's names: URL parameters and call arguments checked with zod, messages from
// other windows or origins counted and ignored, and the snake_case ↔ camelCase mapping against @octoai/sdk's own.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { requestToSnake, responseToCamel, responseToSnake, toCamel, toSnake } from '../../src/embed/case-mapping';
import { countIgnoredMessages, jobIdSchema, modelRefSchema } from '../../src/embed/widget-guard';
import { readWidgetParams } from '../../src/embed/widget-params';
import { REQUEST_FIELDS } from '../../src/schema/request';

const OWN = 'https://app.example';
const params = (q: Record<string, string>) => readWidgetParams(`?${new URLSearchParams(q)}`, OWN);

describe('widget URL parameters', () => {
  it('default to the widget answering only its own origin, auto theme, and a Download button', () => {
    const r = params({});
    expect(r.errors).toEqual([]);
    expect(r.origins).toEqual([OWN]);
    expect(r.params).toMatchObject({ theme: 'auto', controls: ['download'] });
  });

  it('take a list of parent origins, each exactly scheme://host[:port]', () => {
    expect(params({ origins: 'https://a.example, http://localhost:8080' }).origins).toEqual(['https://a.example', 'http://localhost:8080']);
    for (const bad of ['https://a.example/path', 'javascript:alert(1)', 'a.example', '*', 'https://a.example?x=1']) {
      const r = params({ origins: bad });
      expect(r.errors.join(' '), bad).toMatch(/^origins/);
      // A bad list never widens who may talk: the widget falls back to its own origin.
      expect(r.origins).toEqual([OWN]);
    }
    expect(params({ origins: Array.from({ length: 17 }, (_, i) => `https://s${i}.example`).join(',') }).errors[0]).toMatch(/^origins/);
  });

  it('refuse a Hub endpoint by name: a link cannot point the widget at another server, and a refused link loads nothing', () => {
    const r = params({ hub: 'https://evil.example', model: 'sdxl-lightning-4step-web-fp16' });
    expect(r.errors.join(' ')).toMatch(/^hub: the widget takes no Hub endpoint/);
    expect(r.params.model).toBeUndefined();
  });

  it('check default request fields with the request schema and name the field', () => {
    expect(params({ defaults: JSON.stringify({ steps: 4, cfg_scale: 1, sampler: 'K_EULER' }) }).params.defaults).toEqual({ steps: 4, cfg_scale: 1, sampler: 'K_EULER' });
    expect(params({ defaults: JSON.stringify({ steps: 0 }) }).errors[0]).toMatch(/^defaults\.steps/);
    expect(params({ defaults: JSON.stringify({ nonsense: 1 }) }).errors[0]).toMatch(/^defaults/);
    expect(params({ defaults: '{not json' }).errors).toEqual(['defaults: defaults must be a JSON object']);
  });

  it('name a bad theme or control', () => {
    expect(params({ theme: 'purple' }).errors[0]).toMatch(/^theme/);
    expect(params({ controls: 'download,rm -rf' }).errors[0]).toMatch(/^controls/);
    expect(params({ controls: 'seed,steps' }).params.controls).toEqual(['seed', 'steps']);
  });
});

describe('call arguments', () => {
  it('bound job ids and model references', () => {
    expect(jobIdSchema.safeParse('sdk-1').success).toBe(true);
    for (const bad of ['', 'x'.repeat(129), 42, null]) expect(jobIdSchema.safeParse(bad).success).toBe(false);
    expect(modelRefSchema.safeParse('owner/name@main').success).toBe(true);
    for (const bad of ['', 'x'.repeat(2049), { source: { kind: 'url', baseUrl: 'https://evil.example/' } }]) expect(modelRefSchema.safeParse(bad).success).toBe(false);
  });
});

describe('ignored-message count', () => {
  it('counts every message that is not from the parent at an allowed origin, and nothing else', () => {
    const target = new EventTarget() as unknown as Window;
    const parent = {} as Window;
    const other = {} as Window;
    const counter = countIgnoredMessages(target, parent, ['https://host.example']);
    // A window's MessageEvent (Node's own only takes MessagePorts as its source).
    const send = (source: unknown, origin: string) => target.dispatchEvent(Object.assign(new Event('message'), { data: { type: 'SYN' }, origin, source }));
    send(parent, 'https://host.example');
    expect(counter.ignored).toBe(0);
    send(other, 'https://host.example'); // another frame of the allowed site
    send(parent, 'https://evil.example'); // the parent navigated elsewhere
    send(other, 'https://evil.example');
    expect(counter).toEqual({ ignored: 3, lastOrigin: 'https://evil.example' });
  });

  it('stops a foreign message before any later listener (penpal) and never reads its data', () => {
    const target = new EventTarget() as unknown as Window;
    const parent = {} as Window;
    const counter = countIgnoredMessages(target, parent, ['https://host.example']);
    const seenByPenpal: unknown[] = [];
    target.addEventListener('message', (e) => void seenByPenpal.push((e as MessageEvent).data));
    let dataReads = 0;
    const send = (source: unknown, origin: string) => {
      const event = Object.assign(new Event('message'), { origin, source });
      // Reading a MessageEvent's data is what deserializes it (a 10 MB string, deep junk): count every read.
      Object.defineProperty(event, 'data', { get: () => (dataReads++, { namespace: 'penpal', type: 'SYN' }) });
      target.dispatchEvent(event);
    };
    send({}, 'https://evil.example');
    send(parent, 'https://evil.example');
    expect(seenByPenpal).toEqual([]);
    expect(dataReads).toBe(0);
    expect(counter.ignored).toBe(2);
    // The parent at an allowed origin goes through to penpal.
    send(parent, 'https://host.example');
    expect(seenByPenpal).toHaveLength(1);
  });
});

/** @octoai/sdk 1.11's own wire names: `camelName: core.serialization.property("snake_name", …)`. */
function sdkNames(type: string): [string, string][] {
  const require = createRequire(import.meta.url);
  const file = require.resolve(`@octoai/sdk/serialization/resources/imageGen/types/${type}.js`);
  return [...readFileSync(file, 'utf8').matchAll(/(\w+): core\.serialization\.property\("(\w+)"/g)].map((m) => [m[1]!, m[2]!]);
}

describe('snake_case ↔ camelCase', () => {
  it("maps every name @octoai/sdk renames, both ways, exactly as the SDK's serializer does", () => {
    const pairs = [...sdkNames('ImageGenerationRequest'), ...sdkNames('ImageGeneration'), ...sdkNames('ImageGenerationResponse')];
    expect(pairs.length).toBeGreaterThan(20);
    for (const [camel, snake] of pairs) {
      expect(toSnake(camel), camel).toBe(snake);
      expect(toCamel(snake), snake).toBe(camel);
    }
  });

  it('round-trips every request field and any snake_case name', () => {
    for (const f of REQUEST_FIELDS) expect(toSnake(toCamel(f))).toBe(f);
    // Words of two or more letters, optionally ending in a number (prompt_2): the shape of every OctoAI name. ("image_b64"
    // is one word with digits, as the SDK spells it; a one-letter word before a number would be ambiguous.)
    const name = fc.tuple(fc.array(fc.stringMatching(/^[a-z]{2,8}$/), { minLength: 1, maxLength: 4 }), fc.option(fc.integer({ min: 0, max: 99 }), { nil: undefined }));
    fc.assert(fc.property(name, ([words, n]) => {
      const snake = [...words, ...(n === undefined ? [] : [String(n)])].join('_');
      expect(toSnake(toCamel(snake))).toBe(snake);
    }));
  });

  it('takes either spelling (or a mix) at the top level only, and reports a field given twice with different values', () => {
    const r = requestToSnake({ prompt: 'a', cfgScale: 2, negative_prompt: 'b', prompt2: 'c', loras: { myLora_v2: 0.5 } });
    expect(r).toEqual({ body: { prompt: 'a', cfg_scale: 2, negative_prompt: 'b', prompt_2: 'c', loras: { myLora_v2: 0.5 } }, conflicts: [] });
    expect(requestToSnake({ num_images: 2, numImages: 2 }).conflicts).toEqual([]);
    expect(requestToSnake({ num_images: 2, numImages: 3 }).conflicts).toEqual(['num_images']);
  });

  it('gives responses the SDK client shape and back', () => {
    const rest = { images: [{ image_b64: 'AAA', seed: 7, removed_for_safety: false, width: 64, height: 64 }], latency_ms: 12, prediction_time_ms: 12 };
    const sdk = responseToCamel(rest);
    expect(sdk).toEqual({ images: [{ imageB64: 'AAA', seed: 7, removedForSafety: false, width: 64, height: 64 }], latencyMs: 12, predictionTimeMs: 12 });
    expect(responseToSnake(sdk)).toEqual(rest);
  });
});
