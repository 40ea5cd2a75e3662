/**
 * What the command is built on: the package's public entry points (`longrun`, `longrun/emulator`)
 * and at most one internal module, and the verbs on operations load no emulator code.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { CANCEL_MODES } from '../../src/emulator';
import { runLongrun } from '../helpers/cli';

const root = path.resolve(__dirname, '../..');
const cliDir = path.join(root, 'src', 'cli');

/** The module specifiers a source file names: `from '...'`, `import('...')`, `require('...')`. */
function specifiers(source: string): string[] {
  const found: string[] = [];
  for (const match of source.matchAll(
    /\bfrom\s+'([^']+)'|\bimport\s*\(\s*'([^']+)'\s*\)|\brequire\(\s*'([^']+)'\s*\)/g,
  )) {
    found.push((match[1] ?? match[2] ?? match[3]) as string);
  }
  return found;
}

describe("the command's imports", () => {
  const files = readdirSync(cliDir).filter((f) => f.endsWith('.ts'));
  const imports = files.flatMap((file) =>
    specifiers(readFileSync(path.join(cliDir, file), 'utf8')).map((specifier) => ({ file, specifier })),
  );

  it('finds the imports it checks', () => {
    expect(files).toEqual(expect.arrayContaining(['main.ts', 'serve.ts', 'verbs.ts', 'output.ts', 'connect.ts']));
    expect(imports).toContainEqual({ file: 'serve.ts', specifier: '../emulator' });
    expect(imports).toContainEqual({ file: 'main.ts', specifier: './serve' });
  });

  it("are each other, the package's entry points and at most one other internal module", () => {
    const internal = imports.filter(({ specifier }) => specifier.startsWith('.') && !specifier.startsWith('./'));
    const others = new Set(
      internal
        .map(({ specifier }) => specifier)
        .filter((specifier) => specifier !== '..' && specifier !== '../emulator'),
    );
    // All of them when there is more than one, so that a failure names them.
    expect(others.size <= 1 ? [] : [...others]).toEqual([]);
  });

  it('the verbs on operations load no emulator code', () => {
    const script = `require('./dist/src/cli/main.js');
      process.stdout.write(JSON.stringify(Object.keys(require.cache).filter((f) => !f.includes('node_modules'))));`;
    const loaded = JSON.parse(
      execFileSync(process.execPath, ['-e', script], { cwd: root, encoding: 'utf8' }),
    ) as string[];
    expect(loaded.some((f) => f.endsWith(path.join('dist', 'src', 'cli', 'main.js')))).toBe(true);
    // As for the main entry: the emulator's progress message type is a plain codec the library loads too.
    const server = loaded.filter(
      (f) => f.includes(path.join('dist', 'src', 'emulator')) || /control|http-face|serve/.test(path.basename(f)),
    );
    expect(server).toEqual([]);
  });

  it("`emulator --cancel` offers the emulator's CANCEL_MODES, in order", async () => {
    const result = await runLongrun(['emulator', '--help']);
    expect(result.code).toBe(0);
    const choices = /--cancel <mode>[^(]*\(choices: ([^)]*?), default/.exec(result.stdout.replace(/\s+/g, ' '))?.[1];
    expect(choices?.split(', ').map((choice) => JSON.parse(choice) as string)).toEqual([...CANCEL_MODES]);
  });
});
