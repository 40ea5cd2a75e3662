/**
 * Bulk cancel from the command line, as a script runs it: names streamed from standard input,
 * exactly one JSON line per name whatever happens, Ctrl-C, and a resumed run.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import { startEmulator, type Emulator } from '../../src/emulator';
import { LONGRUN, startEmulatorProcess } from '../helpers/cli';

interface Line {
  name: string;
  outcome: string;
  code?: number;
}

/** Runs `longrun cancel ...`, feeding `names` on stdin; `onLine` may act on the process as lines come. */
async function bulk(
  args: string[],
  names: string[],
  onLine?: (line: Line, count: number, kill: (signal: NodeJS.Signals) => void) => void,
): Promise<{ code: number | null; lines: Line[]; stderr: string }> {
  const child = spawn(process.execPath, [LONGRUN, 'cancel', '--from', '-', '--json', ...args], { stdio: 'pipe' });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  child.stdin.on('error', () => undefined); // the command may stop reading after Ctrl-C
  child.stdin.end(names.join('\n') + '\n');
  const lines: Line[] = [];
  const exited = once(child, 'close');
  for await (const text of createInterface({ input: child.stdout })) {
    const line = JSON.parse(text) as Line;
    lines.push(line);
    onLine?.(line, lines.length, (signal) => child.kill(signal));
  }
  const [code] = (await exited) as [number | null];
  return { code, lines, stderr };
}

const seeded = (count: number): string[] =>
  Array.from({ length: count }, (_, i) => `projects/demo/operations/op-${i + 1}`);

describe.each(['grpc', 'rest'] as const)('bulk cancel over %s', (transport) => {
  const endpointOf = (e: { grpcAddress: string; httpUrl: string }): string =>
    transport === 'grpc' ? e.grpcAddress : e.httpUrl;

  it('20,000 seeded operations from stdin: 20,000 lines, all requested, exit 0', async () => {
    const emulator = await startEmulator({ seed: 20_000 });
    try {
      const result = await bulk(
        ['--endpoint', endpointOf(emulator), '--transport', transport, '--insecure'],
        seeded(20_000),
      );
      expect(result.code).toBe(0);
      expect(result.lines).toHaveLength(20_000);
      expect(new Set(result.lines.map((l) => l.name)).size).toBe(20_000);
      expect(result.lines.every((l) => l.outcome === 'requested')).toBe(true);
      expect(result.stderr).toMatch(/cancel: 20000 names: 20000 requested/);
      expect(emulator.getOperation('projects/demo/operations/op-20000').error?.code).toBe(1);
    } finally {
      await emulator.close();
    }
  }, 120_000);

  it('the emulator killed part way: exactly one line per name, the rest errors, exit 1', async () => {
    const { child, address } = await startEmulatorProcess(['--seed', '3000']);
    const endpoint = transport === 'grpc' ? address.grpc! : address.http!;
    const result = await bulk(
      ['--endpoint', endpoint, '--transport', transport, '--insecure', '--concurrency', '8', '--rate', '2000'],
      seeded(3000),
      (_line, count) => {
        if (count === 300) child.kill('SIGKILL');
      },
    );
    expect(result.code).toBe(1);
    expect(result.lines).toHaveLength(3000);
    expect(new Set(result.lines.map((l) => l.name)).size).toBe(3000);
    const errors = result.lines.filter((l) => l.outcome === 'error');
    expect(errors.length).toBeGreaterThan(0);
    expect(result.lines.filter((l) => l.outcome === 'requested').length + errors.length).toBe(3000);
    // Errors carry their code: UNAVAILABLE (14) for a dead server, DEADLINE_EXCEEDED (4) for calls it took down with it.
    expect(errors.every((l) => l.code === 14 || l.code === 4)).toBe(true);
  }, 120_000);

  it('SIGINT mid-run: not-attempted for the rest, exit 130; a resumed run skips what was done', async () => {
    const emulator = await startEmulator({ seed: 2000 });
    const dir = mkdtempSync(path.join(tmpdir(), 'longrun-bulk-'));
    try {
      const flags = ['--endpoint', endpointOf(emulator), '--transport', transport, '--insecure'];
      const first = await bulk([...flags, '--rate', '500'], seeded(2000), (_line, count, kill) => {
        if (count === 100) kill('SIGINT');
      });
      expect(first.code).toBe(130);
      expect(first.lines).toHaveLength(2000);
      const requested = first.lines.filter((l) => l.outcome === 'requested');
      const notAttempted = first.lines.filter((l) => l.outcome === 'not-attempted');
      expect(requested.length).toBeGreaterThanOrEqual(100);
      expect(notAttempted.length).toBeGreaterThan(0);
      expect(requested.length + notAttempted.length).toBe(2000);
      expect(first.stderr).toMatch(/cancel: 2000 names: .*not-attempted/);

      const results = path.join(dir, 'first.jsonl');
      writeFileSync(results, first.lines.map((l) => JSON.stringify(l)).join('\n'));
      const before = emulator.requestCount;
      const second = await bulk([...flags, '--skip-done', results], seeded(2000));
      expect(second.code).toBe(0);
      expect(second.lines).toHaveLength(2000);
      expect(second.lines.filter((l) => l.outcome === 'skipped')).toHaveLength(requested.length);
      expect(second.lines.filter((l) => l.outcome === 'requested')).toHaveLength(notAttempted.length);
      expect(emulator.requestCount - before).toBe(notAttempted.length);
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await emulator.close();
    }
  }, 120_000);
});

describe('bulk cancel, bad input', () => {
  let emulator: Emulator;
  beforeAll(async () => {
    emulator = await startEmulator({ seed: 3 });
  });
  afterAll(() => emulator.close());

  it('invalid names in the stream: an error line each, nothing sent for them, the others still run, exit 2', async () => {
    const before = emulator.requestCount;
    const result = await bulk(
      ['--endpoint', emulator.grpcAddress, '--insecure'],
      ['projects/demo/operations/op-1', 'not a name', '', '# a comment', 'projects/demo/operations/op-2/x'],
    );
    expect(result.code).toBe(2);
    expect(result.lines).toHaveLength(3);
    expect(result.lines.filter((l) => l.outcome === 'error').every((l) => l.code === 3)).toBe(true);
    expect(emulator.requestCount - before).toBe(1);
  });

  it('no names and no --from is a usage error', async () => {
    const child = spawn(process.execPath, [LONGRUN, 'cancel'], { stdio: 'pipe' });
    const [code] = await once(child, 'close');
    expect(code).toBe(2);
  });
});
