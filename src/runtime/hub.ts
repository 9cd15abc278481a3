// The Hugging Face Hub's HTTP API: a repo id and revision → the file list (sizes, LFS SHA-256, git blob ids) and the
// resolve/<commit>/<path> URLs, against a configurable endpoint (tests point it at a local server).
import { z } from 'zod';
import { SourceNotAllowedError } from './connect-policy';

export const DEFAULT_HUB_ENDPOINT = 'https://huggingface.co';

/** A file of a model as a source lists it, before it is downloaded. */
export interface RemoteFile {
  /** Path inside the model folder (the Optimum layout), e.g. "unet/model.onnx_data". */
  path: string;
  url: string;
  size?: number;
  sha256?: string;
  /** Git's blob id (SHA-1 of "blob <size>\0" + content): what the Hub gives for files not stored in LFS. */
  gitSha1?: string;
}

/** A path as git stores it: relative, no empty, "." or ".." segment, no backslash (it names a file in the model folder). */
const isRepoPath = (p: string) => !p.includes('\\') && p.split('/').every((s) => s !== '' && s !== '.' && s !== '..');
const sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'must be a SHA-256 in hex');
const fileSize = z.int().min(0);
/** One file of the listing, checked: a listing's paths become download URLs and store paths, its hashes the checks. */
const siblingSchema = z.object({
  rfilename: z.string().min(1).max(1024).refine(isRepoPath, 'must be a relative path inside the repository'),
  size: fileSize.optional(),
  blobId: z.string().optional(),
  lfs: z.object({ sha256: sha256.optional(), size: fileSize.optional() }).nullish(),
});
const listingSchema = z.object({ sha: z.unknown().optional(), siblings: z.array(siblingSchema) });

export class HubError extends Error {
  constructor(message: string, readonly status?: number) {
    super(message);
    this.name = 'HubError';
  }
}

export function hubInfoUrl(endpoint: string, repo: string, revision: string): string {
  return `${endpoint.replace(/\/$/, '')}/api/models/${repo}/revision/${encodeURIComponent(revision)}?blobs=true`;
}

export function hubResolveUrl(endpoint: string, repo: string, revision: string, path: string): string {
  return `${endpoint.replace(/\/$/, '')}/${repo}/resolve/${encodeURIComponent(revision)}/${path.split('/').map(encodeURIComponent).join('/')}`;
}

/**
 * Reads the model-info answer. Files under `subfolder` (when given) are returned relative to it; URLs pin the commit
 * the answer names, so a branch that moves mid-download cannot mix two versions.
 */
export function parseHubModelInfo(json: unknown, endpoint: string, repo: string, revision: string, subfolder = ''): { commit: string; files: RemoteFile[] } {
  const hasList = json !== null && typeof json === 'object' && Array.isArray((json as { siblings?: unknown }).siblings);
  if (!hasList) throw new HubError(`The Hub's answer for ${repo}@${revision} has no file list (siblings).`);
  const parsed = listingSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const where = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '');
    throw new HubError(`The Hub's answer for ${repo}@${revision} is not a file list this app can use: ${where}: ${issue.message}.`);
  }
  const info = parsed.data;
  const commit = typeof info.sha === 'string' && /^[0-9a-f]{40}$/.test(info.sha) ? info.sha : revision;
  const prefix = subfolder ? `${subfolder.replace(/\/$/, '')}/` : '';
  const files: RemoteFile[] = [];
  for (const s of info.siblings) {
    if (!s.rfilename.startsWith(prefix)) continue;
    const lfsSha = s.lfs?.sha256;
    const size = s.lfs?.size ?? s.size;
    files.push({
      path: s.rfilename.slice(prefix.length),
      url: hubResolveUrl(endpoint, repo, commit, s.rfilename),
      ...(size !== undefined ? { size } : {}),
      ...(lfsSha ? { sha256: lfsSha } : s.blobId !== undefined && /^[0-9a-f]{40}$/.test(s.blobId) ? { gitSha1: s.blobId } : {}),
    });
  }
  return { commit, files };
}

/** Lists a repo's files through the Hub API, with errors that say what to do. */
export async function listHubFiles(
  fetchFn: typeof fetch, endpoint: string, repo: string, revision: string, subfolder?: string, signal?: AbortSignal,
): Promise<{ commit: string; files: RemoteFile[] }> {
  const url = hubInfoUrl(endpoint, repo, revision);
  let res: Response;
  try {
    res = await fetchFn(url, { signal });
  } catch (e) {
    if (signal?.aborted || e instanceof SourceNotAllowedError) throw e;
    throw new HubError(`Could not reach the Hugging Face Hub (${endpoint}) to list ${repo}: ${e instanceof Error ? e.message : String(e)}. Are you online?`);
  }
  if (res.status === 401 || res.status === 403) throw new HubError(`${repo} is private or gated on the Hub: accept its licence there, or pick another model.`, res.status);
  if (res.status === 404) throw new HubError(`The Hub has no model ${repo} at revision ${revision}.`, 404);
  if (!res.ok) throw new HubError(`The Hub answered HTTP ${res.status} for ${repo}@${revision}; try again later.`, res.status);
  return parseHubModelInfo(await res.json(), endpoint, repo, revision, subfolder);
}
