// The value of a parsed YAML document, with yaml's own limits (alias expansion, the "billion laughs") as clear errors.
import type { Document } from 'yaml';
import { PersianLoraError } from '../errors.js';

/** `doc.toJS()`, where a document that expands beyond yaml's alias limit is an ERR_BAD_FORMAT naming `file`. */
export function yamlValue(doc: Document, file: string, what = 'YAML file'): unknown {
  try {
    return doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    if (error instanceof ReferenceError || error instanceof RangeError) {
      throw new PersianLoraError('ERR_BAD_FORMAT', `${what} ${file} expands beyond the limit of aliases (${error.message.split('\n')[0]})`);
    }
    throw error;
  }
}
