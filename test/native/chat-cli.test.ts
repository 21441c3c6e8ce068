// `persian-lora chat` end to end: the launcher driven through a scripted stdin, its replies checked against
// ChatSession's; Ctrl-C stops a reply, and at the prompt leaves with 130.
import test from 'ava';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { ChatSession } from '../../lib/chat-session.js';
import { loadModel } from '../../lib/model.js';
import { packageRoot } from '../../lib/version.js';
import { tinyModel } from './helpers.js';

const bin = path.join(packageRoot, 'bin', 'persian-lora.js');
const qwen = () => tinyModel({ vocab: 'qwen2', layers: 1, dim: 32, heads: 2, seed: 11 });

interface Run {
  child: ReturnType<typeof spawn>;
  out: () => string;
  err: () => string;
  /** Resolves once `ready` holds (checked on stdout, given here, at each output on either stream). */
  until: (ready: (out: string) => boolean) => Promise<void>;
  exit: Promise<number | null>;
}

function chat(args: string[]): Run {
  const child = spawn(process.execPath, [bin, 'chat', ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  const waiters: { ready: (o: string) => boolean; resolve: () => void }[] = [];
  const check = () => {
    for (const w of waiters.splice(0)) (w.ready(out) ? w.resolve : () => waiters.push(w))();
  };
  child.stdout.on('data', (d: Buffer) => { out += d.toString(); check(); });
  child.stderr.on('data', (d: Buffer) => { err += d.toString(); check(); });
  const exit = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return {
    child, out: () => out, err: () => err, exit,
    until: (ready) => new Promise<void>((resolve) => (ready(out) ? resolve() : waiters.push({ ready, resolve }))),
  };
}

test('a scripted conversation: replies as ChatSession gives them, /reset forgets, /exit leaves with 0', async (t) => {
  const file = await qwen();
  const run = chat(['-m', file, '-n', '6', '-t', '2', '-c', '512', '--system', 'Answer in Persian.']);
  run.child.stdin!.end('سلام\nHow are you?\n/reset\nسلام\n/bogus\n/exit\nnever sent\n');
  t.is(await run.exit, 0, run.err());
  t.regex(run.err(), /\[conversation reset\]/);
  t.regex(run.err(), /\[unknown command \/bogus/);

  const model = await loadModel(file);
  try {
    const context = await model.createContext({ contextSize: 512, threads: 2, sequences: 1 });
    const session = new ChatSession(context, { systemPrompt: 'Answer in Persian.' });
    const options = { maxTokens: 6 };
    const first = await session.ask('سلام', options);
    const second = await session.ask('How are you?', options);
    session.reset();
    const third = await session.ask('سلام', options);
    t.is(first.engine, 'jinja');
    t.is(third.reply, first.reply);
    t.is(run.out(), `${first.reply}\n${second.reply}\n${third.reply}\n`);
    context.dispose();
  } finally {
    model.dispose();
  }
});

test('Ctrl-C stops a reply and the conversation goes on; Ctrl-C at the prompt leaves with 130', async (t) => {
  const file = await qwen();
  const run = chat(['-m', file, '-n', '3000', '-t', '2', '-c', '4096']);
  run.child.stdin!.write('Tell me a long story\n');
  await run.until((out) => out.length > 0);
  run.child.kill('SIGINT');
  await run.until((out) => out.endsWith('\n') && run.err().includes('[stopped]'));
  run.child.stdin!.write('/exit\n');
  t.is(await run.exit, 0, run.err());

  const second = chat(['-m', file, '-n', '1', '-t', '2', '-c', '512']);
  second.child.stdin!.write('سلام\n');
  await second.until((out) => out.endsWith('\n')); // the one-token reply is done: back at the prompt
  second.child.kill('SIGINT');
  t.is(await second.exit, 130, second.err());
  second.child.stdin!.destroy();
});

test('a usage error names the option and where the help is', async (t) => {
  const run = chat(['-m', await qwen(), '--temp', 'hot']);
  run.child.stdin!.end();
  t.is(await run.exit, 2);
  t.is(run.err(), 'persian-lora chat: Expected a number >= 0 for --temp but received "hot"\nsee: persian-lora chat --help\n');
});
