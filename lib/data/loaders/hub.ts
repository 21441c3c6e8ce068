// Hugging Face dataset repository download: list files by revision, fetch the matching ones into a local cache, resumably.
// Kept over @huggingface/hub (size and behaviour): two plain HTTP calls (tree listing, file GET) with a .partial file resumed by Range across runs, retries and the LFS sha256 check, as the tests specify, without the package and its dependencies.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { parseOptions } from '../../config/validate.js';
import { PersianLoraError } from '../../errors.js';
import { globToRegExp } from './glob.js';

/** Progress of one file's download. `rate` is bytes per second over the current attempt. */
export interface DownloadProgress {
  path: string;
  bytes: number;
  total: number;
  rate: number;
}

export const hubOptionsSchema = z.strictObject({
  /** `owner/name` of the dataset repository. */
  repo: z.string().regex(/^[\w.-]+\/[\w.-]+$/, 'owner/name'),
  /** Branch, tag or commit. */
  revision: z.string().min(1).default('main'),
  /** Glob patterns over repository paths (`*` within a folder, `**` across folders, `?` one character). */
  patterns: z.array(z.string().min(1)).min(1).default(['**']),
  /** Local cache root; files land in `<cacheDir>/datasets/<owner>--<name>/<revision>/<path>`. */
  cacheDir: z.string().min(1).default(() => process.env.PERSIAN_LORA_CACHE ?? join(homedir(), '.cache', 'persian-lora')),
  /** Hub base URL; the `HF_ENDPOINT` environment variable sets it too. */
  baseUrl: z.string().url().default(() => process.env.HF_ENDPOINT ?? 'https://huggingface.co'),
  /** Access token for gated or private repositories; `HF_TOKEN` sets it too. */
  token: z.string().optional(),
  /** Further attempts after a dropped connection or a server error; each resumes where the last one stopped. */
  retries: z.number().int().min(0).default(3),
  retryDelayMs: z.number().int().min(0).default(500),
  onProgress: z.custom<(progress: DownloadProgress) => void>((v) => typeof v === 'function', 'a function').optional(),
  signal: z.custom<AbortSignal>((v) => v instanceof AbortSignal, 'an AbortSignal').optional(),
});
export type HubOptions = z.input<typeof hubOptionsSchema>;
type Resolved = z.output<typeof hubOptionsSchema>;

/** One file of the repository as the tree API lists it. */
export interface HubFile {
  path: string;
  size: number;
  /** sha256 for files stored with Git LFS. */
  sha256?: string;
  /** Git blob id (sha1 of `blob <size>\0<content>`) for files stored in git. */
  blobId?: string;
}

export interface DownloadedFile extends HubFile {
  localPath: string;
  /** False when the file was already complete in the cache. */
  downloaded: boolean;
}

interface TreeEntry {
  type: string;
  path: string;
  size?: number;
  oid?: string;
  lfs?: { oid?: string; size?: number };
}

const encodePath = (path: string): string => path.split('/').map(encodeURIComponent).join('/');

function headersOf(opts: Resolved, extra: Record<string, string> = {}): Record<string, string> {
  const token = opts.token ?? process.env.HF_TOKEN;
  return token ? { ...extra, authorization: `Bearer ${token}` } : extra;
}

function httpError(url: string, status: number, statusText: string): PersianLoraError {
  const hint = status === 401 || status === 403 ? ' (a gated or private repository needs a token: option token or HF_TOKEN)' : status === 404 ? ' (check the repository id, revision and path)' : '';
  return new PersianLoraError('ERR_NETWORK', `GET ${url} answered ${status} ${statusText}${hint}`);
}

const retryable = (status: number): boolean => status === 408 || status === 429 || status >= 500;

/** List every file of the repository at `revision` whose path matches one of `patterns`. */
export async function listHubFiles(options: HubOptions): Promise<HubFile[]> {
  const opts = parseOptions(hubOptionsSchema, options, 'listHubFiles options');
  return listFiles(opts);
}

