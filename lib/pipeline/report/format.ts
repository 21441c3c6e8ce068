// Number, duration and size formats shared by the report's sections.

/** `3 h 02 min`, `4 min 05 s`, `12.3 s`. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '—';
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (h > 0) return `${h} h ${String(m).padStart(2, '0')} min`;
  return `${m} min ${String(s % 60).padStart(2, '0')} s`;
}

/** A percentage with one decimal, `—` when the whole is 0. */
export function formatShare(part: number, whole: number): string {
  return whole > 0 ? `${((100 * part) / whole).toFixed(1)} %` : '—';
}

/** Thousands separated by thin spaces: `1 234 567`; fractions kept to `digits`. */
export function formatCount(x: number, digits = 0): string {
  const [int, frac] = x.toFixed(digits).split('.');
  const grouped = int!.replace(/\B(?=(\d{3})+(?!\d))/g, '\u2009');
  return frac ? `${grouped}.${frac}` : grouped;
}

/** `1.2 GiB`, `340 KiB`, `12 B`. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let x = bytes;
  let u = 0;
  while (x >= 1024 && u < units.length - 1) { x /= 1024; u++; }
  return u === 0 ? `${bytes} B` : `${x.toFixed(x < 10 ? 2 : 1)} ${units[u]}`;
}

/** A signed delta with 4 decimals, as lib/eval/results/compare.ts prints it. */
export function formatDelta(x: number | null): string {
  return x === null ? '—' : `${x >= 0 ? '+' : ''}${x.toFixed(4)}`;
}
