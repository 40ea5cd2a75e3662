/**
 * The edges probing found (RELIABILITY 23, 27-29, 31, 32), the same over both transports
 * against the emulator: waits bounded as a whole, connection headers refused locally, every
 * rejection an OperationsError, close() with calls in flight, int32 ranges, spoofing
 * characters in names. (24 is test/property/redaction, 25 test/auth, 26 test/faults/proxy,
 * 30 and 33 the raw fault suites.)
 */
import { readdirSync } from 'node:fs';
import {
  Code,
  OperationsClient,
  OperationsError,
  createGrpcTransport,
  createRestTransport,
  type Transport,
} from '../../src';
import { startEmulator, type Emulator } from '../../src/emulator';
import { FAULT_HEADER } from '../../src/emulator/faults';
import { rejectionOf, transportCases, uniqueName } from '../helpers/transports';

/** Metadata that asks the emulator for a fault. */
function fault(spec: Record<string, unknown>): Record<string, string> {
  return { [FAULT_HEADER]: JSON.stringify(spec) };
}

/** How long `promise` took to settle, and its rejection. */
async function timedRejection(promise: Promise<unknown>): Promise<{ ms: number; error: OperationsError }> {
  const started = Date.now();
  const error = await rejectionOf(promise);
  return { ms: Date.now() - started, error };
}

/** Open file descriptors of this process (sockets included). */
function openDescriptors(): number {
  return readdirSync('/proc/self/fd').length;
}

/** The descriptor count once it stops changing (sockets of earlier tests finish closing), at most 2 s. */
async function settledDescriptors(): Promise<number> {
  let last = openDescriptors();
  for (let stable = 0, i = 0; stable < 5 && i < 100; i++) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    const now = openDescriptors();
    stable = now === last ? stable + 1 : 0;
    last = now;
  }
  return last;
}

