/**
 * The gRPC transport against a raw HTTP/2 fault server: what a well-behaved server never
 * does (stream resets, GOAWAY, dropped connections, broken frames and statuses, silence), and
 * the exact OperationsError each one gives, whether it is retried, and how many attempts
 * longrun made and the server saw.
 *
 * The spec: stream reset / GOAWAY / connection dropped mid-call / connection refused ->
 * UNAVAILABLE (retried); truncated frame / corrupt protobuf -> INTERNAL; out-of-range
 * grpc-status -> UNKNOWN; over-size response -> RESOURCE_EXHAUSTED; a silent server ->
 * DEADLINE_EXCEEDED at the deadline. Where grpc-js gives something else the test says so:
 * `it.failing` (to the spec) where longrun's src could map it, a comment where it can't.
 */
import { Code, OperationsClient, OperationsError, createGrpcTransport, type GrpcTransportOptions } from '../../src';
import {
  FAULT_HEADER,
  FAST_RETRY,
  FAULT_OPERATION_NAME,
  METHODS,
  NAME,
  failure,
  type Method,
  startGrpcFaultServer,
  type FaultServer,
  type GrpcFault,
} from '../helpers/fault-server';

describe('gRPC transport against a raw fault server', () => {
  let server: FaultServer<GrpcFault>;
  const clients: OperationsClient[] = [];
  /** Retries longrun's clients reported (onRetry) since the last `call`. */
  let retries = 0;

  /** A client over a fresh channel (and so a fresh retry throttle), closed after the test. */
  function newClient(options: Pick<GrpcTransportOptions, 'address' | 'channelOptions'> = {}): OperationsClient {
    const transport = createGrpcTransport({ address: server.address, insecure: true, ...options });
    const client = new OperationsClient({ transport, retry: FAST_RETRY, timeoutMs: 5_000, onRetry: () => retries++ });
    clients.push(client);
    return client;
  }

  function call(client: OperationsClient, method: Method, options: { retry?: false } = {}): Promise<unknown> {
    retries = 0;
    return method === 'getOperation' ? client.getOperation(NAME, options) : client.cancelOperation(NAME, options);
  }

  /** The attempts longrun made in the last `call`. */
  function longrunAttempts(): number {
    return 1 + retries;
  }

  beforeAll(async () => {
    server = await startGrpcFaultServer();
  });
  afterAll(() => server.close());
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()));
  });

  describe.each(METHODS)('%s', (method) => {
    const path = `/google.longrunning.Operations/${method === 'getOperation' ? 'GetOperation' : 'CancelOperation'}`;
    const expected = method === 'getOperation' ? { name: FAULT_OPERATION_NAME, done: false } : undefined;

    it('the valid answer succeeds (the fault server speaks gRPC)', async () => {
      server.behave('ok');
      expect(await call(newClient(), method)).toEqual(expected);
      expect(server.requests).toEqual([{ path, fault: 'ok' }]);
    });

    describe('faults that end the call at once, never retried', () => {
      it.each<[GrpcFault, keyof typeof Code, string]>([
        // Spec: a stream reset is UNAVAILABLE. grpc-js maps RST_STREAM(NO_ERROR) without a status to
        // INTERNAL, with exactly the error of a stream that ends without trailers (truncated-end, below,
        // INTERNAL by the spec): longrun can't tell the two apart, so INTERNAL it is.
        ['rst-no-error', 'INTERNAL', 'Received RST_STREAM with code 0 (Call ended without gRPC status)'],
        ['truncated-end', 'INTERNAL', 'Received RST_STREAM with code 0 (Call ended without gRPC status)'],
        ['corrupt', 'INTERNAL', 'Response message parsing error: premature EOF'],
        ['status-99', 'UNKNOWN', 'status status-99'],
        ['status-nan', 'UNKNOWN', 'status status-nan'],
        ['oversize', 'RESOURCE_EXHAUSTED', 'Received message larger than max (4194309 vs 4194304)'],
      ])('%s: %s', async (fault, code, rawMessage) => {
        server.behave(fault);
        const error = await failure(call(newClient(), method));
        expect(Code[error.code]).toBe(code);
        expect(error.rawMessage).toBe(rawMessage);
        expect(error.details).toEqual([]);
        expect(longrunAttempts()).toBe(1);
        expect(server.attempts).toBe(1);
      });

      // Spec: a truncated frame is INTERNAL. grpc-js doesn't notice the 90 missing bytes when OK trailers
      // follow: no whole message and status OK, so it reports a cardinality violation, UNIMPLEMENTED "No
      // message received" (1 attempt). longrun maps that client-side UNIMPLEMENTED to INTERNAL, so the
      // caller never reads "the server doesn't implement this method".
      it('truncated-ok-trailers: INTERNAL (grpc-js says UNIMPLEMENTED "No message received"; longrun maps it)', async () => {
        server.behave('truncated-ok-trailers');
        const error = await failure(call(newClient(), method));
        expect(server.attempts).toBe(1);
        expect(Code[error.code]).toBe('INTERNAL');
      });
    });

    describe('faults of the connection: UNAVAILABLE, retried', () => {
      it.each<[GrpcFault, string]>([
        ['drop-mid-response', 'Connection dropped'],
        ['goaway', 'Connection dropped'],
      ])('%s: 5 attempts with the default policy, 1 with retry: false', async (fault, rawMessage) => {
        server.behave(fault);
        const error = await failure(call(newClient(), method));
        expect(error.code).toBe(Code.UNAVAILABLE);
        expect(error.rawMessage).toBe(rawMessage);
        expect(longrunAttempts()).toBe(5);
        expect(server.attempts).toBe(5);
        // Each attempt came on a new connection: the last one was dropped under it.
        expect(server.connections).toBe(5);

        server.behave(fault);
        const once = await failure(call(newClient(), method, { retry: false }));
        expect(once.code).toBe(Code.UNAVAILABLE);
        expect(longrunAttempts()).toBe(1);
        expect(server.attempts).toBe(1);
      });

      // A stream reset is UNAVAILABLE (RELIABILITY 11, 30). grpc-js maps RST_STREAM(CANCEL) to CANCELLED
      // "Call cancelled" (gRPC's HTTP/2 mapping; also what a server shutting down, or grpc-js up to 1.11 on a
      // dropped connection, gives). The caller didn't abort and longrun didn't close: the call was cut.
      it('rst-cancel: UNAVAILABLE "connection lost (Call cancelled)", 5 attempts, 1 with retry: false', async () => {
        server.behave('rst-cancel');
        const error = await failure(call(newClient(), method));
        expect([error.code, error.rawMessage]).toEqual([Code.UNAVAILABLE, 'connection lost (Call cancelled)']);
        expect(longrunAttempts()).toBe(5);
        expect(server.attempts).toBe(5);
        server.behave('rst-cancel');
        const once = await failure(call(newClient(), method, { retry: false }));
        expect(once.code).toBe(Code.UNAVAILABLE);
        expect(server.attempts).toBe(1);
      });

      it.each<GrpcFault>(['rst-refused', 'goaway-refused'])(
        '%s: UNAVAILABLE "Stream refused by server", 5 attempts by longrun, 1 with retry: false',
        async (fault) => {
          server.behave(fault);
          const error = await failure(call(newClient(), method));
          expect(error.code).toBe(Code.UNAVAILABLE);
          expect(error.rawMessage).toBe('Stream refused by server');
          expect(longrunAttempts()).toBe(5);
          expect(server.attempts).toBeGreaterThanOrEqual(5);

          server.behave(fault);
          const once = await failure(call(newClient(), method, { retry: false }));
          expect(once.code).toBe(Code.UNAVAILABLE);
          expect(longrunAttempts()).toBe(1);
          expect(server.attempts).toBeGreaterThanOrEqual(1);
        },
      );

      // longrun makes at most 5 attempts (1 with retry: false). A refused stream (RST_STREAM REFUSED_STREAM,
      // or beyond a GOAWAY's last-stream-id) was never processed, so grpc-js retries it once more itself
      // (gRFC A6 transparent retry, which RELIABILITY.md keeps on): the server sees 10 streams (2 with
      // retry: false), none of them processed twice. 'grpc.enable_retries': 0 turns that off (next test).
      it.each<GrpcFault>(['rst-refused', 'goaway-refused'])(
        '%s: longrun attempts 5 times (1 with retry: false); with transparent retries the server sees 10 (2)',
        async (fault) => {
          server.behave(fault);
          expect((await failure(call(newClient(), method))).code).toBe(Code.UNAVAILABLE);
          expect(longrunAttempts()).toBe(5);
          expect(server.attempts).toBe(10);
          server.behave(fault);
          expect((await failure(call(newClient(), method, { retry: false }))).code).toBe(Code.UNAVAILABLE);
          expect(longrunAttempts()).toBe(1);
          expect(server.attempts).toBe(2);
        },
      );

      it.each<GrpcFault>(['rst-refused', 'goaway-refused'])(
        "%s with grpc-js' own retries off ('grpc.enable_retries': 0): the server sees 5 attempts, 1 with retry: false",
        async (fault) => {
          const channelOptions = { 'grpc.enable_retries': 0 };
          server.behave(fault);
          const error = await failure(call(newClient({ channelOptions }), method));
          expect([error.code, error.rawMessage]).toEqual([Code.UNAVAILABLE, 'Stream refused by server']);
          expect(server.attempts).toBe(5);
          server.behave(fault);
          const once = await failure(call(newClient({ channelOptions }), method, { retry: false }));
          expect(once.code).toBe(Code.UNAVAILABLE);
          expect(server.attempts).toBe(1);
        },
      );

      it.each<GrpcFault>(['drop-mid-response', 'goaway', 'rst-refused', 'goaway-refused'])(
        'a server that fails twice with %s, then answers: the call succeeds on attempt 3',
        async (fault) => {
          server.behave(fault, fault, 'ok');
          expect(await call(newClient(), method)).toEqual(expected);
          expect(server.requests.map((request) => request.fault)).toEqual([fault, fault, 'ok']);
          expect(server.attempts).toBe(3);
          // A refused stream's transparent retry is grpc-js' own: longrun's second attempt got the answer.
          expect(longrunAttempts()).toBe(fault.endsWith('refused') ? 2 : 3);
        },
      );
    });
  });

  it('a silent server: DEADLINE_EXCEEDED at the deadline, not retried (fault chosen per call by metadata)', async () => {
    server.behave('ok');
    const client = newClient();
    const options = { timeoutMs: 2_000, metadata: { [FAULT_HEADER]: 'silent' } };
    retries = 0;
    const errors = await Promise.all([
      failure(client.getOperation(NAME, options)),
      failure(client.cancelOperation(NAME, options)),
    ]);
    for (const error of errors) {
      expect(error.code).toBe(Code.DEADLINE_EXCEEDED);
      expect(error.rawMessage).toMatch(/^Deadline exceeded after \d+\.\d+s,/);
    }
    expect(retries).toBe(0);
    expect(server.requests.map((request) => request.fault)).toEqual(['silent', 'silent']);
    // The channel is fine afterwards.
    await expect(client.getOperation(NAME)).resolves.toEqual({ name: FAULT_OPERATION_NAME, done: false });
  });

  it('connection refused: UNAVAILABLE, 5 attempts with the default policy, 1 with retry: false', async () => {
    const closed = await startGrpcFaultServer();
    await closed.close();
    const client = newClient({ address: closed.address });
    for (const [retry, attempts] of [
      [undefined, 5],
      [false, 1],
    ] as const) {
      const error = await failure(call(client, 'getOperation', retry === false ? { retry } : {}));
      expect(error.code).toBe(Code.UNAVAILABLE);
      expect(error.rawMessage).toMatch(/^No connection established\. Last error: .*ECONNREFUSED 127\.0\.0\.1:\d+/);
      expect(longrunAttempts()).toBe(attempts);
    }
    expect(closed.attempts).toBe(0);
  });

  // A truncated answer to CancelOperation is read as "the server doesn't implement cancel": cancelAndConfirm
  // reports `unsupported` (after reading the operation) where the spec's INTERNAL would reject.
  it('cancelAndConfirm: a truncated cancel answer rejects INTERNAL, never reads as "unsupported"', async () => {
    server.behave('truncated-ok-trailers', 'ok');
    const outcome = await newClient()
      .cancelAndConfirm(NAME, { timeoutMs: 2_000 })
      .then(
        (result) => result.outcome,
        (error: OperationsError) => Code[error.code],
      );
    expect(outcome).toBe('INTERNAL');
  });
});
