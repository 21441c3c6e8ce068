// The pipeline report from a run folder fixture: headline deltas and marks (hand-checked), perplexity, tokens per
// word, curves, timing, provenance; the HTML is self-contained; broken inputs are named.
import test from 'ava';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { buildReport, headlineTable, primaryMetric, readTrainingCurves, writeReport } from '../../../lib/pipeline/report/index.js';
import { loadRun } from '../../../lib/pipeline/report/load.js';
import { niceTicks, tickLabel } from '../../../lib/pipeline/report/svg.js';
import { aggregate } from '../eval/results/sample.js';
import { PERSIAN_TASK, makeRunFolder, manifest } from './report-fixture.js';

const run = makeRunFolder();
const report = await buildReport(run);
const md = report.markdown;
const lines = md.split('\n');
const row = (first: string) => lines.find((l) => l.startsWith(`|${first}|`));

test('headline table: columns by language, the primary metric of each task', (t) => {
  t.is(lines.find((l) => l.startsWith('|Stage|paper-fa')), `|Stage|paper-fa/sentiment (fa) acc ↑|${PERSIAN_TASK} (fa) rougeL ↑|heldout/fa (fa) bits_per_char ↓|paper-en/qa (en) chrf ↑|heldout/en (en) bits_per_byte ↓|`);
});

test('headline table: values, deltas against the base and the previous stage, non-overlap marked', (t) => {
  t.is(row('base'), '|base|0.5000 [0.4500, 0.5500]|0.2000 [0.1800, 0.2200]|1.2000 [1.1500, 1.2500]|40.0000 [38.0000, 42.0000]|0.9000 [0.8800, 0.9200]|');
  // Stage 0 follows the base: Δ prev would repeat Δ base and is left out. 1.20 vs [1.20, 1.30]: touching intervals overlap.
  t.is(row('stage 0 · vocabulary'), '|stage 0 · vocabulary|0.5200 [0.4700, 0.5700]; Δ base +0.0200|—|1.2500 [1.2000, 1.3000]; Δ base +0.0500|38.2000 [37.0000, 39.4000]; Δ base -1.8000|0.9100 [0.8900, 0.9300]; Δ base +0.0100|');
  // acc 0.65 [0.60, 0.70]: above the base's 0.55 and stage 0's 0.57 → both marked; chrF 41.5 [39.5, 43.5] overlaps the
  // base's [38, 42] but not stage 0's [37, 39.4]; the Persian task has no stage-0 value → Δ prev —.
  t.is(row('stage 1 · pretraining'), '|stage 1 · pretraining|0.6500 [0.6000, 0.7000]; Δ base +0.1500 *; Δ prev +0.1300 *|0.3000 [0.2700, 0.3300]; Δ base +0.1000 *; Δ prev —|0.9500 [0.9200, 0.9800]; Δ base -0.2500 *; Δ prev -0.3000 *|41.5000 [39.5000, 43.5000]; Δ base +1.5000; Δ prev +3.3000 *|0.9300 [0.9100, 0.9500]; Δ base +0.0300; Δ prev +0.0200|');
  t.is(row('stage 2 · alignment (skipped)'), '|stage 2 · alignment (skipped)|—|—|—|—|—|');
  t.is(row('stage 3 · instructions (skipped)'), '|stage 3 · instructions (skipped)|—|—|—|—|—|');
  t.is(report.headline, [...lines.slice(lines.findIndex((l) => l.startsWith('|Stage|paper-fa')), lines.findIndex((l) => l.startsWith('|stage 3')) + 1), '', lines.find((l) => l.startsWith('`*` (bold')), ''].join('\n'));
});

test('headline data: deltas come from compare() against the base and the previous evaluated stage', async (t) => {
  const table = headlineTable(await loadRun(run));
  const pretrain = table.rows.find((r) => r.stage.record.id === 'pretrain')!;
  t.is(pretrain.previous!.record.id, 'vocab');
  const acc = pretrain.cells[0]!;
  t.true(Math.abs(acc.vsBase!.delta! - 0.15) < 1e-12);
  t.true(Math.abs(acc.vsPrevious!.delta! - 0.13) < 1e-12);
  t.true(acc.vsBase!.separated && acc.vsPrevious!.separated);
  t.deepEqual(table.rows.map((r) => r.stage.record.status), ['done', 'done', 'done', 'skipped', 'skipped']);
});

