/**
 * Soak: many calls with ~1% injected faults of mixed kinds through both transports, against
 * the emulator in its own process. Every call is accounted for (it resolves or rejects
 * exactly once, with an expected code), and memory stays flat. Among the faults: a server
 * echoing the caller's key into an error, or into an operation's own error (no secret may
 * show), and a listing whose page token repeats (it must end, each name once).
 *
 * `npm run soak` runs 200,000 calls per transport (SOAK_CALLS); the default run in CI is short.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { inspect } from 'node:util';
import {
  Code,
  OperationsClient,
  codeName,
  createGrpcTransport,
  createRestTransport,
  type OperationsError,
} from '../../src';
import { FAULT_HEADER } from '../../src/emulator/faults';
import { LONGRUN } from '../helpers/cli';

const CALLS = Number(process.env['SOAK_CALLS'] ?? 3000);
const CONCURRENCY = 64;
const FAULT_EVERY = 100; // 1%
const SEED = 1000;

type FaultKind =
  | 'unavailable-once'
  | 'unavailable-always'
  | 'not-found'
  | 'deadline'
  | 'internal-details'
  | 'abort'
  | 'connection-header'
  | 'spoofing-name'
  | 'echoed-secret'
  | 'operation-error-echo'
  | 'cycling-page-token';
const KINDS: readonly FaultKind[] = [
  'unavailable-once',
  'unavailable-always',
  'not-found',
  'deadline',
  'internal-details',
  'abort',
  'connection-header',
  'spoofing-name',
  'echoed-secret',
  'operation-error-echo',
  'cycling-page-token',
];

/** The codes each kind may end with (unavailable-once ends in success). */
const EXPECTED: Readonly<Record<FaultKind, readonly (Code | 'ok')[]>> = {
  'unavailable-once': ['ok'],
  'unavailable-always': [Code.UNAVAILABLE],
  'not-found': [Code.NOT_FOUND],
  deadline: [Code.DEADLINE_EXCEEDED],
  'internal-details': [Code.INTERNAL],
  abort: [Code.CANCELLED],
  'connection-header': [Code.INVALID_ARGUMENT],
  'spoofing-name': [Code.INVALID_ARGUMENT],
  'echoed-secret': [Code.FAILED_PRECONDITION],
  'operation-error-echo': ['ok'],
  'cycling-page-token': [Code.INTERNAL],
};

interface Report {
  transport: string;
  calls: number;
  faults: number;
  faultsByKind: Record<string, number>;
  retries: number;
  outcomes: Record<string, number>;
  unaccounted: number;
  unexpected: number;
  /** Errors in which the credential the call sent could be read (echoed by the server). */
  leaks: number;
  rssStartMb: number;
  rssEndMb: number;
  heapStartMb: number;
  heapEndMb: number;
}

function mb(bytes: number): number {
  return Math.round((bytes / 1024 / 1024) * 10) / 10;
}

function settleMemory(): NodeJS.MemoryUsage {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  gc?.();
  return process.memoryUsage();
}

