/**
 * RELIABILITY 26: one proxy behaviour on both transports, decided by longrun (src/proxy.ts),
 * against a real HTTP CONNECT proxy on 127.0.0.1 that sends every tunnel to a fixed upstream
 * (the emulator, whatever host the client asked for).
 */
import * as http from 'node:http';
import * as http2 from 'node:http2';
import * as net from 'node:net';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import { Code, OperationsClient, createGrpcTransport, createRestTransport, type Transport } from '../../src';
import { startEmulator, type Emulator } from '../../src/emulator';
import { makeTestPki, type TestPki } from '../helpers/tls';
import { rejectionOf } from '../helpers/transports';

const API_KEY = 'AIzaSyD-proxy-test-key-000000000000000';
const NAME = 'projects/demo/operations/op-1';
/** A name that resolves nowhere here: only the proxy (which ignores it) can reach "it". */
const HOST = 'proxied.test';
/** Every variable that could steer a proxy, saved and cleared around each test. */
const VARS = [
  'grpc_proxy',
  'https_proxy',
  'HTTPS_PROXY',
  'http_proxy',
  'HTTP_PROXY',
  'no_grpc_proxy',
  'no_proxy',
  'NO_PROXY',
  'LONGRUN_EMULATOR_HOST',
];

interface Upstream {
  readonly host: string;
  readonly port: number;
}

interface Connect {
  /** The CONNECT request's authority (`host:port`). */
  readonly authority: string;
  readonly authorization: string | undefined;
}

/** A plain-HTTP CONNECT proxy that records each CONNECT and tunnels it to `upstream`. */
interface ConnectProxy {
  readonly url: string;
  readonly port: number;
  readonly connects: Connect[];
  upstream: Upstream;
  close(): Promise<void>;
}