test('primary metric per kind of task', (t) => {
  const a = (m: Parameters<typeof aggregate>[0]) => aggregate(m, 1, [0, 2]);
  t.is(primaryMetric({ mode: 'loglikelihood', aggregates: [a('acc_norm'), a('acc')] }), 'acc');
  t.is(primaryMetric({ mode: 'generate', aggregates: [a('bleu'), a('chrf')] }), 'chrf');
  t.is(primaryMetric({ mode: 'generate', aggregates: [a('rouge2'), a('token_f1')] }), 'rouge2');
  t.is(primaryMetric({ mode: 'perplexity', aggregates: [a('token_perplexity'), a('bits_per_byte'), a('bits_per_char')] }), 'bits_per_char');
  t.is(primaryMetric({ mode: 'perplexity', aggregates: [a('token_perplexity'), a('bits_per_byte')] }), 'bits_per_byte');
  t.is(primaryMetric({ mode: 'generate', aggregates: [] }), null);
});

test('full comparison: columns named by stage and model/adapter file names, no timestamps', (t) => {
  t.true(md.includes('|Task|Mode|Metric|base: tiny|stage 0 · vocabulary: extended|Δ stage 0 · vocabulary: extended|stage 1 · pretraining: extended + adapter|Δ stage 1 · pretraining: extended + adapter|'));
  t.true(md.includes('|heldout/fa|perplexity|token_perplexity|30.0000 [28.0000, 32.0000]|80.0000 [75.0000, 85.0000]|+50.0000 *|20.0000 [19.0000, 21.0000]|-10.0000 *|'));
  t.false(/2026120/.test(md.split('## Held-out')[0]!));
});

test('held-out perplexity per token and per character, with the comparability sentence', (t) => {
  t.true(md.includes('|Stage|fa (heldout/fa): perplexity per token ↓|fa (heldout/fa): bits per character ↓|en (heldout/en): perplexity per token ↓|en (heldout/en): bits per byte ↓|'));
  t.true(md.includes('|stage 0 · vocabulary|80.0000 [75.0000, 85.0000]|1.2500 [1.2000, 1.3000]|12.1000 [11.1000, 13.1000]|0.9100 [0.8900, 0.9300]|'));
  t.regex(md, /Only the per-character figure \(per byte where bits per character were not computed\) compares across a vocabulary extension/);
});

test('tokens per word before and after stage 0', (t) => {
  t.true(md.includes('|before stage 0|4.93|1.10|1\u2009000|4\u2009930|'));
  t.true(md.includes('|after stage 0|1.46|3.70|1\u2009000|1\u2009460|'));
  t.true(md.includes('Tokens per word 4.93 → 1.46 (−70.4 %).'));
  t.true(md.includes('16\u2009000 new tokens (ids 32000–47999). Figures on the held-out text `heldout/fa.txt`.'));
});

test('time per stage and the share outside training and evaluation', (t) => {
  t.true(md.includes('|stage 1 · pretraining|16 min 40 s|13 min 20 s|1 min 40 s|1 min 40 s|10.0 %|163\u2009840|512.3|'));
  // 100 + 300 + 1000 s in all, 800 training, 270 evaluating: 330 s (23.6 %) elsewhere.
  t.true(md.includes('|all stages|23 min 20 s|13 min 20 s|4 min 30 s|5 min 30 s|23.6 %|163\u2009840|204.8|'));
  t.true(md.includes('23.6 % of the run\'s time (5 min 30 s of 23 min 20 s) was spent outside training and evaluation'));
});

test('config, file hashes and versions', (t) => {
  t.true(md.includes('```yaml\nname: fixture run\nbase: /models/tiny.gguf\n'));
  t.true(md.includes(`|stage 1 · pretraining|output|adapter|\`train/pretrain/adapter.gguf\`|4.00 KiB|\`${'e'.repeat(64)}\`|`));
  t.true(md.includes(`|—|config|config|\`/configs/run.yaml\`|321 B|\`${'c'.repeat(64)}\`|`));
  t.true(md.includes('- llama.cpp: b0000 (fd570ef5)'));
  t.true(md.startsWith('# fixture run: report\n'));
});

test('curves: resume drops the steps logged again, a cut last line is ignored', async (t) => {
  const curves = (await readTrainingCurves(path.join(run, 'train/pretrain/metrics.jsonl')))!;
  t.deepEqual(curves.steps.map((p) => p.step), Array.from({ length: 40 }, (_, i) => i + 1));
  t.true(Math.abs(curves.steps[20]!.loss - (2 + 6.5 * Math.exp(-21 / 8))) < 1e-12); // the re-logged step 21, not the first one
  t.deepEqual(curves.evals.map((p) => p.step), [10, 20, 30, 40]);
  t.is(await readTrainingCurves(path.join(run, 'none.jsonl')), null);
  const bad = path.join(run, 'bad-metrics.jsonl');
  writeFileSync(bad, '{"type":"step","step":1,"loss":2,"lr":1}\n{oops\n{"type":"step","step":2,"loss":2,"lr":1}\n');
  await t.throwsAsync(readTrainingCurves(bad), { code: 'ERR_BAD_FORMAT', message: `Training metrics ${bad}, line 2: not valid JSON (${(() => { try { JSON.parse('{oops'); } catch (e) { return (e as Error).message; } return ''; })()})` });
});

