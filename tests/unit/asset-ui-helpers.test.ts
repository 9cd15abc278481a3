// The asset UI's text helpers: the trigger put in at the caret, a request name from a file name, errors naming fields, record fields.
import { describe, expect, it } from 'vitest';
import { describeAssetError } from '../../src/ui/assets/asset-errors';
import { nameFrom } from '../../src/ui/assets/asset-import';
import { recordField, withField } from '../../src/ui/assets/draft-access';
import { insertWord } from '../../src/ui/assets/ti-picker';

describe('insertWord', () => {
  it('spaces the trigger from its neighbours and puts the caret after it', () => {
    expect(insertWord('a portrait in', 13, 13, '<s>')).toEqual({ text: 'a portrait in <s>', caret: 17 });
    expect(insertWord('a cat', 2, 2, '<s>')).toEqual({ text: 'a <s> cat', caret: 5 });
    expect(insertWord('', 0, 0, '<s>')).toEqual({ text: '<s>', caret: 3 });
    expect(insertWord('a dog, b', 5, 5, '<s>')).toEqual({ text: 'a dog <s>, b', caret: 9 });
  });
  it('replaces the selection', () => {
    expect(insertWord('a STYLE photo', 2, 7, '<s>')).toEqual({ text: 'a <s> photo', caret: 5 });
  });
});

describe('nameFrom', () => {
  it('keeps a file stem within the name rule', () => {
    expect(nameFrom('lora_kohya.safetensors')).toBe('lora_kohya');
    expect(nameFrom('My Style (v2).safetensors')).toBe('My-Style-v2-');
    expect(nameFrom('.hidden')).toBe('hidden');
    expect(nameFrom('x'.repeat(80))).toHaveLength(64);
  });
});

describe('describeAssetError', () => {
  it('names the field of each detail', () => {
    const e = Object.assign(new Error('The asset is invalid.'), { detail: [{ loc: ['body', 'name'], msg: 'an asset name is letters', type: 'x' }, { loc: ['body', 'source'], msg: 'must be a URL', type: 'x' }] });
    expect(describeAssetError(e)).toEqual({ lines: ['Name: an asset name is letters', 'Source: must be a URL'], fields: ['name', 'source'] });
  });
  it('falls back to the message', () => {
    expect(describeAssetError(new Error('quota'))).toEqual({ lines: ['quota'], fields: [] });
  });
});

describe('record fields', () => {
  const isNumber = (v: unknown): v is number => typeof v === 'number';
  it('reads {name: value} and ignores what is not one', () => {
    expect(recordField({ loras: { a: 1, b: 'x' } }, 'loras', isNumber)).toEqual({ a: 1 });
    expect(recordField({ loras: '{"a": ' }, 'loras', isNumber)).toEqual({});
  });
  it('leaves an empty value out of the request', () => {
    expect(withField({ prompt: 'p', loras: { a: 1 } }, 'loras', {})).toEqual({ prompt: 'p' });
    expect(withField({ prompt: 'p' }, 'vae', 'v')).toEqual({ prompt: 'p', vae: 'v' });
    expect(withField({ prompt: 'p', vae: 'v' }, 'vae', undefined)).toEqual({ prompt: 'p' });
  });
});