async function startConnectProxy(upstream: Upstream): Promise<ConnectProxy> {
  const sockets = new Set<Duplex>();
  const track = (socket: Duplex): void => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  };
  const server = http.createServer((_req, res) => res.writeHead(405).end());
  server.on('connection', track);
  const proxy: ConnectProxy = {
    url: '',
    port: 0,
    connects: [],
    upstream,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
  server.on('connect', (req: http.IncomingMessage, client: Duplex, head: Buffer) => {
    proxy.connects.push({ authority: req.url ?? '', authorization: req.headers['proxy-authorization'] });
    track(client);
    const target = net.connect(proxy.upstream.port, proxy.upstream.host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) target.write(head);
      target.pipe(client);
      client.pipe(target);
    });
    track(target);
    target.on('error', () => client.destroy());
    client.on('error', () => target.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return Object.assign(proxy, { port, url: `http://127.0.0.1:${port}` });
}

/**
 * A TLS server (HTTP/2 and HTTP/1.1) that records the server name (SNI) and the authority of what
 * reaches it, and answers NOT_FOUND the way each transport understands.
 */
interface Recorder {
  readonly port: number;
  readonly serverNames: (string | false | null)[];
  readonly authorities: string[];
  close(): Promise<void>;
}

async function startRecorder(pki: TestPki): Promise<Recorder> {
  const sockets = new Set<TLSSocket>();
  const serverNames: (string | false | null)[] = [];
  const authorities: string[] = [];
  const server = http2.createSecureServer({ cert: pki.serverCert, key: pki.serverKey, allowHTTP1: true });
  server.on('secureConnection', (socket: TLSSocket) => {
    serverNames.push(socket.servername);
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  server.on('request', (req: http2.Http2ServerRequest, res: http2.Http2ServerResponse) => {
    if (req.httpVersion === '2.0') {
      authorities.push(String(req.headers[':authority']));
      const status = { 'content-type': 'application/grpc', 'grpc-status': '5', 'grpc-message': 'recorded' };
      res.stream.respond({ ':status': 200, ...status }, { endStream: true });
    } else {
      authorities.push(String(req.headers.host));
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 404, status: 'NOT_FOUND', message: 'recorded' } }));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    serverNames,
    authorities,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

function portOf(address: string): number {
  return Number(address.slice(address.lastIndexOf(':') + 1));
}

describe('HTTP CONNECT proxies (RELIABILITY 26)', () => {
  let pki: TestPki;
  let tlsEmulator: Emulator;
  let plainEmulator: Emulator;
  let proxy: ConnectProxy;
  let saved: Record<string, string | undefined>;

  beforeAll(async () => {
    pki = makeTestPki([HOST]);
    [tlsEmulator, plainEmulator] = await Promise.all([
      startEmulator({
        seed: 1,
        tls: { cert: pki.serverCert, key: pki.serverKey },
        requireApiKey: API_KEY,
        allowedHosts: [HOST],
      }),
      startEmulator({ seed: 1, requireApiKey: API_KEY, allowedHosts: [HOST] }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([tlsEmulator.close(), plainEmulator.close()]);
    pki.cleanup();
  });

  beforeEach(() => {
    saved = Object.fromEntries(VARS.map((name) => [name, process.env[name]]));
    for (const name of VARS) delete process.env[name];
    tlsEmulator.clearRequests();
    plainEmulator.clearRequests();
  });
  afterEach(async () => {
    for (const name of VARS) {
      const value = saved[name];
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    await proxy.close();
  });

  /** The transport's TLS target through a proxy: `proxied.test:443`, trusting the test CA. */
  const kinds = {
    grpc: {
      upstream: (emulator: Emulator): Upstream => ({ host: '127.0.0.1', port: portOf(emulator.grpcAddress) }),
      tls: (options: object, host = HOST): Transport =>
        createGrpcTransport({ address: `${host}:443`, rootCerts: pki.caCert, apiKey: API_KEY, ...options }),
      plain: (address: string, options: object): Transport =>
        createGrpcTransport({ address, insecure: true, apiKey: API_KEY, ...options }),
    },
    rest: {
      upstream: (emulator: Emulator): Upstream => ({ host: '127.0.0.1', port: portOf(emulator.httpUrl) }),
      tls: (options: object, host = HOST): Transport =>
        createRestTransport({ baseUrl: `https://${host}`, rootCerts: pki.caCert, apiKey: API_KEY, ...options }),
      plain: (address: string, options: object): Transport =>
        createRestTransport({ baseUrl: `http://${address}`, apiKey: API_KEY, ...options }),
    },
  };

  describe.each(Object.entries(kinds))('over %s', (kind, make) => {
    beforeEach(async () => {
      proxy = await startConnectProxy(make.upstream(tlsEmulator));
    });

    const use = async <T>(transport: Transport, run: (client: OperationsClient) => Promise<T>): Promise<T> => {
      const client = new OperationsClient({ transport, retry: { maxAttempts: 1 }, timeoutMs: 10_000 });
      try {
        return await run(client);
      } finally {
        await client.close();
      }
    };
    const expectThroughProxy = (): void => {
      expect(proxy.connects).toEqual([{ authority: `${HOST}:443`, authorization: undefined }]);
      const seen = tlsEmulator.requests.at(-1)!;
      expect(seen.transport).toBe(kind);
      // The emulator keeps that the key came (and matched: the call succeeded), never its value.
      expect(seen.headers['x-goog-api-key']).toBe('[redacted]');
      if (kind === 'rest') expect(seen.headers['host']).toBe(HOST);
    };

    it('the proxy option: a TLS call to a non-loopback name goes through it', async () => {
      const op = await use(make.tls({ proxy: proxy.url }), (client) => client.getOperation(NAME));
      expect(op.name).toBe(NAME);
      expectThroughProxy();
    });

    it('https_proxy in the environment: the same', async () => {
      process.env['https_proxy'] = proxy.url;
      const op = await use(make.tls({}), (client) => client.getOperation(NAME));
      expect(op.name).toBe(NAME);
      expectThroughProxy();
    });

    it('proxy user info reaches the proxy as basic Proxy-Authorization, percent-decoded', async () => {
      const url = `http://us%40er:p%3Ass@127.0.0.1:${proxy.port}`;
      await use(make.tls({ proxy: url }), (client) => client.getOperation(NAME));
      expect(proxy.connects).toEqual([
        { authority: `${HOST}:443`, authorization: `Basic ${Buffer.from('us@er:p:ss').toString('base64')}` },
      ]);
    });

    it('TLS in the tunnel is with the real host: its name as SNI and authority', async () => {
      const recorder = await startRecorder(pki);
      try {
        proxy.upstream = { host: '127.0.0.1', port: recorder.port };
        const error = await use(make.tls({ proxy: proxy.url }), (client) => rejectionOf(client.getOperation(NAME)));
        expect(error.code).toBe(Code.NOT_FOUND);
        expect(error.message).toContain('recorded');
        expect(recorder.serverNames).toEqual([HOST]);
        expect(recorder.authorities).toEqual([kind === 'grpc' ? `${HOST}:443` : HOST]);
      } finally {
        await recorder.close();
      }
    });

    it("the real host's certificate is verified: a name it doesn't hold fails, though the proxy's 127.0.0.1 is in it", async () => {
      const error = await use(make.tls({ proxy: proxy.url }, 'other.test'), (client) =>
        rejectionOf(client.getOperation(NAME)),
      );
      expect(error.code).toBe(Code.UNAVAILABLE);
      expect(proxy.connects.map((c) => c.authority)).toEqual(['other.test:443']);
      expect(tlsEmulator.requests).toHaveLength(0);
    });

    it.each([HOST, '.test', ` other.example , *.${HOST}:443 `])(
      'no_proxy=%s: no proxy (the name then resolves nowhere: UNAVAILABLE)',
      async (list) => {
        process.env['https_proxy'] = proxy.url;
        process.env['no_proxy'] = list;
        const error = await use(make.tls({}), (client) => rejectionOf(client.getOperation(NAME)));
        expect(error.code).toBe(Code.UNAVAILABLE);
        expect(proxy.connects).toEqual([]);
      },
    );

    it('a no_proxy entry for another port does not exclude', async () => {
      process.env['https_proxy'] = proxy.url;
      process.env['NO_PROXY'] = `${HOST}:8443`;
      await use(make.tls({}), (client) => client.getOperation(NAME));
      expect(proxy.connects).toHaveLength(1);
    });

    it('a loopback target never goes through a proxy, whatever the environment', async () => {
      for (const name of ['grpc_proxy', 'https_proxy', 'http_proxy', 'HTTPS_PROXY', 'HTTP_PROXY']) {
        process.env[name] = proxy.url;
      }
      const address = kind === 'grpc' ? plainEmulator.grpcAddress : plainEmulator.httpUrl.slice('http://'.length);
      const op = await use(make.plain(address, {}), (client) => client.getOperation(NAME));
      expect(op.name).toBe(NAME);
      expect(plainEmulator.requests.at(-1)!.headers['x-goog-api-key']).toBe('[redacted]');
      expect(proxy.connects).toEqual([]);
    });

    it('proxy: false ignores the environment', async () => {
      process.env['https_proxy'] = proxy.url;
      process.env['grpc_proxy'] = proxy.url;
      const error = await use(make.tls({ proxy: false }), (client) => rejectionOf(client.getOperation(NAME)));
      expect(error.code).toBe(Code.UNAVAILABLE);
      expect(proxy.connects).toEqual([]);
    });

    it.each(['option', 'environment'])(
      'plaintext with an API key to a non-loopback host, proxy from the %s: refused locally, nothing reaches the proxy',
      async (source) => {
        if (source === 'environment') {
          process.env['http_proxy'] = proxy.url;
          process.env['grpc_proxy'] = proxy.url;
        }
        const transport = make.plain(`${HOST}:80`, source === 'option' ? { proxy: proxy.url } : {});
        const error = await use(transport, (client) => rejectionOf(client.getOperation(NAME)));
        expect(error.code).toBe(Code.FAILED_PRECONDITION);
        expect(error.local).toBe(true);
        expect(error.message).not.toContain(API_KEY);
        expect(proxy.connects).toEqual([]);
      },
    );

    it('an https:// proxy is a TypeError at construction naming the variable, never its value', () => {
      process.env['https_proxy'] = 'https://user:hunter2@127.0.0.1:1';
      let error: unknown;
      try {
        make.tls({});
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(TypeError);
      expect((error as Error).message).toMatch(/^https_proxy must be an http:\/\/ proxy URL/);
      expect((error as Error).message).not.toContain('hunter2');
      expect(() => make.tls({ proxy: 'not a url' })).toThrow(/^the proxy option is not a valid proxy URL/);
    });
  });

  describe('over gRPC with several channels', () => {
    beforeEach(async () => {
      proxy = await startConnectProxy(kinds.grpc.upstream(tlsEmulator));
    });

    it('each channel tunnels through the proxy on its own connection', async () => {
      const client = new OperationsClient({
        transport: kinds.grpc.tls({ proxy: proxy.url, channels: 3 }),
        retry: { maxAttempts: 1 },
      });
      try {
        for (let i = 0; i < 6; i++) expect((await client.getOperation(NAME)).name).toBe(NAME);
      } finally {
        await client.close();
      }
      expect(proxy.connects.map((c) => c.authority)).toEqual(Array(3).fill(`${HOST}:443`));
      expect(tlsEmulator.requests).toHaveLength(6);
    });
  });

  describe('over REST with a connection limit', () => {
    beforeEach(async () => {
      proxy = await startConnectProxy(kinds.rest.upstream(tlsEmulator));
    });

    it('the limit holds through the proxy: one tunnel per connection, no more', async () => {
      const client = new OperationsClient({
        transport: kinds.rest.tls({ proxy: proxy.url, connections: 2 }),
        retry: { maxAttempts: 1 },
      });
      try {
        const ops = await Promise.all(Array.from({ length: 8 }, () => client.getOperation(NAME)));
        expect(ops.every((op) => op.name === NAME)).toBe(true);
      } finally {
        await client.close();
      }
      expect(proxy.connects.length).toBeGreaterThanOrEqual(1);
      expect(proxy.connects.length).toBeLessThanOrEqual(2);
    });
  });
});
