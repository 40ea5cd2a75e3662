/** The package as its users load it: the built entry points, and what each one loads. */
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';

const root = path.resolve(__dirname, '..');

/** Loads `specifier` in a fresh Node process from the package root; returns the loaded project files. */
function loadedFiles(specifier: string): string[] {
  const script = `require(${JSON.stringify(specifier)});
    const own = Object.keys(require.cache).filter((f) => f.startsWith(${JSON.stringify(root + path.sep)}) && !f.includes('node_modules'));
    process.stdout.write(JSON.stringify(own.map((f) => f.slice(${root.length + 1}))));`;
  return JSON.parse(execFileSync(process.execPath, ['-e', script], { cwd: root, encoding: 'utf8' })) as string[];
}

describe('package entry points', () => {
  it('`longrun` resolves by name and exports the client surface', () => {
    const script = `const l = require('longrun'); process.stdout.write(JSON.stringify(Object.keys(l).sort()));`;
    const keys = JSON.parse(
      execFileSync(process.execPath, ['-e', script], { cwd: root, encoding: 'utf8' }),
    ) as string[];
    expect(keys).toEqual(
      expect.arrayContaining(['Code', 'OperationsClient', 'OperationsError', 'createGrpcTransport']),
    );
    expect(keys).not.toContain('startEmulator');
  });

  it('the main entry never loads server code', () => {
    const files = loadedFiles('longrun');
    expect(files).toContain(path.join('dist', 'src', 'client.js'));
    // The emulator's code and its control service stay out; its progress message type is a plain codec.
    expect(files.filter((f) => f.startsWith(path.join('dist', 'src', 'emulator')))).toEqual([]);
    expect(files.filter((f) => f.includes('control') || f.includes('http-face') || f.includes('serve'))).toEqual([]);
  });

  it('`longrun/emulator` exports startEmulator', () => {
    const script = `const e = require('longrun/emulator'); process.stdout.write(typeof e.startEmulator);`;
    expect(execFileSync(process.execPath, ['-e', script], { cwd: root, encoding: 'utf8' })).toBe('function');
  });
});
