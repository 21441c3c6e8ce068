// Warnings as errors: PERSIAN_LORA_WERROR=1 puts -Werror on the project's own native files and never on llama.cpp's.
// Reads the flags CMake configured (compile_commands.json) and compiles one probe file with them; builds nothing else.
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { packageRoot } from '../../lib/version.js';

const script = pathToFileURL(path.join(packageRoot, 'scripts', 'build-native.mjs')).href;
const haveTree = existsSync(path.join(packageRoot, 'third_party', 'llama.cpp', 'CMakeLists.txt'));

interface CompileCommand { directory: string; command: string; file: string }

/** `cmakeDefinitions` as scripts/build-native.mjs computes them in a process with `env`. */
function definitionsWith(env: Record<string, string | undefined>): string[] {
  const code = `const m = await import(${JSON.stringify(script)}); console.log(JSON.stringify(m.cmakeDefinitions({ gpu: 'cpu' })));`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { env: { ...process.env, ...env }, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout) as string[];
}

/** Configures (no build) the addon as scripts/build-native.mjs does into `dir`; returns its compile commands. */
function configure(dir: string, definitions: string[]): CompileCommand[] {
  const code = `const m = await import(${JSON.stringify(script)}); process.stdout.write(m.cmakeJsBin());`;
  const cmakeJs = spawnSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8' }).stdout;
  const r = spawnSync(process.execPath, [cmakeJs, 'configure', '--directory', packageRoot, '--out', dir, ...definitions, '--CDCMAKE_EXPORT_COMPILE_COMMANDS=ON', '--log-level', 'warn'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`cmake-js configure failed:\n${r.stdout}\n${r.stderr}`);
  return JSON.parse(readFileSync(path.join(dir, 'compile_commands.json'), 'utf8')) as CompileCommand[];
}

const own = (c: CompileCommand) => path.relative(packageRoot, c.file).startsWith(`native${path.sep}`);
const vendored = (c: CompileCommand) => path.relative(packageRoot, c.file).startsWith(path.join('third_party', 'llama.cpp'));
const hasFlag = (c: CompileCommand, flag: string) => c.command.split(/\s+/).includes(flag);

/** Compiles `source` with the flags of an own file's compile command; the exit status and the compiler's output. */
function compileProbe(dir: string, c: CompileCommand, source: string): { status: number | null; output: string } {
  const probe = path.join(dir, 'probe.cpp');
  writeFileSync(probe, source);
  const command = c.command.replace(c.file, probe).replace(/ -o \S+/, ` -o ${path.join(dir, 'probe.o')}`);
  if (!command.includes(probe) || !command.includes('probe.o')) throw new Error(`not a compile command of ${c.file}: ${c.command}`);
  const r = spawnSync('sh', ['-c', command], { cwd: c.directory, encoding: 'utf8' });
  return { status: r.status, output: r.stdout + r.stderr };
}

const UNUSED = 'int probe() {\n  int unused = 1;\n  return 0;\n}\n';

test('PERSIAN_LORA_WERROR=1 reaches CMake; -Werror is on every own file and on no llama.cpp file, and an unused variable then fails the compile', (t) => {
  t.true(definitionsWith({ PERSIAN_LORA_WERROR: '1' }).includes('--CDPERSIAN_LORA_WERROR=ON'));
  t.true(definitionsWith({ PERSIAN_LORA_WERROR: undefined }).includes('--CDPERSIAN_LORA_WERROR=OFF'), 'off by default: a newer compiler never breaks an install');
  if (!haveTree) return t.pass('no vendored llama.cpp tree to configure against');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pl-werror-'));
  try {
    const on = configure(dir, definitionsWith({ PERSIAN_LORA_WERROR: '1' }));
    const ours = on.filter(own);
    t.true(ours.some((c) => c.file.includes(`native${path.sep}core`)) && ours.some((c) => c.file.includes(`native${path.sep}addon`)), 'the core and the addon are configured');
    for (const c of ours) t.true(['-Wall', '-Wextra', '-Wpedantic', '-Werror'].every((f) => hasFlag(c, f)), `${c.file}: ${c.command}`);
    const theirs = on.filter(vendored);
    t.true(theirs.length > 0);
    for (const c of theirs) t.false(hasFlag(c, '-Werror'), c.file);
    const failed = compileProbe(dir, ours[0]!, UNUSED);
    t.not(failed.status, 0);
    t.regex(failed.output, /error: unused variable .unused. \[-Werror[=,]-?W?unused-variable\]/);

    const off = configure(dir, definitionsWith({ PERSIAN_LORA_WERROR: undefined }));
    for (const c of off.filter(own)) t.false(hasFlag(c, '-Werror'), c.file);
    const warned = compileProbe(dir, off.find(own)!, UNUSED);
    t.is(warned.status, 0, warned.output);
    t.regex(warned.output, /warning: unused variable .unused./);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
