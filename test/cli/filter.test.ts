/**
 * `longrun cancel --parent PARENT [--filter EXPR] [--dry-run]` as a script runs it: one
 * streaming pass of list and cancel against the emulator, exactly the matching operations
 * cancelled, a dry run that sends nothing, and the usage errors.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { startEmulator, type Emulator } from '../../src/emulator';
import { runCommand } from '../helpers/cli';

interface Line {
  name: string;
  outcome: string;
  code?: number;
}

const linesOf = (stdout: string): Line[] =>
  stdout
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Line);

/** 50 running operations and 10 finished ones under `parent`, interleaved; returns the running ones' names. */
function seed(emulator: Emulator, parent: string): { live: string[]; done: string[] } {
  const live: string[] = [];
  const done: string[] = [];
  for (let i = 1; i <= 60; i++) {
    const name = `${parent}/operations/op-${i}`;
    const finished = i % 6 === 0;
    emulator.createOperation(finished ? { name, runForMs: 0 } : { name });
    (finished ? done : live).push(name);
  }
  return { live, done };
}

const cancelsSent = (emulator: Emulator, parent: string): string[] =>
  emulator.requests.filter((r) => r.method === 'CancelOperation' && r.name.startsWith(`${parent}/`)).map((r) => r.name);

describe.each(['grpc', 'rest'] as const)('longrun cancel --parent over %s', (transport) => {
  let emulator: Emulator;
  let flags: string[];
  beforeEach(async () => {
    emulator = await startEmulator();
    flags = ['--endpoint', transport === 'grpc' ? emulator.grpcAddress : emulator.httpUrl, '--transport', transport];
    flags.push('--insecure');
  });
  afterEach(() => emulator.close());

  it('50 running, 10 finished: --filter "done = false" cancels exactly the 50; --dry-run none', async () => {
    const { live, done } = seed(emulator, 'projects/demo');
    const args = ['cancel', '--parent', 'projects/demo', '--filter', 'done = false', ...flags];

    const dry = await runCommand([...args, '--dry-run', '--json', '--page-size', '7']);
    expect(dry.code).toBe(0);
    expect(linesOf(dry.stdout)).toEqual(live.map((name) => ({ name, outcome: 'would-cancel' })));
    expect(dry.stderr).toMatch(/cancel: 50 names: 50 would-cancel/);
    expect(cancelsSent(emulator, 'projects/demo')).toEqual([]);

    const real = await runCommand([...args, '--json', '--page-size', '7']);
    expect(real.code).toBe(0);
    const lines = linesOf(real.stdout);
    expect(lines).toHaveLength(50);
    expect(lines.every((l) => l.outcome === 'requested')).toBe(true);
    expect(lines.map((l) => l.name).sort()).toEqual([...live].sort());
    expect(cancelsSent(emulator, 'projects/demo').sort()).toEqual([...live].sort());
    for (const name of live) expect(emulator.getOperation(name).error?.code).toBe(1);
    for (const name of done) expect(emulator.getOperation(name).response).toBeDefined();

    // Run again: nothing is left to match.
    const again = await runCommand([...args, '--json']);
    expect(again.code).toBe(0);
    expect(again.stdout).toBe('');
    expect(cancelsSent(emulator, 'projects/demo')).toHaveLength(50);
  }, 60_000);

  it('--wait: each confirmed cancelled; human lines', async () => {
    const { live } = seed(emulator, 'projects/demo');
    const result = await runCommand([
      'cancel',
      '--parent',
      'projects/demo',
      '--filter',
      'done = false',
      '--wait',
      ...flags,
    ]);
    expect(result.code).toBe(0);
    const lines = result.stdout.trim().split('\n');
    expect(lines).toHaveLength(50);
    expect(lines.every((line) => / {2}cancelled$/.test(line))).toBe(true);
    expect(result.stderr).toMatch(/cancel: 50 names: 50 cancelled/);
    expect(live.every((name) => emulator.getOperation(name).error?.code === 1)).toBe(true);
  }, 60_000);
});

