/**
 * The REST transport against a plain HTTP server that records what it receives: the exact
 * bytes on the wire, and the clean errors for what proxies and broken servers answer
 * (RELIABILITY 4, 13, 14, 15).
 */
import { Code, OperationsClient, createRestTransport, type Transport } from '../../src';
import { startRecordingServer, type RecordingServer } from '../helpers/http-server';
import { FAST_RETRY } from '../helpers/fault-server';
import { rejectionOf } from '../helpers/transports';

const NAME = 'projects/p/operations/o';

describe('REST transport on the wire', () => {
  let server: RecordingServer;
  let transport: Transport;
  let client: OperationsClient;

  beforeAll(async () => {
    server = await startRecordingServer();
    transport = createRestTransport({ baseUrl: server.url, insecure: true });
    // The subject here is what reaches the wire and the error a caller gets, not the backoff:
    // a 502 or 503 is retried as usual, 1-5 ms apart instead of 0.5 + 1 + 2 + 4 s.
    client = new OperationsClient({ transport, retry: FAST_RETRY });
  });
  afterAll(async () => {
    await client.close();
    await server.close();
  });
  beforeEach(() => {
    server.received.length = 0;
    server.respond((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
  });

  it('a name with special characters arrives percent-encoded, :cancel kept as the verb', async () => {
    await client.cancelOperation('projects/p/operations/a b%?#');
    expect(server.received).toHaveLength(1);
    expect(server.received[0]).toMatchObject({
      method: 'POST',
      url: '/v1/projects/p/operations/a%20b%25%3F%23:cancel',
    });
  });

  it('sends accept and the caller metadata as headers; a body-less cancel has no body', async () => {
    await client.cancelOperation(NAME, { metadata: { 'x-extra': 'yes' } });
    const [req] = server.received;
    expect(req?.headers['accept']).toBe('application/json');
    expect(req?.headers['x-extra']).toBe('yes');
    expect(req?.body).toBe('');
  });

  it('keeps a base URL path prefix', async () => {
    const prefixed = new OperationsClient({
      transport: createRestTransport({ baseUrl: `${server.url}/api/`, insecure: true }),
    });
    await prefixed.getOperation(NAME).catch(() => undefined);
    await prefixed.close();
    expect(server.received[0]?.url).toBe('/api/v1/projects/p/operations/o');
  });

  it.each([
    ['{}', 200, { 'content-type': 'application/json' }],
    ['', 200, {}],
    ['', 204, {}],
  ])('cancel succeeds on %j with HTTP %d (RELIABILITY 15)', async (body, status, headers) => {
    server.respond((_req, res) => res.writeHead(status, headers).end(body));
    await expect(client.cancelOperation(NAME)).resolves.toBeUndefined();
  });

  it('reads an Operation in the proto3 JSON mapping, int64 as strings, Any by @type', async () => {
    server.respond((_req, res) =>
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          name: NAME,
          metadata: {
            '@type': 'type.googleapis.com/longrun.emulator.v1.ProgressMetadata',
            createTimeMs: '1700000000000',
            percentDone: 40,
          },
          done: true,
          error: {
            code: 9,
            message: 'stopped',
            details: [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '1.500s' }],
          },
        }),
      ),
    );
    const op = await client.getOperation(NAME);
    expect(op.done).toBe(true);
    expect(op.metadata?.typeUrl).toBe('type.googleapis.com/longrun.emulator.v1.ProgressMetadata');
    expect(op.metadata?.value.length).toBeGreaterThan(0);
    expect(op.metadata?.json).toBeUndefined();
    expect(op.error?.code).toBe(9);
    expect(op.error?.details[0]?.typeUrl).toBe('type.googleapis.com/google.rpc.RetryInfo');
  });

  it('keeps an Any of an unknown type losslessly, without throwing', async () => {
    const response = {
      '@type': 'type.googleapis.com/google.cloud.optimization.v1.OptimizeToursResponse',
      routes: [{ vehicleIndex: 2 }],
    };
    server.respond((_req, res) =>
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ name: NAME, done: true, response })),
    );
    const op = await client.getOperation(NAME);
    expect(op.response?.typeUrl).toBe(response['@type']);
    expect(op.response?.json).toEqual({ routes: [{ vehicleIndex: 2 }] });
  });

  it('a "__proto__" member of an Any is dropped, not made the prototype of its fields', async () => {
    server.respond((_req, res) =>
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(
          `{"name":"${NAME}","done":true,"response":{"@type":"type.googleapis.com/x.v1.Unknown","__proto__":{"polluted":true},"a":1}}`,
        ),
    );
    const op = await client.getOperation(NAME);
    const json = op.response?.json as Record<string, unknown>;
    expect(json).toEqual({ a: 1 });
    expect(Object.getPrototypeOf(json)).toBe(Object.prototype);
    expect(json['polluted']).toBeUndefined();
  });

  describe('errors', () => {
    it('a Google JSON error: the status string wins over the HTTP code; details decode; unknown @type kept raw', async () => {
      server.respond((_req, res) =>
        res.writeHead(400, { 'content-type': 'application/json; charset=UTF-8' }).end(
          JSON.stringify({
            error: {
              code: 400,
              message: 'Operation projects/p/operations/o not found.',
              status: 'NOT_FOUND',
              details: [
                {
                  '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
                  reason: 'GONE',
                  domain: 'googleapis.com',
                  metadata: { k: 'v' },
                },
                { '@type': 'type.googleapis.com/example.v1.Mystery', secretSauce: 42 },
                { noType: true },
              ],
            },
          }),
        ),
      );
      const error = await rejectionOf(client.getOperation(NAME));
      expect(error.code).toBe(Code.NOT_FOUND);
      expect(error.rawMessage).toBe('Operation projects/p/operations/o not found.');
      expect(error.local).toBe(false);
      expect(error.details).toEqual([
        { type: 'google.rpc.ErrorInfo', value: { reason: 'GONE', domain: 'googleapis.com', metadata: { k: 'v' } } },
        { type: 'unknown', typeUrl: 'type.googleapis.com/example.v1.Mystery', value: { secretSauce: 42 } },
      ]);
    });

    it('a JSON error without a status falls back to its HTTP code', async () => {
      server.respond((_req, res) =>
        res
          .writeHead(429, { 'content-type': 'application/json' })
          .end(JSON.stringify({ error: { code: 429, message: 'slow down' } })),
      );
      expect((await rejectionOf(client.getOperation(NAME))).code).toBe(Code.RESOURCE_EXHAUSTED);
    });

    it.each([
      [502, 'text/html', '<html><body><h1>502 Bad Gateway</h1></body></html>', Code.UNAVAILABLE],
      [503, 'text/html', '<html>Service Unavailable</html>', Code.UNAVAILABLE],
      [404, 'text/html; charset=UTF-8', '<!DOCTYPE html><p>The requested URL was not found</p>', Code.UNIMPLEMENTED],
      [500, 'text/plain', 'upstream crashed\r\n\u001b[31mtrace', Code.INTERNAL],
      [401, 'text/plain', 'no', Code.UNAUTHENTICATED],
      [418, 'application/octet-stream', 'xx', Code.FAILED_PRECONDITION],
    ])('HTTP %d with %s gives a clean message (RELIABILITY 13)', async (status, type, body, code) => {
      server.respond((_req, res) => res.writeHead(status, { 'content-type': type }).end(body));
      const error = await rejectionOf(client.getOperation(NAME));
      expect(error.code).toBe(code);
      expect(error.message).toMatch(new RegExp(`^${Code[code]}: HTTP ${status}`));
      expect(error.message).not.toMatch(/[<>]/);
      // eslint-disable-next-line no-control-regex
      expect(error.message).not.toMatch(/[\u0000-\u001f]/);
      if (type === 'text/plain') expect(error.message).toContain(body.slice(0, 2));
    });

    it('garbage JSON on 200 is INTERNAL', async () => {
      server.respond((_req, res) =>
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"name": "x", done'),
      );
      const error = await rejectionOf(client.getOperation(NAME));
      expect(error.code).toBe(Code.INTERNAL);
      expect(error.message).toMatch(/malformed JSON/);
    });

    it('a 200 that is not JSON: its text reaches no part of the error, cause included (RELIABILITY 35)', async () => {
      server.respond((_req, res) =>
        res.writeHead(200, { 'content-type': 'text/html' }).end('<!DOCTYPE html><p>echo tokBODY-0123456789</p>'),
      );
      const error = await rejectionOf(client.getOperation(NAME));
      expect(error.code).toBe(Code.INTERNAL);
      const printed = `${String(error)} ${JSON.stringify(error)} ${String(error.cause)} ${error.stack ?? ''}`;
      expect(printed).not.toMatch(/DOCTYPE|tokBODY/);
    });

    it('JSON of the wrong shape on 200 is INTERNAL', async () => {
      server.respond((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('[1,2,3]'));
      expect((await rejectionOf(client.getOperation(NAME))).code).toBe(Code.INTERNAL);
      server.respond((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"done": "yes"}'));
      expect((await rejectionOf(client.getOperation(NAME))).code).toBe(Code.INTERNAL);
    });

    it('an endless error body is cut at 64 KiB and the call ends with the HTTP code', async () => {
      let written = 0;
      server.respond((_req, res) => {
        res.writeHead(503, { 'content-type': 'application/json' });
        const chunk = Buffer.alloc(16 * 1024, 'x');
        const pump = (): void => {
          while (!res.destroyed) {
            written += chunk.length;
            if (!res.write(chunk)) break;
          }
          if (!res.destroyed) res.once('drain', pump);
        };
        res.on('error', () => undefined);
        pump();
      });
      const error = await rejectionOf(client.getOperation(NAME, { timeoutMs: 20_000 }));
      expect(error.code).toBe(Code.UNAVAILABLE);
      expect(written).toBeGreaterThanOrEqual(64 * 1024);
    });

    it('a body larger than maxResponseBytes is RESOURCE_EXHAUSTED', async () => {
      const small = new OperationsClient({
        transport: createRestTransport({ baseUrl: server.url, insecure: true, maxResponseBytes: 1024 }),
      });
      server.respond((_req, res) =>
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ name: NAME, pad: 'x'.repeat(4096) })),
      );
      expect((await rejectionOf(small.getOperation(NAME))).code).toBe(Code.RESOURCE_EXHAUSTED);
      await small.close();
    });

    it('the deadline covers the body: headers then silence is DEADLINE_EXCEEDED', async () => {
      server.respond((_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"name": ');
      });
      const error = await rejectionOf(client.getOperation(NAME, { timeoutMs: 200 }));
      expect(error.code).toBe(Code.DEADLINE_EXCEEDED);
    });

    it('an abort while the body streams is CANCELLED with aborted: true', async () => {
      server.respond((_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"name": ');
      });
      const controller = new AbortController();
      const call = client.getOperation(NAME, { signal: controller.signal });
      while (server.received.length === 0) await new Promise((resolve) => setImmediate(resolve));
      controller.abort();
      const error = await rejectionOf(call);
      expect(error.code).toBe(Code.CANCELLED);
      expect(error.aborted).toBe(true);
      expect(error.local).toBe(false);
    });
  });

  it('WaitOperation has no rule in Optimization v1: a local UNIMPLEMENTED, nothing sent', async () => {
    const error = await rejectionOf(
      transport.unary({
        method: 'waitOperation',
        request: { name: NAME },
        deadline: undefined,
        signal: undefined,
        metadata: undefined,
      }),
    );
    expect(error.code).toBe(Code.UNIMPLEMENTED);
    expect(error.local).toBe(true);
    expect(error.message).toMatch(/WaitOperation has no HTTP rule in optimization\.v1/);
    expect(server.received).toHaveLength(0);
  });
});

describe('REST transport, connection failures', () => {
  it('connection refused is UNAVAILABLE (RELIABILITY 10)', async () => {
    const server = await startRecordingServer();
    const url = server.url;
    await server.close();
    // Retried as usual (the code, not the backoff, is the subject): 1-5 ms apart.
    const client = new OperationsClient({
      transport: createRestTransport({ baseUrl: url, insecure: true }),
      retry: FAST_RETRY,
    });
    const error = await rejectionOf(client.getOperation(NAME));
    expect(error.code).toBe(Code.UNAVAILABLE);
    await client.close();
  });

  it('refuses a base URL that is not http(s)', () => {
    expect(() => createRestTransport({ baseUrl: 'ftp://example.com' })).toThrow(TypeError);
    expect(() => createRestTransport({ baseUrl: 'http://127.0.0.1:1/?q=1' })).toThrow(TypeError);
  });
});
