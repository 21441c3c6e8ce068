// The pipeline report rendered by a real headless Chromium (Debian's `chromium`; .ci/run installs it): the DevTools
// protocol over --remote-debugging-pipe gives the layout of the headline table and the curves, a full-page PNG is
// decoded with node:zlib, and the table's header background and the curves' stroke colours must be in those places.
import test from 'ava';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { inflateSync } from 'node:zlib';
import { CURVE_COLORS, HEADER_BACKGROUND, writeReport } from '../../lib/pipeline/report/index.js';
import { PERSIAN_TASK, makeRunFolder } from '../unit/pipeline/report-fixture.js';

const CHROMIUM = process.env.CHROMIUM ?? ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p)) ?? null;
const MISSING = 'Chromium is not installed (looked for /usr/bin/chromium): install it with `apt-get install chromium` (Debian; .ci/run installs it in CI) or set CHROMIUM=/path/to/chromium';
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const WIDTH = 1200;

// ---- PNG decoding (8-bit RGB or RGBA, not interlaced: what Chromium writes) ----
interface Image { width: number; height: number; pixel(x: number, y: number): [number, number, number] }

function decodePng(png: Buffer): Image {
  if (png.readUInt32BE(0) !== 0x89504e47) throw new Error('not a PNG');
  let offset = 8;
  let width = 0, height = 0, bitDepth = 0, colorType = 0, interlace = 0;
  const idat: Buffer[] = [];
  while (offset < png.length) {
    const length = png.readUInt32BE(offset);
    const type = png.toString('latin1', offset + 4, offset + 8);
    const data = png.subarray(offset + 8, offset + 8 + length);
    if (type === 'IHDR') { width = data.readUInt32BE(0); height = data.readUInt32BE(4); bitDepth = data[8]!; colorType = data[9]!; interlace = data[12]!; }
    if (type === 'IDAT') idat.push(data);
    if (type === 'IEND') break;
    offset += 12 + length;
  }
  if (bitDepth !== 8 || (colorType !== 2 && colorType !== 6) || interlace !== 0) throw new Error(`unsupported PNG: depth ${bitDepth}, colour type ${colorType}, interlace ${interlace}`);
  const bpp = colorType === 6 ? 4 : 3;
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * bpp;
  const out = Buffer.alloc(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let i = 0; i < stride; i++) {
      const a = i >= bpp ? out[y * stride + i - bpp]! : 0;
      const b = y > 0 ? out[(y - 1) * stride + i]! : 0;
      const c = i >= bpp && y > 0 ? out[(y - 1) * stride + i - bpp]! : 0;
      let v = line[i]!;
      if (filter === 1) v += a;
      else if (filter === 2) v += b;
      else if (filter === 3) v += (a + b) >> 1;
      else if (filter === 4) { const p = a + b - c; const pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c); v += pa <= pb && pa <= pc ? a : pb <= pc ? b : c; }
      out[y * stride + i] = v & 0xff;
    }
  }
  return { width, height, pixel: (x, y) => { const i = y * stride + x * bpp; return [out[i]!, out[i + 1]!, out[i + 2]!]; } };
}

const rgb = (hex: string): [number, number, number] => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)) as [number, number, number];
interface Rect { x: number; y: number; width: number; height: number }

/** Pixels inside `rect` (page coordinates) within `tolerance` of `hex` on every channel, and the rect's pixel count. */
function count(img: Image, rect: Rect, hex: string, tolerance: number): { hits: number; total: number; xs: number[] } {
  const [r, g, b] = rgb(hex);
  let hits = 0, total = 0;
  const xs: number[] = [];
  for (let y = Math.max(0, Math.floor(rect.y)); y < Math.min(img.height, Math.ceil(rect.y + rect.height)); y++) {
    for (let x = Math.max(0, Math.floor(rect.x)); x < Math.min(img.width, Math.ceil(rect.x + rect.width)); x++) {
      total++;
      const p = img.pixel(x, y);
      if (Math.abs(p[0] - r) <= tolerance && Math.abs(p[1] - g) <= tolerance && Math.abs(p[2] - b) <= tolerance) { hits++; xs.push(x); }
    }
  }
  return { hits, total, xs };
}

// ---- DevTools protocol over --remote-debugging-pipe (fd 3: commands in, fd 4: replies and events out, NUL-separated) ----
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

class Browser {
  private nextId = 1;
  private replies = new Map<number, { resolve: (v: Json) => void; reject: (e: Error) => void }>();
  private waiters: Array<{ method: string; sessionId: string | undefined; resolve: (v: Json) => void }> = [];
  private buffer = '';
  private exited: Promise<number | null>;
  private stderr = '';

