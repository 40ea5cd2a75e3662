/**
 * Server hints taken with limits (RELIABILITY 41): a RetryInfo, `Retry-After` or
 * `grpc-retry-pushback-ms` asking for an hour or 1e9 seconds is held to the call's remaining
 * time and to MAX_SERVER_HINT_MS, and never becomes Node's 1 ms with a TimeoutOverflowWarning.
 */
import { Code, OperationsClient, OperationsError } from '../../src';
import { startEmulator, type Emulator } from '../../src/emulator';
import { FAULT_HEADER } from '../../src/emulator/faults';
import { MAX_SERVER_HINT_MS, retryInfoDelayMs } from '../../src/errors';
import { sleep } from '../../src/backoff';
import { rejectionOf, transportCases } from '../helpers/transports';

/** The warnings this process emits while `run` runs. */
async function warningsDuring(run: () => Promise<unknown>): Promise<Error[]> {
  const warnings: Error[] = [];
  const onWarning = (warning: Error): number => warnings.push(warning);
  process.on('warning', onWarning);
  try {
    await run();
    await new Promise((resolve) => setImmediate(resolve));
  } finally {
    process.off('warning', onWarning);
  }
  return warnings;
}

const retryInfo = (seconds: string) =>
  new OperationsError(Code.RESOURCE_EXHAUSTED, 'slow down', {
    details: [{ type: 'google.rpc.RetryInfo', value: { retryDelay: { seconds, nanos: 0 } } }],
  });

describe('hints in isolation', () => {
  it.each([
    ['3600', MAX_SERVER_HINT_MS],
    ['1000000000', MAX_SERVER_HINT_MS],
    ['2', 2000],
  ])('RetryInfo of %s s is read as %d ms', (seconds, ms) => {
    expect(retryInfoDelayMs(retryInfo(seconds))).toBe(ms);
  });

  it('a sleep past 2^31 - 1 ms waits (no TimeoutOverflowWarning, not 1 ms), and ends on abort', async () => {
    const abort = new AbortController();
    let ended = false;
    const warnings = await warningsDuring(async () => {
      const slept = sleep(1e12, abort.signal).then(
        () => (ended = true),
        () => undefined,
      );
      await new Promise((resolve) => setTimeout(resolve, 30));
      expect(ended).toBe(false);
      abort.abort();
      await slept;
    });
    expect(warnings.map((w) => w.name)).toEqual([]);
  });
});

describe.each(transportCases)('over $kind, a pushback of 1e9 s', ({ make }) => {
  let emulator: Emulator;
  beforeAll(async () => {
    emulator = await startEmulator({ seed: 1 });
  });
  afterAll(() => emulator.close());

  it("ends the call at once with the server's status (past its deadline), with no warning", async () => {
    let retries = 0;
    const client = new OperationsClient({ transport: make(emulator), onRetry: () => retries++ });
    try {
      // gRPC reads grpc-retry-pushback-ms (ms), REST Retry-After (s): 1e12 or 1e15 ms, either way past any deadline.
      const fault = { [FAULT_HEADER]: JSON.stringify({ code: Code.UNAVAILABLE, pushback: '1000000000000' }) };
      let error: OperationsError | undefined;
      const warnings = await warningsDuring(async () => {
        error = await rejectionOf(
          client.getOperation('projects/demo/operations/op-1', { metadata: fault, timeoutMs: 5000 }),
        );
      });
      expect(error?.code).toBe(Code.UNAVAILABLE);
      // A wait past the deadline is no retry: the last status comes back at once (RELIABILITY 7).
      expect(retries).toBe(0);
      expect(warnings.map((w) => w.name)).toEqual([]);
    } finally {
      await client.close();
    }
  });
});
