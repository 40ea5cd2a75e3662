/**
 * Bulk cancel from the command line, as a script runs it: names streamed from standard input,
 * exactly one JSON line per name whatever happens (a server killed part way), Ctrl-C, and a
 * resumed run. The command runs in process; Ctrl-C needs a process of its own. The same with
 * 20,000 names is a soak (`npm run soak`, test/soak/bulk.soak.ts).
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import { startEmulator, type Emulator } from '../../src/emulator';
import { LONGRUN, jsonLines, runCommand, startEmulatorProcess } from '../helpers/cli';

interface Line {
  name: string;
  outcome: string;
  code?: number;
}

/** Runs `longrun cancel --from - --json ...args` in process, feeding `names` on stdin. */
async function bulk(
  args: string[],
  names: string[],
  onLine?: (count: number) => void,
): Promise<{ code: number | null; lines: Line[]; stderr: string }> {
  const result = await runCommand(['cancel', '--from', '-', '--json', ...args], {
    stdin: names.join('\n') + '\n',
    ...(onLine && { onLine: (_line: string, count: number) => onLine(count) }),
  });
  return { code: result.code, lines: jsonLines<Line>(result.stdout), stderr: result.stderr };
}

/** The same as a subprocess; `onLine` may signal it as lines come. */
async function bulkProcess(
  args: string[],
  names: string[],
  onLine?: (count: number, kill: (signal: NodeJS.Signals) => void) => void,
): Promise<{ code: number | null; lines: Line[]; stderr: string }> {
  const child = spawn(process.execPath, [LONGRUN, 'cancel', '--from', '-', '--json', ...args], { stdio: 'pipe' });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  child.stdin.on('error', () => undefined); // the command may stop reading after Ctrl-C
  child.stdin.end(names.join('\n') + '\n');
  const lines: Line[] = [];
  const exited = once(child, 'close');
  for await (const text of createInterface({ input: child.stdout })) {
    lines.push(JSON.parse(text) as Line);
    onLine?.(lines.length, (signal) => child.kill(signal));
  }
  const [code] = (await exited) as [number | null];
  return { code, lines, stderr };
}

const seeded = (count: number): string[] =>
  Array.from({ length: count }, (_, i) => `projects/demo/operations/op-${i + 1}`);

describe.each(['grpc', 'rest'] as const)('bulk cancel over %s', (transport) => {
  const endpointOf = (e: { grpcAddress: string; httpUrl: string }): string =>
    transport === 'grpc' ? e.grpcAddress : e.httpUrl;

  it('500 seeded operations from stdin: 500 lines, each name once, all requested, the summary, exit 0', async () => {
    const emulator = await startEmulator({ seed: 500 });
    try {
      const result = await bulk(
        ['--endpoint', endpointOf(emulator), '--transport', transport, '--insecure'],
        seeded(500),
      );
      expect(result.code).toBe(0);
      expect(result.lines).toHaveLength(500);
      expect(new Set(result.lines.map((l) => l.name)).size).toBe(500);
      expect(result.lines.every((l) => l.outcome === 'requested')).toBe(true);
      expect(result.stderr).toMatch(/^cancel: 500 names: 500 requested \([\d.]+\/s\)\n$/);
      expect(emulator.getOperation('projects/demo/operations/op-500').error?.code).toBe(1);
    } finally {
      await emulator.close();
    }
  });

  it('the emulator killed part way: exactly one line per name, the rest errors, exit 1', async () => {
    const { child, address } = await startEmulatorProcess(['--seed', '600']);
    const endpoint = transport === 'grpc' ? address.grpc! : address.http!;
    const result = await bulk(
      ['--endpoint', endpoint, '--transport', transport, '--insecure', '--concurrency', '8', '--rate', '2000'],
      seeded(600),
      (count) => {
        if (count === 100) child.kill('SIGKILL');
      },
    );
    expect(result.code).toBe(1);
    expect(result.lines).toHaveLength(600);
    expect(new Set(result.lines.map((l) => l.name)).size).toBe(600);
    const errors = result.lines.filter((l) => l.outcome === 'error');
    expect(errors.length).toBeGreaterThan(0);
    expect(result.lines.filter((l) => l.outcome === 'requested').length + errors.length).toBe(600);
    // Errors carry their code: UNAVAILABLE (14) for a dead server, DEADLINE_EXCEEDED (4) for calls it took down with it.
    expect(errors.every((l) => l.code === 14 || l.code === 4)).toBe(true);
  });

  it('SIGINT mid-run (a process): not-attempted for the rest, exit 130; a resumed run skips what was done', async () => {
    const emulator = await startEmulator({ seed: 500 });
    const dir = mkdtempSync(path.join(tmpdir(), 'longrun-bulk-'));
    try {
      const flags = ['--endpoint', endpointOf(emulator), '--transport', transport, '--insecure'];
      const first = await bulkProcess([...flags, '--rate', '500'], seeded(500), (count, kill) => {
        if (count === 50) kill('SIGINT');
      });
      expect(first.code).toBe(130);
      expect(first.lines).toHaveLength(500);
      const requested = first.lines.filter((l) => l.outcome === 'requested');
      const notAttempted = first.lines.filter((l) => l.outcome === 'not-attempted');
      expect(requested.length).toBeGreaterThanOrEqual(50);
      expect(notAttempted.length).toBeGreaterThan(0);
      expect(requested.length + notAttempted.length).toBe(500);
      expect(first.stderr).toMatch(/cancel: 500 names: .*not-attempted/);

      const results = path.join(dir, 'first.jsonl');
      writeFileSync(results, first.lines.map((l) => JSON.stringify(l)).join('\n'));
      const before = emulator.requestCount;
      const second = await bulk([...flags, '--skip-done', results], seeded(500));
      expect(second.code).toBe(0);
      expect(second.lines).toHaveLength(500);
      expect(second.lines.filter((l) => l.outcome === 'skipped')).toHaveLength(requested.length);
      expect(second.lines.filter((l) => l.outcome === 'requested')).toHaveLength(notAttempted.length);
      expect(emulator.requestCount - before).toBe(notAttempted.length);
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await emulator.close();
    }
  });
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
    const result = await runCommand(['cancel']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/name the operations to cancel/);
  });
});
