// Jinja templates of lm-evaluation-harness task files (doc_to_text, doc_to_target, doc_to_choice) over one document.
import { Environment, Template } from '@huggingface/jinja';

type Runtime = { value: unknown };

/**
 * lm-evaluation-harness renders with Python's Jinja2, where a list has Python's methods: `choices.label.index(answerKey)`
 * (ARC) needs `list.index`, which @huggingface/jinja lacks. It is added to the library's array values once, raising
 * as Python does when the value is absent.
 */
function addListIndex(): void {
  const env = new Environment();
  env.set('list', []);
  const proto = Object.getPrototypeOf(env.lookupVariable('list')) as object;
  const builtins = Object.getOwnPropertyDescriptor(proto, 'builtins')?.get;
  if (!builtins) throw new Error('@huggingface/jinja: array values have no builtins to extend');
  const functionValue = (fn: (x: unknown) => unknown) => {
    const scope = new Environment();
    scope.set('fn', fn);
    return scope.lookupVariable('fn');
  };
  Object.defineProperty(proto, 'builtins', {
    configurable: true,
    get(this: { value: Runtime[] }) {
      const map = builtins.call(this) as Map<string, unknown>;
      if (!map.has('index')) {
        map.set('index', functionValue((x: unknown) => {
          const at = this.value.findIndex((v) => v.value === x);
          if (at < 0) throw new Error(`${JSON.stringify(x)} is not in list`);
          return at;
        }));
      }
      return map;
    },
  });
}
addListIndex();

const cache = new Map<string, Template>();

/**
 * `source` rendered with the document's fields as variables. lm-evaluation-harness keeps a template's trailing newline
 * (Jinja2's keep_trailing_newline) where @huggingface/jinja drops one, so one more is given to it.
 */
export function renderJinja(source: string, doc: Readonly<Record<string, unknown>>): string {
  let template = cache.get(source);
  if (!template) {
    template = new Template(source.endsWith('\n') ? `${source}\n` : source);
    cache.set(source, template);
  }
  return template.render(doc as Record<string, unknown>);
}

/** The value of a template that is one expression (`{{choices.text}}`), as data rather than text; else undefined. */
export function evaluateJinja(source: string, doc: Readonly<Record<string, unknown>>): unknown {
  const m = /^\s*\{\{-?(.*?)-?\}\}\s*$/s.exec(source);
  if (!m || m[1]!.includes('}}')) return undefined;
  return JSON.parse(renderJinja(`{{ (${m[1]}) | tojson }}`, doc)) as unknown;
}
