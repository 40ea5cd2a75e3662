/**
 * RELIABILITY 6-10 and the retry defaults, over both transports against the emulator's
 * injected faults: what is retried, how often, with what pushback, under which deadline.
 */
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

/** A fault header unique to the test, so `times` counts only its own requests. */
const fault = (spec: object): Record<string, string> => ({
  [FAULT_HEADER]: JSON.stringify({ ...spec, id: uniqueName() }),
});
const fast = { initialBackoffMs: 5, maxBackoffMs: 20 };

describe.each(transportCases)('retries over $kind', ({ kind, make }) => {
  let emulator: Emulator;
  let client: OperationsClient;

  beforeAll(async () => {
    emulator = await startEmulator();
  });
  // A transport per test: retry throttling is per target, and each test starts with full tokens.
  beforeEach(() => {
    client = new OperationsClient({ transport: make(emulator), retry: fast });
  });
  afterEach(() => client.close());
  afterAll(() => emulator.close());

  const attempts = (name: string, method = 'GetOperation'): number =>
    emulator.requests.filter((r) => r.name === name && r.method === method).length;
  const fresh = (): string => {
    const name = uniqueName();
    emulator.createOperation({ name });
    return name;
  };

  it('UNAVAILABLE twice then OK: succeeds on the third attempt (RELIABILITY 6)', async () => {
    const name = fresh();
    const op = await client.getOperation(name, { metadata: fault({ code: Code.UNAVAILABLE, times: 2 }) });
    expect(op.name).toBe(name);
    expect(attempts(name)).toBe(3);
  });

  it('CancelOperation, safe to repeat, is retried too', async () => {
    const name = fresh();
    await client.cancelOperation(name, { metadata: fault({ code: Code.UNAVAILABLE, times: 1 }) });
    expect(attempts(name, 'CancelOperation')).toBe(2);
    expect((await client.getOperation(name)).error?.code).toBe(Code.CANCELLED);
  });

  it('UNAVAILABLE every time: the last status after 5 attempts (RELIABILITY 7)', async () => {
    const name = fresh();
    const error = await rejectionOf(
      client.getOperation(name, { metadata: fault({ code: Code.UNAVAILABLE, message: 'backend down' }) }),
    );
    expect(error.code).toBe(Code.UNAVAILABLE);
    expect(error.rawMessage).toBe('backend down');
    expect(attempts(name)).toBe(5);
  });

  it('UNAVAILABLE every time under a deadline shorter than the backoffs: the last status, before the deadline', async () => {
    const name = fresh();
    const slow = new OperationsClient({
      transport: make(emulator),
      retry: { initialBackoffMs: 400, maxBackoffMs: 400, jitter: 0 },
    });
    const error = await rejectionOf(
      slow.getOperation(name, { timeoutMs: 1000, metadata: fault({ code: Code.UNAVAILABLE }) }),
    );
    await slow.close();
    expect(error.code).toBe(Code.UNAVAILABLE);
    // 0, 400, 800 ms: a fourth attempt at 1200 ms would start past the deadline.
    expect(attempts(name)).toBe(3);
  });

  it.each([Code.NOT_FOUND, Code.INVALID_ARGUMENT, Code.UNIMPLEMENTED, Code.DEADLINE_EXCEEDED, Code.PERMISSION_DENIED])(
    'code %d is returned at once, never retried (RELIABILITY 8)',
    async (code) => {
      const name = fresh();
      const error = await rejectionOf(client.getOperation(name, { metadata: fault({ code }) }));
      expect(error.code).toBe(code);
      expect(attempts(name)).toBe(1);
    },
  );

  it('retry: false and maxAttempts: 1 make one attempt', async () => {
    const name = fresh();
    const spec = fault({ code: Code.UNAVAILABLE });
    expect((await rejectionOf(client.getOperation(name, { metadata: spec, retry: false }))).code).toBe(
      Code.UNAVAILABLE,
    );
    expect((await rejectionOf(client.getOperation(name, { metadata: spec, retry: { maxAttempts: 1 } }))).code).toBe(
      Code.UNAVAILABLE,
    );
    expect(attempts(name)).toBe(2);
  });

  it('a silent server: DEADLINE_EXCEEDED at the deadline, and the server saw the deadline (RELIABILITY 9)', async () => {
    const name = fresh();
    const error = await rejectionOf(
      client.getOperation(name, { timeoutMs: 300, metadata: fault({ delayMs: 10_000 }) }),
    );
    expect(error.code).toBe(Code.DEADLINE_EXCEEDED);
    expect(attempts(name)).toBe(1);
    const seen = emulator.requests.filter((r) => r.name === name)[0];
    expect(seen?.timeoutMs).toBeGreaterThan(0);
    expect(seen?.timeoutMs).toBeLessThanOrEqual(300);
    if (kind === 'rest') expect(Number(seen?.headers['x-server-timeout'])).toBeLessThanOrEqual(0.3);
  });

  it('server pushback of 0 ms: retried at once', async () => {
    const name = fresh();
    const slow = new OperationsClient({ transport: make(emulator), retry: { initialBackoffMs: 60_000 } });
    // Without the pushback the 60 s backoff would outlast the test's limit.
    await slow.getOperation(name, { metadata: fault({ code: Code.UNAVAILABLE, times: 1, pushback: '0' }) });
    await slow.close();
    expect(attempts(name)).toBe(2);
  });

  it.each(['-1', 'soon'])('server pushback %j: not retried', async (pushback) => {
    const name = fresh();
    const error = await rejectionOf(
      client.getOperation(name, { metadata: fault({ code: Code.UNAVAILABLE, pushback }) }),
    );
    expect(error.code).toBe(Code.UNAVAILABLE);
    expect(error.retryPushbackMs).toBe(-1);
    expect(attempts(name)).toBe(1);
  });

  it('an abort during backoff stops at once', async () => {
    const name = fresh();
    const slow = new OperationsClient({ transport: make(emulator), retry: { initialBackoffMs: 60_000 } });
    const controller = new AbortController();
    // A deadline that leaves room for the 60 s backoff (a backoff past the deadline isn't waited).
    const call = slow.getOperation(name, {
      signal: controller.signal,
      timeoutMs: 120_000,
      metadata: fault({ code: Code.UNAVAILABLE }),
    });
    while (attempts(name) === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    // Let the first attempt's answer arrive: the abort should land in the backoff.
    await new Promise((resolve) => setTimeout(resolve, 100));
    controller.abort();
    const error = await rejectionOf(call);
    await slow.close();
    expect(error.code).toBe(Code.CANCELLED);
    expect(error.aborted).toBe(true);
    expect(attempts(name)).toBe(1);
  });

  it('retry throttling per target: retries stop when the tokens run low', async () => {
    const transport: Transport = make(emulator);
    const throttled = new OperationsClient({ transport, retry: fast, throttle: { maxTokens: 4, tokenRatio: 0.1 } });
    const name = fresh();
    const spec = fault({ code: Code.UNAVAILABLE });
    await rejectionOf(throttled.getOperation(name, { metadata: spec }));
    // 4 tokens: a failure leaves 3 (> 2, retry), a second leaves 2: no more retries.
    expect(attempts(name)).toBe(2);
    await rejectionOf(throttled.getOperation(name, { metadata: spec }));
    expect(attempts(name)).toBe(3);
    // Another client on the same transport (the same target) shares the throttle.
    const sibling = new OperationsClient({ transport, retry: fast });
    await rejectionOf(sibling.getOperation(name, { metadata: spec }));
    expect(attempts(name)).toBe(4);
    // The same policy again is that throttle; another is refused, not silently left unapplied.
    expect(() => new OperationsClient({ transport, throttle: { maxTokens: 4, tokenRatio: 0.1 } })).not.toThrow();
    let refused: unknown;
    try {
      new OperationsClient({ transport, throttle: { maxTokens: 100, tokenRatio: 1 } });
    } catch (e) {
      refused = e;
    }
    expect(refused).toBeInstanceOf(OperationsError);
    expect(refused).toMatchObject({ code: Code.INVALID_ARGUMENT, local: true });
    expect((refused as OperationsError).message).toMatch(/share its retry throttle.*maxTokens 4 and tokenRatio 0\.1/);
    await throttled.close();
  });

  it('a client refused for another option fixes no throttle: the next one on the transport sets its own', async () => {
    const transport = make(emulator);
    expect(
      () =>
        new OperationsClient({ transport, throttle: { maxTokens: 4, tokenRatio: 0.1 }, metadata: { connection: 'x' } }),
    ).toThrow(expect.objectContaining({ code: Code.INVALID_ARGUMENT }));
    const client = new OperationsClient({ transport, throttle: { maxTokens: 6, tokenRatio: 0.5 } });
    await client.close();
  });

  it.each([
    [{ maxTokens: 0, tokenRatio: 0.1 }, /maxTokens must be a finite number > 0/],
    [{ maxTokens: Infinity, tokenRatio: 0.1 }, /maxTokens must be a finite number > 0/],
    [{ maxTokens: 10, tokenRatio: Number.NaN }, /tokenRatio must be a number > 0/],
    [{ maxTokens: 10, tokenRatio: 11 }, /at most maxTokens/],
  ])('a throttle that cannot work, %j, is INVALID_ARGUMENT at construction', (throttle, message) => {
    const transport = make(emulator);
    expect(() => new OperationsClient({ transport, throttle })).toThrow(message);
    return transport.close();
  });

  if (kind === 'grpc') {
    it('WaitOperation is never retried', async () => {
      const name = fresh();
      const error = await rejectionOf(
        client.waitOperation(name, { metadata: fault({ code: Code.UNAVAILABLE, methods: ['WaitOperation'] }) }),
      );
      expect(error.code).toBe(Code.UNAVAILABLE);
      expect(attempts(name, 'WaitOperation')).toBe(1);
    });
  }
});

describe.each(['grpc', 'rest'] as const)('connection faults over %s (RELIABILITY 10)', (kind) => {
  const transportTo = (emulator: { grpcAddress: string; httpUrl: string }): Transport =>
    kind === 'grpc'
      ? createGrpcTransport({
          address: emulator.grpcAddress,
          insecure: true,
          channelOptions: { 'grpc.initial_reconnect_backoff_ms': 50, 'grpc.max_reconnect_backoff_ms': 100 },
        })
      : createRestTransport({ baseUrl: emulator.httpUrl, insecure: true });

  it('connection refused: UNAVAILABLE after the retries', async () => {
    const gone = await startEmulator();
    await gone.close();
    const client = new OperationsClient({ transport: transportTo(gone), retry: fast });
    const error = await rejectionOf(client.getOperation('projects/p/operations/o'));
    expect(error.code).toBe(Code.UNAVAILABLE);
    await client.close();
  });

  it('a server restarted while the client retries: the call succeeds', async () => {
    const first = await startEmulator();
    const [grpcPort, httpPort] = [Number(first.grpcAddress.split(':')[1]), Number(new URL(first.httpUrl).port)];
    await first.close();
    const client = new OperationsClient({
      transport: transportTo(first),
      retry: { initialBackoffMs: 100, maxBackoffMs: 400, maxAttempts: 5 },
    });
    const call = client.getOperation('projects/demo/operations/op-1');
    const second = await startEmulator({ grpcPort, httpPort, seed: 1 });
    try {
      expect((await call).name).toBe('projects/demo/operations/op-1');
    } finally {
      await client.close();
      await second.close();
    }
  });
});

describe('gRPC connect behaviour', () => {
  it('fails fast with UNAVAILABLE by default; waitForReady waits until the deadline', async () => {
    const gone = await startEmulator();
    await gone.close();
    const failFast = new OperationsClient({
      transport: createGrpcTransport({ address: gone.grpcAddress, insecure: true }),
      retry: { maxAttempts: 1 },
    });
    expect((await rejectionOf(failFast.getOperation('projects/p/operations/o', { timeoutMs: 5000 }))).code).toBe(
      Code.UNAVAILABLE,
    );
    await failFast.close();
    const patient = new OperationsClient({
      transport: createGrpcTransport({ address: gone.grpcAddress, insecure: true, waitForReady: true }),
    });
    expect((await rejectionOf(patient.getOperation('projects/p/operations/o', { timeoutMs: 300 }))).code).toBe(
      Code.DEADLINE_EXCEEDED,
    );
    await patient.close();
  });
});
