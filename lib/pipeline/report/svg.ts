// Loss and learning-rate curves of one training stage as a standalone SVG: two panels over the same step axis,
// with axes, ticks and labels; training loss as a line, validation loss as points, the learning rate as a line.
import type { TrainingCurves } from './curves.js';
import { escapeXml } from './escape.js';

/** Stroke colours, exported for the rendering test (which looks for them in a screenshot). */
export const CURVE_COLORS = { trainLoss: '#1f5fbf', validationLoss: '#d9480f', learningRate: '#2b8a3e', axis: '#444444', grid: '#e3e3e3' } as const;

const WIDTH = 760;
const LEFT = 72;
const RIGHT = 20;
const LOSS_TOP = 40;
const LOSS_HEIGHT = 220;
const LR_TOP = LOSS_TOP + LOSS_HEIGHT + 44;
const LR_HEIGHT = 110;
const HEIGHT = LR_TOP + LR_HEIGHT + 56;
const PLOT_WIDTH = WIDTH - LEFT - RIGHT;

/** About `count` round tick values covering [lo, hi] (1, 2, 2.5, 5 × 10^k steps). */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) {
    const pad = lo === 0 ? 1 : Math.abs(lo) * 0.1;
    return niceTicks(lo - pad, hi + pad, count);
  }
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw)!;
  const first = Math.floor(lo / step + 1e-9) * step;
  const ticks: number[] = [];
  for (let v = first; v <= hi + step * 1e-9 || ticks.length < 2; v += step) ticks.push(Number(v.toPrecision(12)));
  if (ticks[ticks.length - 1]! < hi) ticks.push(Number((ticks[ticks.length - 1]! + step).toPrecision(12)));
  return ticks;
}

/** Tick labels: plain for moderate magnitudes, `2e-4` style for small learning rates. */
export function tickLabel(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a < 1e-2 || a >= 1e6) {
    const [mantissa, exponent] = v.toExponential(3).split('e');
    return `${mantissa!.replace(/\.?0+$/, '')}e${exponent!.replace('+', '')}`;
  }
  return String(Number(v.toPrecision(4)));
}

interface Axis { ticks: number[]; at: (v: number) => number }

function axis(lo: number, hi: number, start: number, length: number, flip: boolean, count: number): Axis {
  const ticks = niceTicks(lo, hi, count);
  const t0 = ticks[0]!;
  const t1 = ticks[ticks.length - 1]!;
  const at = (v: number) => (flip ? start + length - ((v - t0) / (t1 - t0)) * length : start + ((v - t0) / (t1 - t0)) * length);
  return { ticks, at };
}

const f = (x: number) => x.toFixed(1);

function panel(opts: { top: number; height: number; x: Axis; y: Axis; yLabel: string; xLabel: string | null }): string[] {
  const { top, height, x, y } = opts;
  const bottom = top + height;
  const right = LEFT + PLOT_WIDTH;
  const out: string[] = [];
  for (const t of y.ticks) {
    const py = f(y.at(t));
    out.push(`<line x1="${LEFT}" y1="${py}" x2="${right}" y2="${py}" stroke="${CURVE_COLORS.grid}" stroke-width="1"/>`);
    out.push(`<text x="${LEFT - 6}" y="${py}" text-anchor="end" dominant-baseline="middle" class="tick">${escapeXml(tickLabel(t))}</text>`);
  }
  for (const t of x.ticks) {
    const px = f(x.at(t));
    out.push(`<line x1="${px}" y1="${bottom}" x2="${px}" y2="${bottom + 5}" stroke="${CURVE_COLORS.axis}" stroke-width="1"/>`);
    out.push(`<text x="${px}" y="${bottom + 17}" text-anchor="middle" class="tick">${escapeXml(tickLabel(t))}</text>`);
  }
  out.push(`<path d="M${LEFT},${top} V${bottom} H${right}" fill="none" stroke="${CURVE_COLORS.axis}" stroke-width="1.2"/>`);
  out.push(`<text transform="translate(16,${f(top + height / 2)}) rotate(-90)" text-anchor="middle" class="label">${escapeXml(opts.yLabel)}</text>`);
  if (opts.xLabel) out.push(`<text x="${f(LEFT + PLOT_WIDTH / 2)}" y="${bottom + 36}" text-anchor="middle" class="label">${escapeXml(opts.xLabel)}</text>`);
  return out;
}