  constructor(private readonly userDataDir: string) {
    const child = spawn(CHROMIUM!, [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--hide-scrollbars', '--force-device-scale-factor=1',
      '--no-first-run', '--no-default-browser-check', `--user-data-dir=${userDataDir}`, '--remote-debugging-pipe', 'about:blank',
    ], { stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'] });
    child.stderr!.on('data', (d) => { this.stderr += d; });
    this.input = child.stdio[3] as Writable;
    const output = child.stdio[4] as Readable;
    output.setEncoding('utf8');
    output.on('data', (chunk: string) => {
      this.buffer += chunk;
      for (let i = this.buffer.indexOf('\0'); i >= 0; i = this.buffer.indexOf('\0')) {
        const message = JSON.parse(this.buffer.slice(0, i)) as Json;
        this.buffer = this.buffer.slice(i + 1);
        this.dispatch(message);
      }
    });
    this.exited = new Promise((resolve) => {
      const fail = (why: string) => {
        for (const r of this.replies.values()) r.reject(new Error(`Chromium ${why} before replying; stderr:\n${this.stderr.slice(-2000)}`));
        this.replies.clear();
      };
      child.on('error', (e) => { fail(`failed to start (${e.message})`); resolve(null); });
      child.on('exit', (code) => { fail(`exited with ${code}`); resolve(code); });
    });
  }

  private readonly input: Writable;

  private dispatch(m: Json): void {
    if (typeof m.id === 'number') {
      const r = this.replies.get(m.id);
      this.replies.delete(m.id);
      if (m.error) r?.reject(new Error(`${m.error.message} (${JSON.stringify(m.error)})`));
      else r?.resolve(m.result as Json);
      return;
    }
    const i = this.waiters.findIndex((w) => w.method === m.method && w.sessionId === m.sessionId);
    if (i >= 0) this.waiters.splice(i, 1)[0]!.resolve(m.params as Json);
  }

  send(method: string, params: Json = {}, sessionId?: string): Promise<Json> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.replies.set(id, { resolve, reject });
      this.input.write(JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) }) + '\0');
    });
  }

  /** Resolves on the next `method` event of the session (register before causing it). */
  event(method: string, sessionId?: string): Promise<Json> {
    return new Promise((resolve) => this.waiters.push({ method, sessionId, resolve }));
  }

  async close(): Promise<void> {
    await this.send('Browser.close').catch(() => undefined);
    await this.exited;
    rmSync(this.userDataDir, { recursive: true, force: true });
  }
}

interface Layout {
  headlineHead: Rect; lossLine: Rect; lrLine: Rect; figure: Rect; validation: Rect[];
  bodyRows: number; persianDirection: string; latinDirection: string; markedWeight: string; pageHeight: number;
}

const LAYOUT = `(() => {
  const rect = (el) => { const r = el.getBoundingClientRect(); return { x: r.left + scrollX, y: r.top + scrollY, width: r.width, height: r.height }; };
  const ths = [...document.querySelectorAll('#headline thead th')];
  return {
    headlineHead: rect(document.querySelector('#headline thead')),
    lossLine: rect(document.querySelector('#curves-pretrain polyline.train-loss')),
    lrLine: rect(document.querySelector('#curves-pretrain polyline.learning-rate')),
    figure: rect(document.querySelector('#curves-pretrain svg')),
    validation: [...document.querySelectorAll('#curves-pretrain circle.validation-loss')].map(rect),
    bodyRows: document.querySelectorAll('#headline tbody tr').length,
    persianDirection: getComputedStyle(ths.find((th) => th.textContent.includes(${JSON.stringify(PERSIAN_TASK)}))).direction,
    latinDirection: getComputedStyle(ths.find((th) => th.textContent.startsWith('paper-fa/sentiment'))).direction,
    markedWeight: getComputedStyle(document.querySelector('#headline .marked')).fontWeight,
    pageHeight: Math.ceil(document.documentElement.scrollHeight),
  };
})()`;

