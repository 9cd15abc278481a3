// The connect-src list checked in code: CSP host-source matching, the refusal before any request, and the error that
// reaches the user from a Hub listing, a folder URL or a file download.
import { describe, expect, it } from 'vitest';
import { connectAllowed, DEFAULT_CONNECT_SRC, policedFetch, SourceNotAllowedError, sourceMatches } from '../../src/runtime/connect-policy';
import { listHubFiles } from '../../src/runtime/hub';
import { connectSources, contentSecurityPolicy } from '../../scripts/vite-csp';

const SELF = 'https://app.example/sdxl/';

describe('connect-src matching', () => {
  it('allows the app, the Hub and its CDN hosts, and nothing else', () => {
    const allowed = (url: string) => connectAllowed(url, DEFAULT_CONNECT_SRC, SELF);
    for (const url of ['./models/x/', 'https://app.example/other', 'https://huggingface.co/api/models/a/b',
      'https://cdn-lfs.huggingface.co/repos/x', 'https://cdn-lfs-us-1.huggingface.co/x', 'https://cas-bridge.xethub.hf.co/x', 'https://cdn-lfs.hf.co/x']) {
      expect(allowed(url), url).toBe(true);
    }
    for (const url of ['http://huggingface.co/x', 'https://huggingface.co.evil.example/x', 'https://evilhuggingface.co/x', 'https://hf.co.evil/x',
      'https://huggingface.co:8443/x', 'https://app.example:444/x', 'http://app.example/x', 'https://mirror.example/x', 'blob:https://app.example/1', 'data:,x', 'ftp://huggingface.co/x', 'http://[bad']) {
      expect(allowed(url), url).toBe(false);
    }
  });

  it('matches ports and wildcards as CSP does', () => {
    expect(sourceMatches('http://localhost:4180', new URL('http://localhost:4180/x'))).toBe(true);
    expect(sourceMatches('http://localhost:4180', new URL('http://localhost:4181/x'))).toBe(false);
    expect(sourceMatches('http://localhost', new URL('http://localhost:4180/x'))).toBe(false);
    expect(sourceMatches('https://*.hf.co', new URL('https://hf.co/x'))).toBe(false);
    expect(sourceMatches('https://*.hf.co', new URL('https://a.b.hf.co/x'))).toBe(true);
  });
});

describe('refusal', () => {
  it('refuses before any request, naming the origin, the list and the build setting', async () => {
    const asked: string[] = [];
    const f = policedFetch(async (input) => (asked.push(String(input)), new Response('{}')), DEFAULT_CONNECT_SRC, SELF);
    await expect(f('https://mirror.example/m/manifest.json')).rejects.toThrow(SourceNotAllowedError);
    await expect(f('https://mirror.example/m/manifest.json')).rejects.toThrow(/https:\/\/mirror\.example is not an allowed model source.*connect-src.*SDXL_CONNECT_SRC="https:\/\/mirror\.example"/);
    expect(asked).toEqual([]);
    await f('https://huggingface.co/api/x');
    expect(asked).toEqual(['https://huggingface.co/api/x']);
  });

  it('reaches the user from a Hub listing as itself, not as "could not reach the Hub… are you online?"', async () => {
    const f = policedFetch(async () => new Response('{}'), DEFAULT_CONNECT_SRC, SELF);
    const error = await listHubFiles(f, 'https://hub.evil.example', 'a/b', 'main').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SourceNotAllowedError);
    expect((error as Error).message).not.toContain('Are you online');
  });
});

describe('the policy', () => {
  it('adds SDXL_CONNECT_SRC origins to the Hub defaults and refuses anything that is not an origin', () => {
    expect(connectSources('http://localhost:4180, https://*.mirror.example')).toEqual([...DEFAULT_CONNECT_SRC, 'http://localhost:4180', 'https://*.mirror.example']);
    expect(() => connectSources("https://x.example 'unsafe-eval'")).toThrow(/not an origin/);
    expect(() => connectSources('https://x.example/path')).toThrow(/not an origin/);
    const policy = contentSecurityPolicy(connectSources(''));
    expect(policy).toContain("script-src 'self' 'wasm-unsafe-eval';");
    expect(policy).not.toMatch(/unsafe-inline|'unsafe-eval'/);
  });
});
