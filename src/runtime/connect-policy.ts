// Where the app may connect (the CSP's connect-src, also checked in code): its own origin, the Hub and the Hub's CDN.
// A URL outside the list is refused before any request, with an error that says how to allow a mirror.

/** The Hub, and the hosts it redirects file downloads to (cdn-lfs*.huggingface.co, cdn-lfs.hf.co, cas-bridge.xethub.hf.co). */
export const DEFAULT_CONNECT_SRC: readonly string[] = ['https://huggingface.co', 'https://*.huggingface.co', 'https://*.hf.co'];

export class SourceNotAllowedError extends Error {
  constructor(readonly url: string, readonly allowed: readonly string[]) {
    super(
      `${new URL(url).origin} is not an allowed model source: this build's Content-Security-Policy (connect-src) lets the app ` +
        `connect only to its own origin and ${allowed.join(', ')}. To download from a mirror, build the app with ` +
        `SDXL_CONNECT_SRC="${new URL(url).origin}" (README, "Security and privacy").`,
    );
    this.name = 'SourceNotAllowedError';
  }
}

/** A CSP host-source ("https://host", "https://*.host", "http://host:port") matched as browsers do, for http(s) URLs. */
export function sourceMatches(source: string, url: URL): boolean {
  const m = /^(https?):\/\/(\*\.)?([^/:]+)(?::(\d+))?\/?$/.exec(source);
  if (!m) return false;
  const [, scheme, wildcard, host, port] = m;
  // http: also allows https: (CSP's scheme upgrade); https: allows only https:.
  if (`${scheme}:` !== url.protocol && !(scheme === 'http' && url.protocol === 'https:')) return false;
  const hostOk = wildcard ? url.hostname.endsWith(`.${host!.toLowerCase()}`) : url.hostname === host!.toLowerCase();
  // URL.port is '' for the scheme's default port; a source without a port allows only that one.
  const defaultPort = url.protocol === 'https:' ? '443' : '80';
  return hostOk && (port ? (url.port || defaultPort) === port : url.port === '');
}

/** True when the app may fetch `url` (relative URLs resolve against `self`, whose origin is always allowed). */
export function connectAllowed(url: string, allowed: readonly string[], self: string): boolean {
  let u: URL;
  try {
    u = new URL(url, self);
  } catch {
    return false;
  }
  // Only http(s): 'self' does not cover blob: or data: URLs in a CSP either.
  if (u.protocol !== 'https:' && u.protocol !== 'http:') return false;
  if (u.origin === new URL(self).origin) return true;
  return allowed.some((s) => sourceMatches(s, u));
}

/** A fetch that refuses, before any request, every URL the policy does not allow. */
export function policedFetch(fetchFn: typeof fetch, allowed: readonly string[], self: string): typeof fetch {
  return (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    if (!connectAllowed(url, allowed, self)) return Promise.reject(new SourceNotAllowedError(new URL(url, self).href, allowed));
    return fetchFn(input, init);
  };
}