async function render(html: string): Promise<{ layout: Layout; image: Image }> {
  const browser = new Browser(mkdtempSync(path.join(tmpdir(), 'pl-chromium-')));
  try {
    const { targetId } = await browser.send('Target.createTarget', { url: 'about:blank' });
    const { sessionId } = await browser.send('Target.attachToTarget', { targetId, flatten: true });
    await browser.send('Page.enable', {}, sessionId);
    await browser.send('Emulation.setDeviceMetricsOverride', { width: WIDTH, height: 900, deviceScaleFactor: 1, mobile: false }, sessionId);
    const loaded = browser.event('Page.loadEventFired', sessionId);
    await browser.send('Page.navigate', { url: pathToFileURL(html).href }, sessionId);
    await loaded;
    const evaluated = await browser.send('Runtime.evaluate', { expression: LAYOUT, returnByValue: true }, sessionId);
    if (evaluated.exceptionDetails) throw new Error(`layout query failed: ${JSON.stringify(evaluated.exceptionDetails)}`);
    const layout = evaluated.result.value as Layout;
    const shot = await browser.send('Page.captureScreenshot', { format: 'png', captureBeyondViewport: true, clip: { x: 0, y: 0, width: WIDTH, height: layout.pageHeight, scale: 1 } }, sessionId);
    return { layout, image: decodePng(Buffer.from(shot.data as string, 'base64')) };
  } finally {
    await browser.close();
  }
}

test('report.html renders: the headline table with its header background, the curves in their colours, RTL cells', async (t) => {
  if (!CHROMIUM) return t.fail(MISSING);
  const run = makeRunFolder('pl-report-chromium-');
  const { html } = await writeReport(run);
  const { layout, image } = await render(html);
  t.is(image.width, WIDTH);
  t.is(image.height, layout.pageHeight);
  t.is(layout.bodyRows, 5);
  t.is(layout.persianDirection, 'rtl');
  t.is(layout.latinDirection, 'ltr');
  t.is(layout.markedWeight, '700');

  // The header row: mostly header background (the rest is its text).
  const head = count(image, layout.headlineHead, HEADER_BACKGROUND, 2);
  t.true(layout.headlineHead.width > 600 && layout.headlineHead.height > 20, JSON.stringify(layout.headlineHead));
  t.true(head.hits / head.total > 0.6, `header background ${head.hits}/${head.total}`);

  // The curves: stroke pixels along the whole width of each line's box, none of them in the table's header.
  const pad = (r: Rect): Rect => ({ x: r.x - 3, y: r.y - 3, width: r.width + 6, height: r.height + 6 });
  t.true(layout.lossLine.y > layout.headlineHead.y + layout.headlineHead.height && layout.lossLine.width > 500, JSON.stringify(layout.lossLine));
  for (const [name, rect, color] of [['training loss', layout.lossLine, CURVE_COLORS.trainLoss], ['learning rate', layout.lrLine, CURVE_COLORS.learningRate]] as const) {
    const stroke = count(image, pad(rect), color, 12);
    t.true(stroke.hits > 300, `${name}: ${stroke.hits} stroke pixels`);
    t.true(Math.min(...stroke.xs) < rect.x + rect.width * 0.1 && Math.max(...stroke.xs) > rect.x + rect.width * 0.9, `${name} spans its box`);
    t.is(count(image, layout.headlineHead, color, 12).hits, 0, `${name} colour in the table header`);
  }
  // Four validation points, each drawn in its colour at its centre.
  t.is(layout.validation.length, 4);
  for (const c of layout.validation) {
    const centre = { x: c.x + c.width / 2 - 1.5, y: c.y + c.height / 2 - 1.5, width: 3, height: 3 };
    t.true(count(image, centre, CURVE_COLORS.validationLoss, 12).hits >= 4, `validation point at ${JSON.stringify(c)}`);
  }
  // The loss line lies above the learning-rate line inside the figure.
  t.true(layout.lossLine.y + layout.lossLine.height < layout.lrLine.y && layout.lrLine.y + layout.lrLine.height <= layout.figure.y + layout.figure.height);
  rmSync(run, { recursive: true, force: true });
});

test('scripts/report-screenshot.mjs writes a PNG of the report, 1200 px wide', (t) => {
  if (!CHROMIUM) return t.fail(MISSING);
  const run = makeRunFolder('pl-report-shot-');
  const out = path.join(run, 'shot.png');
  const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts/report-screenshot.mjs'), run, out, '--height', '700'], { encoding: 'utf8', env: { ...process.env, CHROMIUM } });
  t.is(r.status, 0, r.stderr);
  t.is(r.stdout.trim(), out);
  const image = decodePng(readFileSync(out));
  t.deepEqual([image.width, image.height], [1200, 700]);
  t.true(count(image, { x: 0, y: 0, width: 1200, height: 700 }, HEADER_BACKGROUND, 2).hits > 5000);
  rmSync(run, { recursive: true, force: true });
});
