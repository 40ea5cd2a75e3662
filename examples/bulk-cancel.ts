/**
 * Cancel many operations (a scheduler whose plan changed): names stream in, at most 64 calls
 * are in flight, and one result per name comes out, with progress on stderr.
 *
 *   node bulk-cancel.js < names.txt      (one name per line)
 *
 * Against the emulator: LONGRUN_EMULATOR_HOST=127.0.0.1:50051.
 */
import { createInterface } from 'node:readline';
import { OperationsClient, createGrpcTransport } from 'longrun';

/** The names on standard input, or the emulator's seeded ones when it is a terminal. */
async function* names(): AsyncGenerator<string> {
  if (process.stdin.isTTY) {
    for (let i = 1; i <= 3; i++) yield `projects/demo/operations/op-${i}`;
    return;
  }
  for await (const line of createInterface({ input: process.stdin })) {
    if (line.trim() !== '') yield line.trim();
  }
}

const client = new OperationsClient({ transport: createGrpcTransport({ channels: 2 }) });
const counts = new Map<string, number>();
let done = 0;
try {
  for await (const result of client.cancelMany(names(), { concurrency: 64 })) {
    counts.set(result.outcome, (counts.get(result.outcome) ?? 0) + 1);
    if (result.outcome === 'error') console.error(`${result.name}: ${result.error.message}`);
    if (++done % 100 === 0) console.error(`${done} done`);
  }
} finally {
  await client.close();
}
console.log([...counts].map(([outcome, n]) => `${n} ${outcome}`).join(', ') || 'nothing to cancel');
if ((counts.get('error') ?? 0) > 0) process.exitCode = 1;
