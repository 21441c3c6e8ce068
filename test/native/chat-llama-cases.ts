// The chat-template test cases of llama.cpp's tests/test-chat-template.cpp, read from the vendored tree: each case's
// template, the conversation it renders and the output llama.cpp expects from its Jinja route.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { ChatMessage } from '../../lib/model.js';
import { packageRoot } from '../../lib/version.js';

export interface LlamaChatCase {
  name: string;
  template: string;
  /** llama.cpp's built-in (non-Jinja) output. */
  expected: string;
  /** The Jinja route's output where it differs from `expected`, else ''. */
  expectedJinja: string;
  bos: string;
  eos: string;
  supportedWithJinja: boolean;
  extra: ChatMessage[];
}

export const testFile = path.join(packageRoot, 'third_party', 'llama.cpp', 'tests', 'test-chat-template.cpp');

/** The conversation of main_automated_tests. */
export const llamaConversation: ChatMessage[] = [
  { role: 'system', content: 'You are a helpful assistant' }, { role: 'user', content: 'Hello' }, { role: 'assistant', content: 'Hi there' },
  { role: 'user', content: 'Who are you' }, { role: 'assistant', content: '   I am an assistant   ' }, { role: 'user', content: 'Another question' },
];

const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '"': '"', "'": "'", '\\': '\\' };

/** The value of a C++ string literal's body. */
function cString(body: string): string {
  return body.replace(/\\(.)/g, (_, e: string) => {
    if (!(e in ESCAPES)) throw new Error(`unhandled escape \\${e} in ${testFile}`);
    return ESCAPES[e]!;
  });
}

export function readLlamaChatCases(): LlamaChatCase[] {
  const source = readFileSync(testFile, 'utf8');
  const start = source.indexOf('std::vector<TestCase> test_cases {');
  const body = source.slice(start, source.indexOf('\n    };', start));
  const cases: LlamaChatCase[] = [];
  const field = /\/\*\s*\.(\w+)\s*=?\s*\*\/\s*((?:U8C\()?"(?:[^"\\]|\\.)*"\)?|true|false|\{\{[\s\S]*?\}\})/g;
  for (const [, name, raw] of body.matchAll(field)) {
    const str = () => cString(/"((?:[^"\\]|\\.)*)"/.exec(raw!)![1]!);
    if (name === 'name') cases.push({ name: str(), template: '', expected: '', expectedJinja: '', bos: '', eos: '', supportedWithJinja: true, extra: [] });
    const c = cases.at(-1)!;
    if (name === 'template_str') c.template = str();
    else if (name === 'expected_output') c.expected = str();
    else if (name === 'expected_output_jinja') c.expectedJinja = str();
    else if (name === 'bos_token') c.bos = str();
    else if (name === 'eos_token') c.eos = str();
    else if (name === 'supported_with_jinja') c.supportedWithJinja = raw === 'true';
    else if (name === 'extra_conversation') c.extra = [...raw!.matchAll(/\{"((?:[^"\\]|\\.)*)",\s*"((?:[^"\\]|\\.)*)"\}/g)].map((m) => ({ role: cString(m[1]!), content: cString(m[2]!) }));
  }
  return cases;
}