describe('longrun cancel --parent: no filter, resume, errors', () => {
  let emulator: Emulator;
  let flags: string[];
  beforeEach(async () => {
    emulator = await startEmulator();
    flags = ['--endpoint', emulator.grpcAddress, '--insecure'];
  });
  afterEach(() => emulator.close());

  it('no filter: the finished are already-done (nothing sent), the running requested, exit 0', async () => {
    const { live, done } = seed(emulator, 'projects/demo');
    const result = await runCommand(['cancel', '--parent', 'projects/demo', '--json', ...flags]);
    expect(result.code).toBe(0);
    const lines = linesOf(result.stdout);
    expect(lines.filter((l) => l.outcome === 'already-done').map((l) => l.name)).toEqual(done);
    expect(lines.filter((l) => l.outcome === 'requested')).toHaveLength(50);
    expect(cancelsSent(emulator, 'projects/demo').sort()).toEqual([...live].sort());
  });

  it("--skip-done: names an earlier run's output cancelled are skipped", async () => {
    const { live } = seed(emulator, 'projects/demo');
    const dir = mkdtempSync(path.join(tmpdir(), 'longrun-filter-'));
    try {
      const results = path.join(dir, 'earlier.jsonl');
      writeFileSync(
        results,
        live
          .slice(0, 10)
          .map((name) => JSON.stringify({ name, outcome: 'requested' }))
          .join('\n'),
      );
      const result = await runCommand([
        'cancel',
        '--parent',
        'projects/demo',
        '--filter',
        'done = false',
        '--skip-done',
        results,
        '--json',
        ...flags,
      ]);
      expect(result.code).toBe(0);
      const lines = linesOf(result.stdout);
      expect(lines.filter((l) => l.outcome === 'skipped').map((l) => l.name)).toEqual(live.slice(0, 10));
      expect(cancelsSent(emulator, 'projects/demo').sort()).toEqual(live.slice(10).sort());
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a filter the server refuses: an error line, nothing cancelled, exit 1', async () => {
    seed(emulator, 'projects/demo');
    const result = await runCommand([
      'cancel',
      '--parent',
      'projects/demo',
      '--filter',
      'name = "x"',
      '--json',
      ...flags,
    ]);
    expect(result.code).toBe(1);
    expect(linesOf(result.stdout)).toEqual([expect.objectContaining({ name: 'projects/demo', code: 3 })]);
    expect(cancelsSent(emulator, 'projects/demo')).toEqual([]);
  });

  it('an invalid parent: one line, nothing sent, exit 2', async () => {
    const before = emulator.requestCount;
    const result = await runCommand(['cancel', '--parent', 'not a parent', ...flags]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^longrun: cancel: listing not a parent: .*\n/m);
    expect(emulator.requestCount).toBe(before);
  });

  it.each([
    [['projects/demo/operations/op-1'], /--parent lists the operations to cancel: give no names with it/],
    [['--from', '-'], /--parent and --from both give the operations: use one/],
  ])('--parent with %j: usage error, exit 2, nothing sent', async (extra, message) => {
    const before = emulator.requestCount;
    const result = await runCommand(['cancel', '--parent', 'projects/demo', ...extra, ...flags]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stdout).toBe('');
    expect(emulator.requestCount).toBe(before);
  });

  it.each([
    [['--filter', 'done = false'], '--filter'],
    [['--page-size', '7'], '--page-size'],
    [['--dry-run'], '--dry-run'],
  ])('%j without --parent: usage error, exit 2', async (extra, flag) => {
    const result = await runCommand(['cancel', 'projects/demo/operations/op-1', ...extra, ...flags]);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(`longrun: ${flag} needs --parent\n`);
    expect(emulator.requestCount).toBe(0);
  });

  it('no names, no --from, no --parent: the usage error names --parent', async () => {
    const result = await runCommand(['cancel']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--parent PARENT/);
  });
});
