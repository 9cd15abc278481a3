// What a link may do on opening the app: ?hub= and ?model= are read with zod, and nothing is downloaded, no Hub is
// changed and no persistent storage is asked for until the user says yes in link-confirm's dialog. A model stored
// from exactly the link's source loads at once; Cancel leaves the app on its defaults with nothing fetched but the
// metadata that gave the size.
import { z } from 'zod';
import type { Generator } from '../worker/client';
import { confirmLink } from './link-confirm';

const httpUrl = z.string().max(2048).refine((s) => {
  try {
    return ['http:', 'https:'].includes(new URL(s).protocol);
  } catch {
    return false;
  }
}, 'an http(s) URL');

export const linkParamsSchema = z.object({
  /** Another Hub endpoint (a mirror, or the tests' local stand-in) for Hub repo ids. */
  hub: httpUrl.optional(),
  /** A built-in model id, a Hub repo id ("owner/name[@revision]") or a folder URL. */
  model: z.string().min(1).max(2048).optional(),
});
export type LinkParams = z.infer<typeof linkParamsSchema>;

/** The link's parameters; a bad one is named and dropped (with the rest of the link), never half-followed. */
export function readLinkParams(search: string): { params: LinkParams; errors: string[] } {
  const q = new URLSearchParams(search);
  const raw = { ...(q.has('hub') ? { hub: q.get('hub') } : {}), ...(q.has('model') ? { model: q.get('model') } : {}) };
  const r = linkParamsSchema.safeParse(raw);
  return r.success ? { params: r.data, errors: [] } : { params: {}, errors: r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`) };
}

export interface LinkDeps {
  generator: Pick<Generator, 'previewModel' | 'setHubEndpoint'>;
  /** Loads a model the way the model panel does; `persist` asks the browser for persistent storage first. */
  load(ref: string, persist: boolean): Promise<unknown>;
  status(text: string, kind?: 'info' | 'error' | 'ok'): void;
  /** The question (a dialog); replaceable in tests. */
  confirm?: typeof confirmLink;
}

const IDLE = 'Load a model to start. The default downloads once and is then used offline.';

/** Follows the page's link, asking first where it would download or change the Hub. */
export async function followLink(search: string, deps: LinkDeps): Promise<void> {
  const confirm = deps.confirm ?? confirmLink;
  const { params: { hub, model }, errors } = readLinkParams(search);
  if (errors.length) return deps.status(`This link was not followed — ${errors.join('; ')}. ${IDLE}`, 'error');
  if (!model && !hub) return deps.status(IDLE);
  if (!model) {
    if (!(await confirm({ kind: 'hub', hub: hub! }))) return deps.status(`The link’s Hub (${hub}) was not used: repo ids resolve at the default Hub. ${IDLE}`);
    await deps.generator.setHubEndpoint(hub);
    return deps.status(`Hub repo ids resolve at ${hub} for this visit. ${IDLE}`);
  }
  deps.status('Checking the model this link names (its file list only)…');
  let preview;
  try {
    preview = await deps.generator.previewModel(model, { ...(hub ? { hub } : {}), sizes: true });
  } catch (e) {
    return deps.status(`This link’s model could not be looked up, so nothing was downloaded: ${e instanceof Error ? e.message : String(e)} ${IDLE}`, 'error');
  }
  // Stored from exactly this source: no download, no question (and the session's Hub stays as it is).
  if (preview.stored) return void (await deps.load(preview.folder ?? model, false).catch(() => undefined));
  const yes = await confirm({ kind: 'model', preview, ...(hub ? { hub } : {}) });
  if (preview.refusal) return deps.status(`Nothing was downloaded from the link: ${preview.refusal.message}`, 'error');
  if (!yes) return deps.status(`Nothing was downloaded from the link. ${IDLE}`);
  if (hub) await deps.generator.setHubEndpoint(hub);
  await deps.load(model, true).catch(() => undefined);
}
