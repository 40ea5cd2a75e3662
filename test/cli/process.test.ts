/**
 * What only a process shows: the `longrun` bin shim as a user runs it (help, the exit codes 0,
 * 1 and 2 end to end, names piped on stdin) and the progress bar on a terminal (a pseudo-terminal
 * made by util-linux `script`). Signals are in test/cli/bulk (SIGINT) and test/cli/emulator
 * (SIGTERM, SIGINT); everything else about the command runs in process.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startEmulator, type Emulator } from '../../src/emulator';
import { LONGRUN, runLongrun } from '../helpers/cli';

describe('the longrun command as a process', () => {
  let emulator: Emulator;
  beforeAll(async () => {
    emulator = await startEmulator({ seed: 5 });
  });
  afterAll(() => emulator.close());

  it('--help: exit 0, every verb on stdout, nothing on stderr', async () => {
    const result = await runLongrun(['--help']);
    expect(result.code).toBe(0);
    for (const verb of ['get', 'list', 'delete', 'wait', 'cancel', 'emulator', 'demo', 'completion']) {
      expect(result.stdout).toMatch(new RegExp(`^  ${verb}\\b`, 'm'));
    }
    expect(result.stderr).toBe('');
  });

  it('exit codes end to end: 0 done, 1 a call failed, 2 usage', async () => {
    const flags = ['--endpoint', emulator.grpcAddress, '--insecure', '--json'];
    const done = await runLongrun(['get', 'projects/demo/operations/op-1', ...flags]);
    expect(done.code).toBe(0);
    expect(JSON.parse(done.stdout)).toMatchObject({ name: 'projects/demo/operations/op-1' });
    const failed = await runLongrun(['get', 'projects/demo/operations/missing', ...flags]);
    expect(failed.code).toBe(1);
    expect(JSON.parse(failed.stdout)).toMatchObject({ status: 'NOT_FOUND' });
    const usage = await runLongrun(['get']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/missing required argument 'name'/);
  });

  it('names piped on stdin (--from -): one line each, in a process of its own', async () => {
    const result = await runLongrun(
      ['cancel', '--from', '-', '--endpoint', emulator.httpUrl, '--transport', 'rest', '--insecure', '--json'],
      'projects/demo/operations/op-2\nprojects/demo/operations/op-3\n',
    );
    expect(result.code).toBe(0);
    expect(
      result.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as unknown),
    ).toEqual([
      { name: 'projects/demo/operations/op-2', outcome: 'requested' },
      { name: 'projects/demo/operations/op-3', outcome: 'requested' },
    ]);
  });

  // util-linux `script` (Debian's bsdutils, on every Debian system) gives the command a terminal.
  it('on a terminal, cancel draws a progress bar on stderr and clears it', async () => {
    const names = ['op-4', 'op-5'].map((id) => `projects/demo/operations/${id}`);
    const command = [process.execPath, LONGRUN, 'cancel', ...names, '--endpoint', emulator.grpcAddress, '--insecure']
      .map((word) => `'${word}'`)
      .join(' ');
    // --rate 4: the run lasts about a quarter of a second, long enough for the bar to be drawn.
    const { stdout: transcript } = await promisify(execFile)('script', ['-qec', `${command} --rate 4`, '/dev/null'], {
      encoding: 'utf8',
    });
    expect(transcript).toMatch(/cancel \S+ \d\/2, 0 failed, [\d.]+\/s, eta/);
    expect(transcript).toMatch(/cancel: 2 names: 2 requested/);
    for (const name of names) expect(transcript).toContain(`${name}  cancel requested`);
  });
});
