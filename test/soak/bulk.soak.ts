/**
 * Soak of the command's bulk cancel, as a script runs it: the built `longrun cancel --from -
 * --json` as a subprocess, 20,000 seeded names per transport streamed on stdin (SOAK_NAMES),
 * one `requested` line for each and every operation cancelled. Not in `npm test` (test/cli/bulk
 * shows the same properties with 500 names); `npm run soak` runs it.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { startEmulator } from '../../src/emulator';
import { LONGRUN } from '../helpers/cli';

const NAMES = Number(process.env['SOAK_NAMES'] ?? 20_000);

describe.each(['grpc', 'rest'] as const)('bulk cancel soak over %s', (transport) => {
  it(`${NAMES} seeded operations from stdin: ${NAMES} lines, each name once, all requested, exit 0`, async () => {
    const emulator = await startEmulator({ seed: NAMES });
    try {
      const endpoint = transport === 'grpc' ? emulator.grpcAddress : emulator.httpUrl;
      const child = spawn(
        process.execPath,
        [LONGRUN, 'cancel', '--from', '-', '--json', '--endpoint', endpoint, '--transport', transport, '--insecure'],
        { stdio: 'pipe' },
      );
      let stderr = '';
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
      const names = Array.from({ length: NAMES }, (_, i) => `projects/demo/operations/op-${i + 1}`);
      child.stdin.end(names.join('\n') + '\n');
      const exited = once(child, 'close');
      const seen = new Set<string>();
      let requested = 0;
      for await (const text of createInterface({ input: child.stdout })) {
        const line = JSON.parse(text) as { name: string; outcome: string };
        seen.add(line.name);
        if (line.outcome === 'requested') requested++;
      }
      const [code] = (await exited) as [number | null];
      expect(code).toBe(0);
      expect(seen.size).toBe(NAMES);
      expect(requested).toBe(NAMES);
      expect(stderr).toMatch(new RegExp(`cancel: ${NAMES} names: ${NAMES} requested`));
      expect(emulator.getOperation(`projects/demo/operations/op-${NAMES}`).error?.code).toBe(1);
    } finally {
      await emulator.close();
    }
  }, 300_000);
});
