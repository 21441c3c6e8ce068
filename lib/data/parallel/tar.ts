// A small streaming tar reader (ustar, GNU long names, pax paths) that keeps only the entries a caller asks for.
// Kept over tar-stream (size): 170 lines and no dependency against tar-stream + streamx, b4a, fast-fifo, bare-fs, for keeping a few entries of .deb data archives and npm tarballs, with errors that name the archive and entry.
import { PersianLoraError } from '../../errors.js';

export type TarEntryType = 'file' | 'directory' | 'symlink' | 'hardlink' | 'other';

export interface TarEntry {
  /** Path inside the archive with any leading `./` removed. */
  path: string;
  type: TarEntryType;
  size: number;
  /** Target of a symlink or hard link, '' otherwise. */
  linkName: string;
}

export interface TarFile {
  entry: TarEntry;
  data: Buffer;
}

const BLOCK = 512;

/** FIFO of byte chunks that can hand out exactly n bytes without copying the whole stream. */
class ByteQueue {
  private chunks: Buffer[] = [];
  length = 0;
  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.length += chunk.length;
  }
  /** Remove the first n bytes (n <= length) and return them, or drop them when `keep` is false. */
  shift(n: number, keep: boolean): Buffer | undefined {
    const parts: Buffer[] = [];
    let left = n;
    while (left > 0) {
      const head = this.chunks[0]!;
      if (head.length <= left) {
        if (keep) parts.push(head);
        this.chunks.shift();
        left -= head.length;
      } else {
        if (keep) parts.push(head.subarray(0, left));
        this.chunks[0] = head.subarray(left);
        left = 0;
      }
    }
    this.length -= n;
    return keep ? (parts.length === 1 ? parts[0]! : Buffer.concat(parts, n)) : undefined;
  }
}

function cString(buf: Buffer, start: number, length: number): string {
  const field = buf.subarray(start, start + length);
  const end = field.indexOf(0);
  return field.subarray(0, end === -1 ? field.length : end).toString('utf8');
}

function numberField(buf: Buffer, start: number, length: number, where: string): number {
  const field = buf.subarray(start, start + length);
  if (field[0]! & 0x80) {
    // GNU base-256: big-endian two's complement in the remaining bits (only non-negative sizes are meaningful here).
    let value = field[0]! & 0x7f;
    for (let i = 1; i < field.length; i++) value = value * 256 + field[i]!;
    return value;
  }
  const text = cString(buf, start, length).trim();
  if (text === '') return 0;
  if (!/^[0-7]+$/.test(text)) throw new PersianLoraError('ERR_BAD_FORMAT', `Expected an octal number in the tar header of ${where} but received ${JSON.stringify(text)}`);
  return parseInt(text, 8);
}

function checksumOk(header: Buffer): boolean {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : header[i]!;
  const stored = parseInt(cString(header, 148, 8).trim(), 8);
  return stored === sum;
}

function parsePax(data: Buffer): Map<string, string> {
  const records = new Map<string, string>();
  let pos = 0;
  while (pos < data.length) {
    const space = data.indexOf(0x20, pos);
    if (space === -1) break;
    const length = parseInt(data.subarray(pos, space).toString('ascii'), 10);
    if (!Number.isFinite(length) || length <= 0) break;
    const record = data.subarray(space + 1, pos + length - 1).toString('utf8');
    const eq = record.indexOf('=');
    if (eq > 0) records.set(record.slice(0, eq), record.slice(eq + 1));
    pos += length;
  }
  return records;
}

function typeOf(flag: string): TarEntryType {
  if (flag === '0' || flag === '' || flag === '7') return 'file';
  if (flag === '5') return 'directory';
  if (flag === '2') return 'symlink';
  if (flag === '1') return 'hardlink';
  return 'other';
}

/**
 * Read a tar stream chunk by chunk and collect the regular files (and links) for which `want` returns true.
 * `label` names the archive in error messages. Files that are not wanted are skipped without being buffered.
 */
export async function readTar(
  chunks: AsyncIterable<Buffer> | Iterable<Buffer>,
  want: (entry: TarEntry) => boolean,
  label: string,
): Promise<TarFile[]> {
  const queue = new ByteQueue();
  const found: TarFile[] = [];
  let body: { entry: TarEntry; keep: boolean; remaining: number; padding: number; parts: Buffer[]; meta: 'L' | 'x' | 'g' | '' } | undefined;
  let longName: string | undefined;
  let pax = new Map<string, string>();
  let ended = false;

  const step = (): boolean => {
    if (body) {
      if (body.remaining > 0) {
        const n = Math.min(body.remaining, queue.length);
        if (n === 0) return false;
        const part = queue.shift(n, body.keep || body.meta !== '');
        if (part) body.parts.push(part);
        body.remaining -= n;
        return true;
      }
      if (queue.length < body.padding) return false;
      queue.shift(body.padding, false);
      const data = Buffer.concat(body.parts);
      if (body.meta === 'L') longName = cString(data, 0, data.length);
      else if (body.meta === 'x') pax = parsePax(data);
      else if (body.keep) found.push({ entry: body.entry, data });
      body = undefined;
      return true;
    }
    if (queue.length < BLOCK) return false;
    const header = queue.shift(BLOCK, true)!;
    if (header.every((b) => b === 0)) {
      ended = true;
      return false;
    }
    if (!checksumOk(header)) throw new PersianLoraError('ERR_BAD_FORMAT', `Bad tar header checksum in ${label} after ${found.length} kept entries`);
    const flag = String.fromCharCode(header[156]!).replace('\0', '');
    const name = cString(header, 0, 100);
    const prefix = header.subarray(257, 262).toString('ascii') === 'ustar' ? cString(header, 345, 155) : '';
    const size = numberField(header, 124, 12, label);
    const meta = flag === 'L' || flag === 'x' || flag === 'g' ? flag : '';
    let path = longName ?? pax.get('path') ?? (prefix ? `${prefix}/${name}` : name);
    path = path.replace(/^(\.\/)+/, '');
    const entry: TarEntry = { path, type: typeOf(flag), size, linkName: pax.get('linkpath') ?? cString(header, 157, 100) };
    if (meta === '') {
      longName = undefined;
      pax = new Map();
    }
    const keep = meta === '' && entry.type !== 'directory' && entry.type !== 'other' && want(entry);
    body = { entry, keep, remaining: size, padding: (BLOCK - (size % BLOCK)) % BLOCK, parts: [], meta: meta === 'g' ? '' : meta };
    if (meta === 'g') body.keep = false;
    return true;
  };

  for await (const chunk of chunks) {
    if (ended) continue;
    queue.push(chunk);
    while (!ended && step());
  }
  while (!ended && step());
  if (body) throw new PersianLoraError('ERR_BAD_FORMAT', `Truncated tar archive ${label}: entry ${JSON.stringify(body.entry.path)} is incomplete`);
  return found;
}
