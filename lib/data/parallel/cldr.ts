// Pairs the English and Persian values of CLDR JSON files that sit at the same JSON path.
import { PersianLoraError } from '../../errors.js';
import type { SourcePair } from './mo.js';

/** Path segments whose values are patterns or metadata rather than text (`identity`, `dateFormats`, `gmtFormat`, …). */
const SKIP_SEGMENT = /^(identity|version|appendItems)$|Formats?$|Skeletons$/;

/** The locale's own subtree: `main.<locale>` in the `main/` files, the file's single top-level object otherwise. */
function localeRoot(json: unknown, locale: string): unknown {
  if (json !== null && typeof json === 'object') {
    const main = (json as Record<string, unknown>)['main'];
    if (main !== null && typeof main === 'object' && locale in main) return (main as Record<string, unknown>)[locale];
  }
  return json;
}

/**
 * Walk two JSON trees in step and pair the strings found at the same path. Arrays pair only when both hold exactly one
 * string (CLDR's `tts` names); longer arrays are keyword lists whose order carries no alignment.
 */
export function pairJsonByPath(en: unknown, fa: unknown, path: string[] = [], out: Array<SourcePair & { path: string }> = []): Array<SourcePair & { path: string }> {
  if (typeof en === 'string' && typeof fa === 'string') {
    out.push({ en, fa, path: path.join('/') });
  } else if (Array.isArray(en) && Array.isArray(fa)) {
    if (en.length === 1 && fa.length === 1) pairJsonByPath(en[0], fa[0], [...path, '0'], out);
  } else if (en !== null && fa !== null && typeof en === 'object' && typeof fa === 'object' && !Array.isArray(en) && !Array.isArray(fa)) {
    const faObject = fa as Record<string, unknown>;
    for (const [key, value] of Object.entries(en as Record<string, unknown>)) {
      if (SKIP_SEGMENT.test(key) || !(key in faObject)) continue;
      pairJsonByPath(value, faObject[key], [...path, key], out);
    }
  }
  return out;
}

/**
 * Pair every `<dir>/en/<name>.json` with `<dir>/fa/<name>.json` among `files` (path → contents), in path order.
 * Each pair's `path` is `<dir>/<name>.json#<json path>`.
 */
export function cldrPairs(files: Map<string, Buffer>, label: string, locale = 'fa'): Array<SourcePair & { path: string }> {
  const out: Array<SourcePair & { path: string }> = [];
  const english = [...files.keys()].filter((p) => /\/en\/[^/]+\.json$/.test(p)).sort();
  for (const enPath of english) {
    const faPath = enPath.replace(/\/en\/([^/]+)$/, `/${locale}/$1`);
    const faData = files.get(faPath);
    if (!faData) continue;
    const parse = (p: string, data: Buffer): unknown => {
      try {
        return JSON.parse(data.toString('utf8'));
      } catch (error) {
        throw new PersianLoraError('ERR_BAD_FORMAT', `Invalid JSON in ${label}:${p}: ${(error as Error).message}`);
      }
    };
    const file = enPath.replace(/\/en\/([^/]+)$/, '/$1');
    for (const pair of pairJsonByPath(localeRoot(parse(enPath, files.get(enPath)!), 'en'), localeRoot(parse(faPath, faData), locale))) {
      out.push({ en: pair.en, fa: pair.fa, path: `${file}#${pair.path}` });
    }
  }
  return out;
}
