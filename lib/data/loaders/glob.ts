// Glob patterns over slash-separated paths: `*` within one segment, `**` across segments, `?` one character.
// Kept over picomatch (a difference): picomatch reads `(`, `+(` as groups and extglobs, so `a+b (1).txt` no longer matches itself (picomatch 4.0.7, makeRe with dot: true); repository paths need only `*`, `**`, `?`.

export function globToRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') {
      if (pattern[i + 1] === '*') {
        const slashAfter = pattern[i + 2] === '/';
        re += slashAfter ? '(?:.*/)?' : '.*';
        i += slashAfter ? 2 : 1;
      } else re += '[^/]*';
    } else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}