function polyline(points: Array<[number, number]>, color: string, cls: string): string {
  if (points.length === 1) return `<circle class="${cls}" cx="${f(points[0]![0])}" cy="${f(points[0]![1])}" r="3" fill="${color}"/>`;
  return `<polyline class="${cls}" points="${points.map(([x, y]) => `${f(x)},${f(y)}`).join(' ')}" fill="none" stroke="${color}" stroke-width="2.5" stroke-linejoin="round" stroke-linecap="round"/>`;
}

/** The stage's figure; `title` is drawn above the plots. Curves without any step draw empty axes and say so. */
export function renderCurvesSvg(curves: TrainingCurves, title: string): string {
  const steps = curves.steps;
  const losses = [...steps.map((p) => p.loss), ...curves.evals.map((p) => p.loss)];
  const stepValues = [...steps.map((p) => p.step), ...curves.evals.map((p) => p.step)];
  const x = axis(Math.min(0, ...stepValues), Math.max(1, ...stepValues), LEFT, PLOT_WIDTH, false, 8);
  const yLoss = axis(losses.length ? Math.min(...losses) : 0, losses.length ? Math.max(...losses) : 1, LOSS_TOP, LOSS_HEIGHT, true, 5);
  const lrs = steps.map((p) => p.lr);
  const yLr = axis(0, lrs.length ? Math.max(...lrs) : 1, LR_TOP, LR_HEIGHT, true, 3);

  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" class="curves" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-label="${escapeXml(title)}">`,
    '<style>text{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","DejaVu Sans",sans-serif;fill:#222}.tick{font-size:11px}.label{font-size:12px}.title{font-size:14px;font-weight:600}.legend{font-size:12px}</style>',
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="#ffffff"/>`,
    `<text x="${LEFT}" y="20" class="title">${escapeXml(title)}</text>`,
    ...panel({ top: LOSS_TOP, height: LOSS_HEIGHT, x, y: yLoss, yLabel: 'loss (nats/token)', xLabel: null }),
    ...panel({ top: LR_TOP, height: LR_HEIGHT, x, y: yLr, yLabel: 'learning rate', xLabel: 'optimizer step' }),
  ];
  if (steps.length > 0) {
    out.push(polyline(steps.map((p) => [x.at(p.step), yLoss.at(p.loss)]), CURVE_COLORS.trainLoss, 'train-loss'));
    out.push(polyline(steps.map((p) => [x.at(p.step), yLr.at(p.lr)]), CURVE_COLORS.learningRate, 'learning-rate'));
  } else {
    out.push(`<text x="${f(LEFT + PLOT_WIDTH / 2)}" y="${f(LOSS_TOP + LOSS_HEIGHT / 2)}" text-anchor="middle" class="label">no training step logged</text>`);
  }
  for (const p of curves.evals) {
    out.push(`<circle class="validation-loss" cx="${f(x.at(p.step))}" cy="${f(yLoss.at(p.loss))}" r="4.5" fill="${CURVE_COLORS.validationLoss}" stroke="#ffffff" stroke-width="1"/>`);
  }
  // Legend, top right.
  const lx = LEFT + PLOT_WIDTH - 300;
  out.push(
    `<g class="legend"><line x1="${lx}" y1="16" x2="${lx + 22}" y2="16" stroke="${CURVE_COLORS.trainLoss}" stroke-width="2.5"/>`,
    `<text x="${lx + 28}" y="20">training loss</text>`,
    `<circle cx="${lx + 122}" cy="16" r="4.5" fill="${CURVE_COLORS.validationLoss}"/><text x="${lx + 132}" y="20">validation loss</text>`,
    `<line x1="${lx + 232}" y1="16" x2="${lx + 254}" y2="16" stroke="${CURVE_COLORS.learningRate}" stroke-width="2.5"/>`,
    `<text x="${lx + 260}" y="20">lr</text></g>`,
    '</svg>',
  );
  return out.join('\n') + '\n';
}