describe.each(transportCases)('over $kind', ({ kind, make }) => {
  let emulator: Emulator;
  let client: OperationsClient;
  let retries = 0;

  beforeAll(async () => {
    emulator = await startEmulator({ cancelDelayMs: 60_000 });
    client = new OperationsClient({ transport: make(emulator), onRetry: () => retries++ });
  });
  afterAll(async () => {
    await client.close();
    await emulator.close();
  });
  beforeEach(() => {
    retries = 0;
  });

  /** The requests the emulator saw for `name`. */
  const seen = (name: string): number => emulator.requests.filter((r) => r.name === name).length;

  describe('a wait bounds every call in it (RELIABILITY 23)', () => {
    // The server's delays (5 s) are far past the waits (1.5 s): a wait that let one call run its
    // own course would settle after 5 s. The bounds asserted are the server's delay, not a speed.
    const SLOW = 5_000;

    it('cancelAndConfirm: a CancelOperation slower than the wait ends it with DEADLINE_EXCEEDED', async () => {
      const name = uniqueName();
      emulator.createOperation({ name });
      const { ms, error } = await timedRejection(
        client.cancelAndConfirm(name, {
          timeoutMs: 1_500,
          metadata: fault({ delayMs: SLOW, methods: ['CancelOperation'] }),
        }),
      );
      expect(error.code).toBe(Code.DEADLINE_EXCEEDED);
      expect(error.local).toBe(false);
      expect(ms).toBeLessThan(SLOW);
    });

    it('waitForDone: reads slower than the wait end it with DEADLINE_EXCEEDED, not a late answer', async () => {
      const name = uniqueName();
      emulator.createOperation({ name, runForMs: 2_500 });
      const { ms, error } = await timedRejection(
        client.waitForDone(name, {
          timeoutMs: 1_500,
          metadata: fault({ delayMs: SLOW, methods: ['GetOperation', 'WaitOperation'] }),
        }),
      );
      expect(error.code).toBe(Code.DEADLINE_EXCEEDED);
      expect(ms).toBeLessThan(SLOW);
    });

    it('cancelAndConfirm: a fast cancel and reads until the deadline give running, the last state read', async () => {
      const name = uniqueName();
      emulator.createOperation({ name, cancelMode: 'delayed' });
      const started = Date.now();
      const result = await client.cancelAndConfirm(name, { timeoutMs: 1_000 });
      expect(result.outcome).toBe('running');
      expect(result.operation.name).toBe(name);
      // Nothing after the deadline: the last read started before it and was bounded by it.
      expect(Date.now() - started).toBeLessThan(SLOW);
    });
  });

  describe('connection-level metadata (RELIABILITY 27)', () => {
    it.each([
      ['connection', 'close'],
      ['keep-alive', 'timeout=5'],
      ['proxy-connection', 'keep-alive'],
      ['transfer-encoding', 'chunked'],
      ['upgrade', 'h2c'],
      ['te', 'gzip'],
      ['host', 'evil.example'],
      ['expect', '100-continue'],
    ])('%s is INVALID_ARGUMENT, local, at once, never retried', async (key, value) => {
      const name = uniqueName();
      emulator.createOperation({ name });
      const error = await rejectionOf(client.cancelOperation(name, { metadata: { [key]: value } }));
      expect(error).toBeInstanceOf(OperationsError);
      expect(error.code).toBe(Code.INVALID_ARGUMENT);
      expect(error.local).toBe(true);
      expect(error.message).toContain(key);
      expect(retries).toBe(0);
      expect(seen(name)).toBe(0);
    });

    it('the same on the client-level metadata: the client refuses to be built', () => {
      expect(() => new OperationsClient({ transport: make(emulator), metadata: { connection: 'close' } })).toThrow(
        OperationsError,
      );
    });

    it('te: trailers is allowed (the one value HTTP/2 permits)', async () => {
      const name = uniqueName();
      emulator.createOperation({ name });
      await expect(client.getOperation(name, { metadata: { te: 'trailers' } })).resolves.toMatchObject({ name });
    });
  });

  describe('every rejection is an OperationsError (RELIABILITY 28)', () => {
    it('close() during a credential fetch: FAILED_PRECONDITION, local, nothing sent', async () => {
      let release: (() => void) | undefined;
      const slowAuth = {
        getRequestHeaders: () =>
          new Promise<Record<string, string>>((resolve) => (release = () => resolve({ authorization: 'Bearer t' }))),
      };
      const transport =
        kind === 'grpc'
          ? createGrpcTransport({ address: emulator.grpcAddress, insecure: true, auth: slowAuth })
          : createRestTransport({ baseUrl: emulator.httpUrl, auth: slowAuth });
      const closing = new OperationsClient({ transport });
      const name = uniqueName();
      emulator.createOperation({ name });
      const call = rejectionOf(closing.getOperation(name));
      await new Promise((resolve) => setImmediate(resolve));
      await closing.close();
      release?.();
      const error = await call;
      expect(error).toBeInstanceOf(OperationsError);
      expect(error.code).toBe(Code.FAILED_PRECONDITION);
      expect(error.local).toBe(true);
      expect(seen(name)).toBe(0);
    });

    it("a custom transport's raw rejection becomes an OperationsError with its cause", async () => {
      const inner = make(emulator);
      const raw = new Error('boom from a custom transport');
      const broken: Transport = {
        kind: inner.kind,
        version: inner.version,
        rules: inner.rules,
        supports: (method) => inner.supports(method),
        unary: () => Promise.reject(raw),
        close: (options) => inner.close(options),
      };
      const custom = new OperationsClient({ transport: broken });
      for (const call of [
        () => custom.getOperation('projects/p/operations/o'),
        () => custom.getOperation('projects/p/operations/o', { retry: false }),
        () => custom.waitOperation('projects/p/operations/o'),
      ]) {
        const error = await rejectionOf(call());
        expect(error).toBeInstanceOf(OperationsError);
        expect(error.code).toBe(Code.UNKNOWN);
        expect(error.cause).toBe(raw);
      }
      await custom.close();
    });
  });

  describe('close() (RELIABILITY 29)', () => {
    it('a call in flight against a server that never answers ends with CANCELLED after the grace; close() resolves', async () => {
      const closing = new OperationsClient({ transport: make(emulator) });
      const name = uniqueName();
      emulator.createOperation({ name });
      const call = rejectionOf(
        closing.getOperation(name, { timeoutMs: Infinity, metadata: fault({ delayMs: 60_000 }) }),
      );
      await new Promise((resolve) => setTimeout(resolve, 100)); // the request is on the wire
      await closing.close({ graceMs: 100 });
      const error = await call;
      expect(error.code).toBe(Code.CANCELLED);
      expect(error.local).toBe(false);
      expect(error.aborted).toBe(false);
      expect(error.message).toMatch(/closed while the call was in flight/);
    });

    it('a call that finishes within the grace is drained, not cut', async () => {
      const closing = new OperationsClient({ transport: make(emulator) });
      const name = uniqueName();
      emulator.createOperation({ name });
      const call = closing.getOperation(name, { metadata: fault({ delayMs: 300 }) });
      await new Promise((resolve) => setTimeout(resolve, 50));
      await closing.close({ graceMs: 10_000 });
      await expect(call).resolves.toMatchObject({ name });
    });

    it('calls after close() fail at once, local; close() again returns the same promise', async () => {
      const closing = new OperationsClient({ transport: make(emulator) });
      const first = closing.close();
      expect(closing.close()).toBe(closing.close());
      await first;
      const name = uniqueName();
      emulator.createOperation({ name });
      const error = await rejectionOf(closing.cancelOperation(name));
      expect(error.code).toBe(Code.FAILED_PRECONDITION);
      expect(error.local).toBe(true);
      expect(seen(name)).toBe(0);
    });

    it('a call waiting to retry ends at once with CANCELLED', async () => {
      const closing = new OperationsClient({ transport: make(emulator), retry: { initialBackoffMs: 60_000 } });
      const name = uniqueName();
      emulator.createOperation({ name });
      const call = timedRejection(closing.getOperation(name, { timeoutMs: Infinity, metadata: fault({ code: 14 }) }));
      await new Promise((resolve) => setTimeout(resolve, 200)); // the first attempt failed; backing off
      await closing.close({ graceMs: 0 });
      const { error, ms } = await call;
      expect(error.code).toBe(Code.CANCELLED);
      expect(error.message).toMatch(/closed/);
      expect(ms).toBeLessThan(60_000);
    });

    it('a wait between reads ends at once with CANCELLED', async () => {
      const closing = new OperationsClient({ transport: make(emulator), pollPolicy: { initialDelayMs: 60_000 } });
      const name = uniqueName();
      emulator.createOperation({ name });
      const wait = rejectionOf(closing.waitForDone(name, { timeoutMs: 120_000, useWaitOperation: false }));
      await new Promise((resolve) => setTimeout(resolve, 200)); // the first read is done: sleeping
      await closing.close({ graceMs: 0 });
      expect((await wait).code).toBe(Code.CANCELLED);
    });

    it('leaves no socket or file descriptor behind', async () => {
      const before = await settledDescriptors();
      const closing = new OperationsClient({ transport: make(emulator) });
      const name = uniqueName();
      emulator.createOperation({ name });
      await Promise.all(Array.from({ length: 20 }, () => closing.getOperation(name)));
      const slow = rejectionOf(closing.getOperation(name, { metadata: fault({ delayMs: 60_000 }) }));
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(openDescriptors()).toBeGreaterThan(before);
      await closing.close({ graceMs: 0 });
      await slow;
      // Sockets close on the next turns of the event loop (the emulator's side too).
      expect(await settledDescriptors()).toBe(before);
    });

    it('rejects a bad grace', async () => {
      const closing = new OperationsClient({ transport: make(emulator) });
      expect((await rejectionOf(closing.close({ graceMs: -1 }))).code).toBe(Code.INVALID_ARGUMENT);
    });
  });

  it('waitOperation without a deadline (timeoutMs: Infinity) waits on the server until done', async () => {
    const name = uniqueName();
    emulator.createOperation({ name, runForMs: 200 });
    const wait = client.waitOperation(name, { timeoutMs: Infinity });
    if (kind === 'grpc') expect((await wait).done).toBe(true);
    else expect(await rejectionOf(wait)).toMatchObject({ code: Code.UNIMPLEMENTED, local: true });
  });

  describe('int32 ranges (RELIABILITY 31)', () => {
    it.each([2 ** 31, 2 ** 40, Number.MAX_SAFE_INTEGER])(
      'pageSize %d: INVALID_ARGUMENT, local, nothing sent',
      async (pageSize) => {
        const before = emulator.requestCount;
        const error = await rejectionOf(client.listOperationsPage('projects/ranges', { pageSize }));
        expect(error.code).toBe(Code.INVALID_ARGUMENT);
        expect(error.local).toBe(true);
        expect(error.message).toContain('2147483647');
        expect(emulator.requestCount).toBe(before);
      },
    );

    it('pageSize 2^31 - 1 is sent', async () => {
      const page = await client.listOperationsPage('projects/ranges', { pageSize: 2 ** 31 - 1 });
      expect(page.nextPageToken).toBe('');
    });
  });

  describe('characters that spoof logs and terminals (RELIABILITY 32)', () => {
    it.each([
      ['a C1 control (NEL)', '\u0085'],
      ['the line separator', '\u2028'],
      ['the paragraph separator', '\u2029'],
      ['a bidi override (RLO)', '\u202e'],
      ['a bidi isolate (FSI)', '\u2068'],
    ])('%s in a name: INVALID_ARGUMENT, nothing sent', async (_what, c) => {
      const before = emulator.requestCount;
      for (const call of [
        (n: string) => client.cancelOperation(n),
        (n: string) => client.getOperation(n),
        (n: string) => client.cancelAndConfirm(n),
      ]) {
        const error = await rejectionOf(call(`projects/p/operations/ok${c}txt.exe`));
        expect(error.code).toBe(Code.INVALID_ARGUMENT);
        expect(error.local).toBe(true);
        expect(error.message).not.toContain(c);
      }
      expect(emulator.requestCount).toBe(before);
    });
  });
});
