/**
 * The REST transport against a raw HTTP/1.1 fault server (node:net, every byte chosen by
 * the test): connections closed or reset in the middle of a response, a server that accepts
 * and never answers, and a whole answer followed by a reset. The exact OperationsError each
 * gives, whether it is retried, and how many attempts reached the server. (HTTP-level faults,
 * HTML and text errors, garbage JSON, endless bodies and connection refused are in
 * test/rest/wire.test.ts.)
 */
import { Code, OperationsClient, createRestTransport } from '../../src';
import {
  FAULT_HEADER,
  FAST_RETRY,
  FAULT_OPERATION_NAME,
  METHODS,
  NAME,
  failure,
  type Method,
  startRestFaultServer,
  type FaultServer,
  type RestFault,
} from '../helpers/fault-server';

describe('REST transport against a raw fault server', () => {
  let server: FaultServer<RestFault>;
  const clients: OperationsClient[] = [];
  /** Retries longrun's clients reported (onRetry) since the last `call`. */
  let retries = 0;

  /** A client over a fresh connection pool (and so a fresh retry throttle), closed after the test. */
  function newClient(): OperationsClient {
    const transport = createRestTransport({ baseUrl: server.address, insecure: true });
    const client = new OperationsClient({ transport, retry: FAST_RETRY, timeoutMs: 5_000, onRetry: () => retries++ });
    clients.push(client);
    return client;
  }

  function call(client: OperationsClient, method: Method, options: { retry?: false } = {}): Promise<unknown> {
    retries = 0;
    return method === 'getOperation' ? client.getOperation(NAME, options) : client.cancelOperation(NAME, options);
  }

  beforeAll(async () => {
    server = await startRestFaultServer();
  });
  afterAll(() => server.close());
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()));
  });

  describe.each(METHODS)('%s', (method) => {
    const expected = method === 'getOperation' ? { name: FAULT_OPERATION_NAME, done: false } : undefined;
    const route =
      method === 'getOperation' ? 'GET /v1/projects/p/operations/o' : 'POST /v1/projects/p/operations/o:cancel';

    it('the valid answer succeeds (the fault server speaks HTTP/1.1)', async () => {
      server.behave('ok');
      expect(await call(newClient(), method)).toEqual(expected);
      expect(server.requests).toEqual([{ path: route, fault: 'ok' }]);
    });

    it.each<RestFault>(['drop-mid-body', 'reset-mid-body'])(
      '%s: UNAVAILABLE, 5 attempts with the default policy, 1 with retry: false',
      async (fault) => {
        server.behave(fault);
        const error = await failure(call(newClient(), method));
        expect(error.code).toBe(Code.UNAVAILABLE);
        // A FIN, and a reset undici noticed as the socket closing (Node 20), say "closed"; a reset Node
        // reported as such (Node 24 and later) says "reset". longrun's words and the code, never Node's.
        expect(error.rawMessage).toMatch(
          fault === 'drop-mid-body'
            ? /^connection closed by the server \(UND_ERR_SOCKET\)$/
            : /^connection (reset|closed) by the server \((ECONNRESET|UND_ERR_SOCKET)\)$/,
        );
        expect(retries + 1).toBe(5);
        expect(server.attempts).toBe(5);
        // Each attempt came on a new connection: the last one was closed under it.
        expect(server.connections).toBe(5);

        server.behave(fault);
        const once = await failure(call(newClient(), method, { retry: false }));
        expect(once.code).toBe(Code.UNAVAILABLE);
        expect(retries + 1).toBe(1);
        expect(server.attempts).toBe(1);
      },
    );

    it.each<RestFault>(['drop-mid-body', 'reset-mid-body'])(
      'a server that fails twice with %s, then answers: the call succeeds on attempt 3',
      async (fault) => {
        server.behave(fault, fault, 'ok');
        expect(await call(newClient(), method)).toEqual(expected);
        expect(server.requests.map((request) => request.fault)).toEqual([fault, fault, 'ok']);
        expect(server.attempts).toBe(3);
        expect(retries + 1).toBe(3);
      },
    );

    it('a whole answer, then a TCP reset: the call succeeds, and so does the next one', async () => {
      server.behave('ok-then-reset', 'ok');
      const client = newClient();
      expect(await call(client, method, { retry: false })).toEqual(expected);
      expect(await call(client, method, { retry: false })).toEqual(expected);
      expect(server.requests.map((request) => request.fault)).toEqual(['ok-then-reset', 'ok']);
    });
  });

  it('a silent server: DEADLINE_EXCEEDED at the deadline, not retried (fault chosen per call by header)', async () => {
    server.behave('ok');
    const client = newClient();
    const options = { timeoutMs: 2_000, metadata: { [FAULT_HEADER]: 'silent' } };
    retries = 0;
    const [get, cancel] = await Promise.all([
      failure(client.getOperation(NAME, options)),
      failure(client.cancelOperation(NAME, options)),
    ]);
    expect([get?.code, get?.rawMessage]).toEqual([Code.DEADLINE_EXCEEDED, 'deadline exceeded (GetOperation)']);
    expect([cancel?.code, cancel?.rawMessage]).toEqual([Code.DEADLINE_EXCEEDED, 'deadline exceeded (CancelOperation)']);
    expect(retries).toBe(0);
    expect(server.requests.map((request) => request.fault)).toEqual(['silent', 'silent']);
    // The pool is fine afterwards.
    await expect(client.getOperation(NAME)).resolves.toEqual({ name: FAULT_OPERATION_NAME, done: false });
  });
});