async function soak(kind: 'grpc' | 'rest', address: { grpc: string; http: string }): Promise<Report> {
  const transport =
    kind === 'grpc'
      ? createGrpcTransport({ address: address.grpc, insecure: true })
      : createRestTransport({ baseUrl: address.http, insecure: true });
  let retries = 0;
  const client = new OperationsClient({
    transport,
    retry: { initialBackoffMs: 1, maxBackoffMs: 4 },
    // One soak client is one target: give it enough throttle tokens that 1% of faults never throttle.
    throttle: { maxTokens: 1000, tokenRatio: 1 },
    onRetry: () => retries++,
  });
  const outcomes: Record<string, number> = {};
  let settled = 0;
  let faults = 0;
  const faultsByKind: Record<string, number> = {};
  let unexpected = 0;
  let leaks = 0;
  let next = 0;
  let start: NodeJS.MemoryUsage | undefined;

  const one = async (i: number): Promise<void> => {
    const name = `projects/demo/operations/op-${(i % SEED) + 1}`;
    const faulty = i % FAULT_EVERY === FAULT_EVERY - 1;
    const fault = faulty ? (KINDS[Math.floor(i / FAULT_EVERY) % KINDS.length] as FaultKind) : undefined;
    let metadata: Record<string, string> | undefined;
    let timeoutMs: number | undefined;
    let signal: AbortSignal | undefined;
    let target = name;
    let secret: string | undefined;
    if (fault) {
      faults++;
      faultsByKind[fault] = (faultsByKind[fault] ?? 0) + 1;
    }
    switch (fault) {
      case 'unavailable-once':
        // `times` counts per header value: the transport and the call make it unique to this call.
        metadata = { [FAULT_HEADER]: JSON.stringify({ code: Code.UNAVAILABLE, times: 1, call: `${kind}-${i}` }) };
        break;
      case 'unavailable-always':
        metadata = { [FAULT_HEADER]: JSON.stringify({ code: Code.UNAVAILABLE }) };
        break;
      case 'not-found':
        target = `projects/demo/operations/missing-${i}`;
        break;
      case 'deadline':
        metadata = { [FAULT_HEADER]: JSON.stringify({ delayMs: 2000 }) };
        timeoutMs = 100;
        break;
      case 'internal-details':
        metadata = {
          [FAULT_HEADER]: JSON.stringify({
            code: Code.INTERNAL,
            details: [{ '@type': 'type.googleapis.com/google.rpc.DebugInfo', detail: 'soak' }],
          }),
        };
        break;
      case 'abort':
        metadata = { [FAULT_HEADER]: JSON.stringify({ delayMs: 2000 }) };
        signal = AbortSignal.timeout(50);
        break;
      case 'connection-header':
        metadata = { connection: 'close' };
        break;
      case 'spoofing-name':
        target = `projects/demo/operations/op\u202e${i}`;
        break;
      case 'echoed-secret':
        // A key of no recognisable shape, echoed in the message and a detail: only redaction by value catches it.
        secret = `soak-${kind}-${i}-${Math.random().toString(36).slice(2)}`;
        metadata = {
          'x-goog-api-key': secret,
          [FAULT_HEADER]: JSON.stringify({
            code: Code.FAILED_PRECONDITION,
            message: `your key ${secret} is not allowed`,
            details: [
              {
                '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
                reason: 'KEY',
                domain: 'd',
                metadata: { key: secret },
              },
            ],
          }),
        };
        break;
    }
    let result: string;
    try {
      if (fault === 'operation-error-echo') {
        // An operation whose own error echoes the key the call sends: it must come back redacted.
        secret = `soak-op-${kind}-${i}-${Math.random().toString(36).slice(2)}`;
        const script = { operation: { runForMs: 0, error: { code: Code.INTERNAL, message: `failed for ${secret}` } } };
        const started = await fetch(`${address.http}/v1/projects/demo:batchOptimizeTours`, {
          method: 'POST',
          headers: { [FAULT_HEADER]: JSON.stringify(script) },
          body: '{}',
        });
        const { name: startedName } = (await started.json()) as { name: string };
        const op = await client.getOperation(startedName, { metadata: { 'x-goog-api-key': secret } });
        if (inspect(op, { depth: Infinity }).includes(secret) || op.error?.message !== 'failed for [redacted]') leaks++;
      } else if (fault === 'cycling-page-token') {
        // A server whose next page token repeats: the listing ends with INTERNAL, each name once.
        const seen = new Set<string>();
        try {
          for await (const op of client.listOperations('projects/demo', {
            pageSize: 3,
            metadata: { [FAULT_HEADER]: JSON.stringify({ listing: 'repeat-token' }) },
          })) {
            if (seen.has(op.name)) unexpected++;
            seen.add(op.name);
          }
        } finally {
          if (seen.size !== 6) unexpected++;
        }
      } else if (i % 2 === 0) await client.getOperation(target, { metadata, timeoutMs, signal });
      else await client.cancelOperation(target, { metadata, timeoutMs, signal });
      result = 'ok';
      if (fault && !EXPECTED[fault].includes('ok')) unexpected++;
    } catch (error) {
      const e = error as OperationsError;
      result = codeName(e.code);
      if (!fault || !EXPECTED[fault].includes(e.code)) unexpected++;
      if (secret !== undefined && (inspect(e, { depth: Infinity }) + JSON.stringify(e)).includes(secret)) leaks++;
    }
    outcomes[result] = (outcomes[result] ?? 0) + 1;
    settled++;
  };

  const worker = async (): Promise<void> => {
    while (next < CALLS) {
      const i = next++;
      await one(i);
      if (i === Math.floor(CALLS / 20)) start = settleMemory(); // after warm-up
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const end = settleMemory();
  await client.close();
  start ??= end;
  return {
    transport: kind,
    calls: CALLS,
    faults,
    faultsByKind,
    retries,
    outcomes,
    unaccounted: CALLS - settled,
    unexpected,
    leaks,
    rssStartMb: mb(start.rss),
    rssEndMb: mb(end.rss),
    heapStartMb: mb(start.heapUsed),
    heapEndMb: mb(end.heapUsed),
  };
}

describe(`soak: ${CALLS} calls per transport, 1% faults`, () => {
  let emulator: ChildProcess;
  let address: { grpc: string; http: string };

  beforeAll(async () => {
    emulator = spawn(process.execPath, [LONGRUN, 'emulator', '--json', '--seed', String(SEED)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const [line] = (await once(createInterface({ input: emulator.stdout! }), 'line')) as [string];
    address = JSON.parse(line) as { grpc: string; http: string };
  });
  afterAll(async () => {
    emulator.kill('SIGTERM');
    await once(emulator, 'exit');
  });

  it.each(['grpc', 'rest'] as const)(
    'over %s: every call accounted for, memory flat',
    async (kind) => {
      const report = await soak(kind, address);
      process.stdout.write(`soak ${JSON.stringify(report)}\n`);
      expect(report.unaccounted).toBe(0);
      expect(report.unexpected).toBe(0);
      expect(report.leaks).toBe(0);
      // Each unavailable-once fault is retried once, each unavailable-always one until its 5th attempt.
      const { faultsByKind: byKind } = report;
      expect(report.retries).toBe((byKind['unavailable-once'] ?? 0) + 4 * (byKind['unavailable-always'] ?? 0));
      expect(Object.values(report.outcomes).reduce((a, b) => a + b, 0)).toBe(CALLS);
      // Generous: a leak of even 100 bytes a call over 200,000 calls shows; noise doesn't.
      if ((globalThis as { gc?: unknown }).gc) expect(report.heapEndMb - report.heapStartMb).toBeLessThan(20);
    },
    900_000,
  );
});
