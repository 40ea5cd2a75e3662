/**
 * The command's inputs as an unlucky operator meets them (RELIABILITY 44): a `--from` line far
 * longer than a name (read in linear time, not kept, not echoed), secrets typed on the command
 * line never repeated on stderr, and stdout closed part way (`| head -1`, a process of its own).
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { startEmulator, type Emulator } from '../../src/emulator';
import { LONGRUN, jsonLines, runCommand } from '../helpers/cli';

let emulator: Emulator;
let dir: string;
beforeAll(async () => {
  emulator = await startEmulator({ seed: 300 });
  dir = mkdtempSync(path.join(tmpdir(), 'longrun-inputs-'));
});
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await emulator.close();
});

const flags = (): string[] => ['--endpoint', emulator.grpcAddress, '--insecure', '--json'];

describe('cancel --from with a line far longer than a name', () => {
  it('20 MB on one line: an error line of its own (not echoed), the other names still run, exit 2', async () => {
    const from = path.join(dir, 'long.txt');
    const long = 'projects/demo/operations/' + 'x'.repeat(20 * 1024 * 1024);
    writeFileSync(
      from,
      `projects/demo/operations/op-1\n${long}\n# ${'c'.repeat(5000)}\nprojects/demo/operations/op-2\n`,
    );
    const before = emulator.requestCount;
    const result = await runCommand(['cancel', '--from', from, ...flags()]);
    expect(result.code).toBe(2);
    expect(result.stdout.length).toBeLessThan(2000);
    const lines = jsonLines(result.stdout);
    expect(lines).toEqual(
      expect.arrayContaining([
        { name: 'projects/demo/operations/op-1', outcome: 'requested' },
        { name: 'projects/demo/operations/op-2', outcome: 'requested' },
        expect.objectContaining({ name: `--from ${from} line 2`, outcome: 'error', code: 3 }),
      ]),
    );
    expect(lines).toHaveLength(3); // the long comment is a comment
    expect(emulator.requestCount - before).toBe(2);
  });

  it('an endless line on stdin (like /dev/zero): reported with its length, and the names after it still run', async () => {
    // 64 MiB without a newline, then a name. The line is not kept past the limit (src/cli/lines.ts):
    // memory is a benchmark's subject, not a test's; this one shows that it is read through.
    const chunk = Buffer.alloc(64 * 1024, 0x30);
    let sent = 0;
    const endless = new Readable({
      read() {
        this.push(++sent <= 1024 ? chunk : sent === 1025 ? '\nprojects/demo/operations/op-3\n' : null);
      },
    });
    const result = await runCommand(['cancel', '--from', '-', ...flags()], { stdin: endless });
    expect(result.code).toBe(2);
    const [long] = jsonLines<{ name: string; message?: string }>(result.stdout).filter(
      (l) => l.name === '--from - line 1',
    );
    expect(long?.message).toMatch(new RegExp(`^a line of ${64 * 1024 * 1024} characters`));
    expect(result.stdout).toContain('{"name":"projects/demo/operations/op-3","outcome":"requested"}');
  });
});

describe('secrets typed on the command line are not repeated on stderr', () => {
  it.each([
    [
      ['get', 'projects/demo/operations/op-1', '--apikey=AQ.secret-value-typed-1'],
      'secret-value-typed-1',
      /unknown option/,
    ],
    [
      [
        'get',
        'projects/demo/operations/op-1',
        '--transport',
        'rest',
        '--endpoint',
        'http://127.0.0.1:1/?key=secret-value-typed-2',
      ],
      'secret-value-typed-2',
      /query or a fragment/,
    ],
    [
      ['get', 'projects/demo/operations/op-1', '--endpoint', 'https://ops:secret-value-typed-3@example.com'],
      'secret-value-typed-3',
      /--endpoint/,
    ],
  ])('%j', async (args, secret, says) => {
    const result = await runCommand(args);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(says);
    expect(result.stderr + result.stdout).not.toContain(secret);
  });
});

describe('stdout closed part way (a process: longrun cancel ... | head -1)', () => {
  it('starts no more cancels, finishes those in flight, exits 141 without a stack trace', async () => {
    const names = Array.from({ length: 300 }, (_, i) => `projects/demo/operations/op-${i + 1}`);
    const before = emulator.requestCount;
    const child = spawn(process.execPath, [LONGRUN, 'cancel', '--from', '-', '--rate', '100', ...flags()], {
      stdio: 'pipe',
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.stdin.end(names.join('\n') + '\n');
    // Like head -1: read one line, then close the pipe.
    await once(child.stdout, 'data');
    child.stdout.destroy();
    const [code] = (await once(child, 'close')) as [number | null];
    expect(code).toBe(141);
    expect(stderr).not.toMatch(/EPIPE|\n\s+at /);
    expect(stderr).toMatch(/^cancel: \d+ names?: /m);
    expect(emulator.requestCount - before).toBeLessThan(150);
  });
});