async function listFiles(opts: Resolved): Promise<HubFile[]> {
  const matchers = opts.patterns.map(globToRegExp);
  const base = opts.baseUrl.replace(/\/+$/, '');
  let url: string | undefined = `${base}/api/datasets/${opts.repo}/tree/${encodeURIComponent(opts.revision)}?recursive=true`;
  const files: HubFile[] = [];
  while (url !== undefined) {
    const response: { entries: TreeEntry[]; next: string | undefined } = await withRetries(opts, `GET ${url}`, async () => {
      const res = await fetch(url!, { headers: headersOf(opts), signal: opts.signal });
      if (!res.ok) throw Object.assign(httpError(url!, res.status, res.statusText), { retry: retryable(res.status) });
      return { entries: (await res.json()) as TreeEntry[], next: nextLink(res.headers.get('link'), url!) };
    });
    if (!Array.isArray(response.entries)) throw new PersianLoraError('ERR_NETWORK', `GET ${url} did not answer a JSON array of tree entries`);
    for (const entry of response.entries) {
      if (entry.type !== 'file' || !matchers.some((re) => re.test(entry.path))) continue;
      const file: HubFile = { path: entry.path, size: entry.lfs?.size ?? entry.size ?? 0 };
      if (entry.lfs?.oid) file.sha256 = entry.lfs.oid;
      else if (entry.oid) file.blobId = entry.oid;
      files.push(file);
    }
    url = response.next;
  }
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

function nextLink(header: string | null, current: string): string | undefined {
  const match = header?.match(/<([^>]+)>\s*;\s*rel="?next"?/);
  return match ? new URL(match[1]!, current).toString() : undefined;
}

/** Download the matching files of a dataset repository into the cache; complete files are not fetched again. */
export async function downloadHubDataset(options: HubOptions): Promise<DownloadedFile[]> {
  const opts = parseOptions(hubOptionsSchema, options, 'downloadHubDataset options');
  const files = await listFiles(opts);
  const [owner, name] = opts.repo.split('/') as [string, string];
  const root = join(opts.cacheDir, 'datasets', `${owner}--${name}`, opts.revision.replace(/\//g, '--'));
  const out: DownloadedFile[] = [];
  for (const file of files) {
    const localPath = join(root, ...file.path.split('/'));
    const existing = await stat(localPath).catch(() => undefined);
    if (existing?.isFile() && existing.size === file.size) {
      out.push({ ...file, localPath, downloaded: false });
      continue;
    }
    await downloadFile(opts, file, localPath);
    out.push({ ...file, localPath, downloaded: true });
  }
  return out;
}

async function downloadFile(opts: Resolved, file: HubFile, localPath: string): Promise<void> {
  const url = `${opts.baseUrl.replace(/\/+$/, '')}/datasets/${opts.repo}/resolve/${encodeURIComponent(opts.revision)}/${encodePath(file.path)}`;
  const partial = `${localPath}.partial`;
  await mkdir(dirname(localPath), { recursive: true });
  await withRetries(opts, `GET ${url}`, () => fetchInto(opts, url, partial, file));
  const size = (await stat(partial)).size;
  if (size !== file.size) throw new PersianLoraError('ERR_NETWORK', `GET ${url} gave ${size} bytes but the tree lists ${file.size}`);
  const problem = await checksumProblem(partial, file);
  if (problem !== undefined) {
    await rm(partial, { force: true });
    throw new PersianLoraError('ERR_DATA', `GET ${url}: ${problem}; the partial file was removed`);
  }
  await rename(partial, localPath);
}

/** One attempt: resume from the partial file's size with a Range request, append what arrives. */
async function fetchInto(opts: Resolved, url: string, partial: string, file: HubFile): Promise<void> {
  let offset = (await stat(partial).catch(() => undefined))?.size ?? 0;
  if (offset > file.size) offset = 0;
  if (offset === file.size && file.size > 0) return;
  const res = await fetch(url, { headers: headersOf(opts, offset > 0 ? { range: `bytes=${offset}-` } : {}), signal: opts.signal, redirect: 'follow' });
  if (!res.ok) {
    await res.body?.cancel();
    if (res.status === 416) {
      await rm(partial, { force: true });
      throw Object.assign(new PersianLoraError('ERR_NETWORK', `GET ${url} refused the range from byte ${offset}`), { retry: true });
    }
    throw Object.assign(httpError(url, res.status, res.statusText), { retry: retryable(res.status) });
  }
  if (res.status !== 206) offset = 0; // the server sent the whole file
  const handle = await open(partial, offset > 0 ? 'a' : 'w');
  const started = Date.now();
  let received = 0;
  try {
    if (res.body === null) return;
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      await handle.write(chunk);
      received += chunk.byteLength;
      const seconds = Math.max((Date.now() - started) / 1000, 1e-3);
      opts.onProgress?.({ path: file.path, bytes: offset + received, total: file.size, rate: received / seconds });
    }
  } catch (error) {
    if (opts.signal?.aborted) throw error;
    throw Object.assign(new PersianLoraError('ERR_NETWORK', `GET ${url} stopped after ${offset + received} of ${file.size} bytes (${(error as Error).message})`, { cause: error }), { retry: true });
  } finally {
    await handle.close();
  }
}

async function withRetries<T>(opts: Resolved, what: string, attempt: () => Promise<T>): Promise<T> {
  for (let n = 0; ; n++) {
    try {
      return await attempt();
    } catch (error) {
      if (opts.signal?.aborted) throw new PersianLoraError('ERR_ABORTED', `${what} was aborted`, { cause: opts.signal.reason });
      const retry = (error as { retry?: boolean }).retry ?? !(error instanceof PersianLoraError);
      if (!retry || n >= opts.retries) {
        if (error instanceof PersianLoraError) throw error;
        throw new PersianLoraError('ERR_NETWORK', `${what} failed after ${n + 1} attempt(s): ${(error as Error).message}`, { cause: error });
      }
      await new Promise((resolve) => setTimeout(resolve, opts.retryDelayMs * (n + 1)));
    }
  }
}

async function checksumProblem(path: string, file: HubFile): Promise<string | undefined> {
  if (file.sha256 === undefined && file.blobId === undefined) return undefined;
  const hash = createHash(file.sha256 !== undefined ? 'sha256' : 'sha1');
  if (file.sha256 === undefined) hash.update(`blob ${file.size}\0`);
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  const got = hash.digest('hex');
  const want = file.sha256 ?? file.blobId!;
  return got === want ? undefined : `${file.sha256 !== undefined ? 'sha256' : 'git blob id'} ${got} does not match the listed ${want}`;
}

/** A one-line text rendering of download progress (for a terminal progress bar). */
export function formatProgress(p: DownloadProgress, width = 24): string {
  const fraction = p.total > 0 ? Math.min(1, p.bytes / p.total) : 1;
  const filled = Math.round(fraction * width);
  const mb = (n: number): string => (n / 1e6).toFixed(1);
  return `${p.path} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(fraction * 100).toFixed(0)}% ${mb(p.bytes)}/${mb(p.total)} MB ${mb(p.rate)} MB/s`;
}

/** A progress callback that redraws one line per file on a terminal stream (carriage return, newline when a file ends). */
export function progressBar(stream: NodeJS.WritableStream & { isTTY?: boolean }): (p: DownloadProgress) => void {
  let lastDraw = 0;
  return (p) => {
    const done = p.bytes >= p.total;
    const now = Date.now();
    if (!done && now - lastDraw < 100) return;
    lastDraw = now;
    stream.write(stream.isTTY ? `\r${formatProgress(p)}${done ? '\n' : ''}` : done ? `${formatProgress(p)}\n` : '');
  };
}