test('curves figure: a linked SVG in the markdown, inline in the HTML, with axes, ticks and labels', (t) => {
  t.true(md.includes('![stage 1 · pretraining: training loss per step (line), validation loss (points) and learning rate.](loss-pretrain.svg)'));
  t.is(report.figures.length, 1);
  const svg = report.figures[0]!.svg;
  t.is(report.figures[0]!.file, 'loss-pretrain.svg');
  t.is(svg.match(/<polyline class="train-loss" points="([^"]+)"/)![1]!.split(' ').length, 40);
  t.is(svg.match(/<polyline class="learning-rate" points="([^"]+)"/)![1]!.split(' ').length, 40);
  t.is(svg.match(/<circle class="validation-loss"/g)!.length, 4);
  for (const label of ['loss (nats/token)', 'learning rate', 'optimizer step', '>2e-4<', '>40<']) t.true(svg.includes(label), label);
  t.true(report.html.includes(svg));
  t.deepEqual(niceTicks(0, 40, 8), [0, 5, 10, 15, 20, 25, 30, 35, 40]);
  t.deepEqual(niceTicks(2.04, 8.5, 5), [2, 4, 6, 8, 10]);
  t.is(tickLabel(0.00025), '2.5e-4');
  t.is(tickLabel(2.5), '2.5');
});

test('HTML: one self-contained page, cells with dir="auto", text escaped', (t) => {
  const html = report.html;
  t.true(html.startsWith('<!DOCTYPE html>\n<html lang="en" dir="ltr">'));
  t.false(/<script|<link|<img|@import|url\(/i.test(html));
  t.deepEqual([...new Set(html.match(/https?:\/\/[^"' )]+/g))], ['http://www.w3.org/2000/svg']);
  t.true(html.includes(`<th dir="auto">${PERSIAN_TASK} (fa) rougeL ↑</th>`));
  t.false(/<t[dh](?![^>]*dir="auto")[ >]/.test(html));
  t.true(html.includes('<span class="line marked">Δ base +0.1500 *</span>'));
  t.true(html.includes('<span class="line muted">Δ base +0.0200</span>'));
  for (const id of ['results', 'perplexity', 'vocab', 'training', 'timing', 'config', 'files', 'versions']) t.true(html.includes(`<section id="${id}">`), id);
});

test('writeReport writes report.md, report.html and the figure atomically', async (t) => {
  const dir = makeRunFolder();
  const written = await writeReport(dir);
  t.deepEqual(written.figures, [path.join(dir, 'loss-pretrain.svg')]);
  t.is(readFileSync(written.markdown, 'utf8'), (await buildReport(dir)).markdown);
  t.is(readFileSync(written.html, 'utf8'), (await buildReport(dir)).html);
  t.true(existsSync(path.join(dir, 'loss-pretrain.svg')));
  t.deepEqual(readdirSync(dir).filter((f) => f.includes('.tmp-')), []);
});

test('a missing or corrupt manifest is an error naming the file', async (t) => {
  const dir = makeRunFolder();
  const file = path.join(dir, 'manifest.json');
  rmSync(file);
  await t.throwsAsync(buildReport(dir), { code: 'ERR_FILE_NOT_FOUND', message: `Manifest ${file} does not exist` });
  writeFileSync(file, '{"schema":');
  await t.throwsAsync(buildReport(dir), { code: 'ERR_BAD_FORMAT', message: new RegExp(`^Manifest ${file} is not valid JSON`) });
  writeFileSync(file, JSON.stringify({ ...manifest(), schema: 'other' }));
  await t.throwsAsync(buildReport(dir), { code: 'ERR_BAD_FORMAT', message: `Manifest ${file}: Expected one of "persian-lora/pipeline-manifest@1" for manifest.schema but received "other"` });
});

test('a missing or invalid results file is named with its stage', async (t) => {
  const dir = makeRunFolder();
  const file = path.join(dir, 'eval/vocab.json');
  rmSync(file);
  await t.throwsAsync(buildReport(dir), { code: 'ERR_FILE_NOT_FOUND', message: `Evaluation results of stage 0 · vocabulary ${file} does not exist` });
  writeFileSync(file, JSON.stringify({ schema: 'persian-lora/eval-results@1' }));
  await t.throwsAsync(buildReport(dir), { code: 'ERR_BAD_FORMAT', message: new RegExp(`^Evaluation results of stage 0 · vocabulary ${file}: Expected .* for results\\.`) });
});

test('a training stage whose metrics.jsonl is gone says so instead of drawing', async (t) => {
  const dir = makeRunFolder();
  rmSync(path.join(dir, 'train/pretrain/metrics.jsonl'));
  const r = await buildReport(dir);
  t.deepEqual(r.figures, []);
  t.true(r.markdown.includes('No curves: `train/pretrain/metrics.jsonl` does not exist.'));
});
