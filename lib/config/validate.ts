// Parses options with a zod schema and turns the first issue into one readable PersianLoraError.
import type { z } from 'zod';
import { PersianLoraError, describeValue } from '../errors.js';

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let cur: unknown = input;
  for (const key of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[key];
  }
  return cur;
}

function expectedOf(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type': return `${issue.expected}`;
    case 'too_small': return `${issue.origin === 'string' || issue.origin === 'array' ? 'length' : 'a value'} ${issue.inclusive ? '>=' : '>'} ${String(issue.minimum)}`;
    case 'too_big': return `${issue.origin === 'string' || issue.origin === 'array' ? 'length' : 'a value'} ${issue.inclusive ? '<=' : '<'} ${String(issue.maximum)}`;
    case 'invalid_value': return `one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'unrecognized_keys': return 'no unknown option';
    default: return issue.message;
  }
}

/** Validate `input` against `schema`; `label` names the root (e.g. `loadModel options`). */
export function parseOptions<S extends z.ZodType>(schema: S, input: unknown, label: string): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const path = [label, ...issue.path.map(String)].join('.');
  if (issue.code === 'unrecognized_keys') {
    return fail(`Unknown option ${issue.keys.map((k) => `${path}.${k}`).join(', ')}`);
  }
  const received = describeValue(valueAt(input, issue.path));
  return fail(`Expected ${expectedOf(issue)} for ${path} but received ${received}`);
}

function fail(message: string): never {
  throw new PersianLoraError('ERR_INVALID_OPTION', message);
}
