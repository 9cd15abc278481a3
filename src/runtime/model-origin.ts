// Where a stored model's bytes came from: a record with every Hub endpoint and URL written out (its origin), the key
// the cache matches stored models by, the folder a new download goes to, and the host shown beside anything that is
// not from the default Hub (or this app's own server).
import type { ModelRecord, ModelSource } from '../schema/model-record';
import { DEFAULT_HUB_ENDPOINT } from './hub';

const trimEndpoint = (e: string) => e.replace(/\/+$/, '');

/** One source with nothing left implicit: the Hub endpoint named, a URL made absolute. */
function pinSource(s: ModelSource, hub: string, baseHref?: string): ModelSource {
  if (s.kind === 'hub') return { ...s, endpoint: trimEndpoint(s.endpoint ?? hub) };
  if (s.kind === 'url') return { ...s, baseUrl: new URL(s.baseUrl.endsWith('/') ? s.baseUrl : `${s.baseUrl}/`, baseHref).href };
  return s;
}

/** The record as it is stored: every source pinned (idempotent: a pinned record comes back unchanged). */
export function pinRecord(record: ModelRecord, hub = DEFAULT_HUB_ENDPOINT, baseHref?: string): ModelRecord {
  const components: ModelRecord['components'] = {};
  for (const [c, own] of Object.entries(record.components)) components[c as keyof typeof components] = { ...own, source: pinSource(own.source, hub, baseHref) };
  return { ...record, source: pinSource(record.source, hub, baseHref), components };
}

/** Hub sources that name no endpoint get this one (a link's confirmed mirror); nothing else changes. */
export function withHub(record: ModelRecord, hub: string): ModelRecord {
  const fill = (s: ModelSource): ModelSource => (s.kind === 'hub' && !s.endpoint ? { ...s, endpoint: trimEndpoint(hub) } : s);
  const components: ModelRecord['components'] = {};
  for (const [c, own] of Object.entries(record.components)) components[c as keyof typeof components] = { ...own, source: fill(own.source) };
  return { ...record, source: fill(record.source), components };
}

const sourceKey = (s: ModelSource) =>
  s.kind === 'hub' ? ['hub', s.endpoint ?? '', s.repo, s.revision, s.subfolder ?? ''] : s.kind === 'url' ? ['url', s.baseUrl] : ['local', s.name];

/** What the cache matches stored models by: every source of a pinned record (the resolved commit is kept in state.json). */
export function originKey(pinned: ModelRecord): string {
  const comps = Object.entries(pinned.components).sort(([a], [b]) => a.localeCompare(b)).map(([c, own]) => [c, ...sourceKey(own.source)]);
  return JSON.stringify([sourceKey(pinned.source), comps]);
}

const sources = (r: ModelRecord) => [r.source, ...Object.values(r.components).map((c) => c.source)];

/** The host a pinned record's bytes come from when that is not the default Hub or the app's own server; else undefined. */
export function foreignHost(pinned: ModelRecord, hub = DEFAULT_HUB_ENDPOINT, baseHref?: string): string | undefined {
  const own = baseHref ? new URL(baseHref).origin : undefined;
  for (const s of sources(pinned)) {
    if (s.kind === 'hub' && trimEndpoint(s.endpoint ?? hub) !== trimEndpoint(hub)) return new URL(s.endpoint!).host;
    if (s.kind === 'url' && new URL(s.baseUrl, baseHref).origin !== own) return new URL(s.baseUrl, baseHref).host;
  }
  return undefined;
}

/** The folder a new download of this record goes to: its id, with the host appended when it is not from the default. */
export function preferredFolder(pinned: ModelRecord, hub = DEFAULT_HUB_ENDPOINT, baseHref?: string): string {
  const host = foreignHost(pinned, hub, baseHref);
  return host ? `${pinned.id}@${host.toLowerCase().replace(/[^a-z0-9.-]+/g, '-')}` : pinned.id;
}

/**
 * A state.json written before sources were recorded: its origin is known only when no Hub is involved (a URL or a
 * folder names itself); a Hub repo's endpoint was not kept, so such a copy may have come from any server.
 */
export function legacyOrigin(record: ModelRecord, baseHref?: string): string | undefined {
  if (sources(record).some((s) => s.kind === 'hub')) return undefined;
  return originKey(pinRecord(record, DEFAULT_HUB_ENDPOINT, baseHref));
}
