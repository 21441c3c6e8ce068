#!/usr/bin/env node
// Rebuilds a pipeline run's report and screenshots report.html with headless Chromium (Debian: apt-get install chromium).
// Usage: node scripts/report-screenshot.mjs <run-dir> <out.png> [--width 1200] [--height 1500]
// Needs the compiled TypeScript (npx tsc -p tsconfig.json). CHROMIUM=/path/to/chromium picks another browser binary.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const { positionals, values } = parseArgs({ allowPositionals: true, options: { width: { type: 'string', default: '1200' }, height: { type: 'string', default: '1500' } } });
if (positionals.length !== 2) {
  console.error('Usage: node scripts/report-screenshot.mjs <run-dir> <out.png> [--width 1200] [--height 1500]');
  process.exit(2);
}
const [runDir, out] = positionals.map((p) => path.resolve(p));
const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const { writeReport } = await import(pathToFileURL(path.join(root, 'dist/lib/pipeline/report/index.js')).href);
const { html } = await writeReport(runDir);

const chromium = process.env.CHROMIUM ?? ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].find((p) => existsSync(p));
if (!chromium) {
  console.error('No Chromium found: install it (Debian: apt-get install chromium) or set CHROMIUM=/path/to/chromium');
  process.exit(1);
}
const r = spawnSync(chromium, [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--hide-scrollbars', '--force-device-scale-factor=1',
  `--window-size=${Number(values.width)},${Number(values.height)}`, `--screenshot=${out}`, pathToFileURL(html).href,
], { encoding: 'utf8' });
if (r.status !== 0 || !existsSync(out) || statSync(out).size === 0) {
  console.error(`Chromium failed (exit ${r.status}):\n${r.stderr}`);
  process.exit(1);
}
console.log(out);
