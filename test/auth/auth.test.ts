/**
 * Production endpoints against the emulator: TLS with a CA made at test time, a bearer token
 * from a real google-auth-library client, an API key, UNAUTHENTICATED without them, plaintext
 * refusals that happen before anything is sent, and no secret in any error or log.
 */
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { OAuth2Client } from 'google-auth-library';
import {
  Code,
  OperationsClient,
  createGrpcTransport,
  createRestTransport,
  type OperationsError,
  type Transport,
} from '../../src';
import { CallAuth, isLoopback, targetHosts } from '../../src/auth';
import { redact } from '../../src/errors';
import { startEmulator, type Emulator } from '../../src/emulator';
import { runLongrun } from '../helpers/cli';
import { makeTestPki, type TestPki } from '../helpers/tls';
import { rejectionOf } from '../helpers/transports';

const TOKEN = 'ya29.secret-token-7f3c9e1a';
const API_KEY = 'AIzaSyD-secret-api-key-000000000000000';
const NAME = 'projects/demo/operations/op-1';

/** A real auth client of google-auth-library holding a token that won't expire during the test. */
function tokenClient(token = TOKEN): OAuth2Client {
  const client = new OAuth2Client();
  client.setCredentials({ access_token: token, expiry_date: Date.now() + 3_600_000 });
  return client;
}

/** Every text a failure exposes: message, raw message, cause chain, string form, stack. */
function texts(error: OperationsError): string {
  const parts: string[] = [error.message, error.rawMessage, String(error), error.stack ?? ''];
  let cause: unknown = error.cause;
  while (cause instanceof Error) {
    parts.push(cause.message, String(cause));
    cause = cause.cause;
  }
  return parts.join('\n');
}

describe('TLS and credentials against the emulator', () => {
  let pki: TestPki;
  let emulator: Emulator;

  beforeAll(async () => {
    pki = makeTestPki();
    emulator = await startEmulator({
      seed: 2,
      tls: { cert: pki.serverCert, key: pki.serverKey },
      requireToken: TOKEN,
      requireApiKey: API_KEY,
    });
  });
  afterAll(async () => {
    await emulator.close();
    pki.cleanup();
  });

  const kinds = {
    grpc: (options: object): Transport =>
      createGrpcTransport({ address: emulator.grpcAddress, rootCerts: pki.caCert, ...options }),
    rest: (options: object): Transport =>
      createRestTransport({ baseUrl: emulator.httpUrl, rootCerts: pki.caCert, ...options }),
  };

  describe.each(Object.entries(kinds))('over %s', (_kind, make) => {
    const use = async <T>(options: object, run: (client: OperationsClient) => Promise<T>): Promise<T> => {
      const client = new OperationsClient({ transport: make(options), retry: { maxAttempts: 1 } });
      try {
        return await run(client);
      } finally {
        await client.close();
      }
    };

    it('the emulator serves TLS', () => {
      expect(emulator.httpUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    });

    it('a bearer token from an injected auth client reaches the emulator over TLS', async () => {
      const op = await use({ auth: tokenClient() }, (client) => client.getOperation(NAME));
      expect(op.name).toBe(NAME);
      const seen = emulator.requests.at(-1)!;
      // The emulator's log keeps that a credential came, never its value.
      expect(seen.headers['authorization']).toBe('[redacted]');
    });

    it('an API key does', async () => {
      const op = await use({ apiKey: API_KEY }, (client) => client.getOperation(NAME));
      expect(op.name).toBe(NAME);
      expect(emulator.requests.at(-1)!.headers['x-goog-api-key']).toBe('[redacted]');
    });

    it('without credentials: UNAUTHENTICATED', async () => {
      const error = await use({ auth: 'none' }, (client) => rejectionOf(client.getOperation(NAME)));
      expect(error.code).toBe(Code.UNAUTHENTICATED);
    });

    it('a wrong token: UNAUTHENTICATED, and the token appears nowhere', async () => {
      const wrong = 'ya29.wrong-token-should-not-leak';
      const error = await use({ auth: tokenClient(wrong) }, (client) => rejectionOf(client.getOperation(NAME)));
      expect(error.code).toBe(Code.UNAUTHENTICATED);
      expect(texts(error)).not.toContain(wrong);
    });

    it('a server certificate the client does not trust: UNAVAILABLE', async () => {
      const client = new OperationsClient({
        transport:
          _kind === 'grpc'
            ? createGrpcTransport({ address: emulator.grpcAddress, apiKey: API_KEY })
            : createRestTransport({ baseUrl: emulator.httpUrl, apiKey: API_KEY }),
        retry: { maxAttempts: 1 },
      });
      const error = await rejectionOf(client.getOperation(NAME));
      await client.close();
      expect(error.code).toBe(Code.UNAVAILABLE);
      expect(texts(error)).not.toContain(API_KEY);
    });

    it('an auth client that fails: UNAUTHENTICATED with its text redacted', async () => {
      const failing = {
        getRequestHeaders: () => Promise.reject(new Error(`refresh failed for Bearer ${TOKEN} (key=${API_KEY})`)),
      };
      const error = await use({ auth: failing }, (client) => rejectionOf(client.getOperation(NAME)));
      expect(error.code).toBe(Code.UNAUTHENTICATED);
      expect(texts(error)).not.toContain(TOKEN);
      expect(texts(error)).not.toContain(API_KEY);
    });
  });
});

describe('plaintext', () => {
  // TEST-NET-1 (RFC 5737): never routed. Nothing is sent there: the refusal comes before connecting.
  const FOREIGN = '192.0.2.1';

  it.each([
    ['grpc', () => createGrpcTransport({ address: `${FOREIGN}:443`, insecure: true, apiKey: API_KEY })],
    ['rest', () => createRestTransport({ baseUrl: `http://${FOREIGN}`, auth: tokenClient() })],
    ['grpc, raw authorization', () => createGrpcTransport({ address: `${FOREIGN}:443`, insecure: true })],
    // RELIABILITY 25: a name under localhost is not this machine; refused before any lookup.
    ['grpc, *.localhost', () => createGrpcTransport({ address: 'evil.localhost:1', insecure: true, apiKey: API_KEY })],
    ['rest, *.localhost', () => createRestTransport({ baseUrl: 'http://evil.localhost:1', apiKey: API_KEY })],
  ])('with credentials to a host that is not loopback is refused before anything is sent (%s)', async (kind, make) => {
    const client = new OperationsClient({ transport: make() });
    const metadata = kind.includes('raw') ? { authorization: `Bearer ${TOKEN}` } : undefined;
    const error = await rejectionOf(client.getOperation(NAME, { metadata }));
    await client.close();
    expect(error.code).toBe(Code.FAILED_PRECONDITION);
    expect(error.local).toBe(true);
    expect(error.message).toMatch(/refusing to send credential/);
    expect(texts(error)).not.toContain(TOKEN);
    expect(texts(error)).not.toContain(API_KEY);
  });

  it('to loopback with credentials is allowed (a local emulator that checks tokens)', async () => {
    const emulator = await startEmulator({ seed: 1, requireToken: TOKEN });
    for (const transport of [
      createGrpcTransport({ address: emulator.grpcAddress, insecure: true, auth: tokenClient() }),
      createRestTransport({ baseUrl: emulator.httpUrl, auth: tokenClient() }),
    ]) {
      const client = new OperationsClient({ transport });
      expect((await client.getOperation(NAME)).name).toBe(NAME);
      await client.close();
    }
    await emulator.close();
  });

  it('knows which hosts are loopback', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost', 'LOCALHOST', '::ffff:127.0.0.1'])
      expect(isLoopback(host)).toBe(true);
    // RELIABILITY 25: decided from the text before any lookup; a subdomain of localhost may resolve anywhere.
    for (const host of [
      'api.localhost',
      'evil.localhost',
      'localhost.',
      '127.1',
      '0.0.0.0',
      '10.0.0.1',
      '192.0.2.1',
      '::ffff:10.0.0.1',
      'example.com',
      'localhost.example.com',
      '128.0.0.1',
    ]) {
      expect(isLoopback(host)).toBe(false);
    }
    expect(targetHosts('dns:///api.example.com:443')).toEqual(['api.example.com']);
    expect(targetHosts('ipv4:127.0.0.1:1,10.0.0.2:2')).toEqual(['127.0.0.1', '10.0.0.2']);
    expect(targetHosts('[::1]:50051')).toEqual(['::1']);
    expect(targetHosts('unix:/tmp/sock')).toEqual(['localhost']);
    // One foreign host in a list is enough to refuse.
    const auth = new CallAuth({ apiKey: 'k' }, targetHosts('ipv4:127.0.0.1:1,10.0.0.2:2'), true);
    return expect(auth.apply(undefined)).rejects.toMatchObject({ code: Code.FAILED_PRECONDITION });
  });
});

describe('LONGRUN_EMULATOR_HOST', () => {
  it('switches a transport without an address to the emulator: plaintext, no credentials', async () => {
    const emulator = await startEmulator({ seed: 1 });
    const saved = process.env['LONGRUN_EMULATOR_HOST'];
    try {
      process.env['LONGRUN_EMULATOR_HOST'] = emulator.grpcAddress;
      const grpcClient = new OperationsClient({ transport: createGrpcTransport({ apiKey: API_KEY }) });
      expect((await grpcClient.getOperation(NAME)).name).toBe(NAME);
      await grpcClient.close();
      process.env['LONGRUN_EMULATOR_HOST'] = emulator.httpUrl;
      const restClient = new OperationsClient({ transport: createRestTransport() });
      expect((await restClient.getOperation(NAME)).name).toBe(NAME);
      await restClient.close();
      expect(emulator.requests.every((r) => r.headers['x-goog-api-key'] === undefined)).toBe(true);
    } finally {
      if (saved === undefined) delete process.env['LONGRUN_EMULATOR_HOST'];
      else process.env['LONGRUN_EMULATOR_HOST'] = saved;
      await emulator.close();
    }
  });
});

describe('lazy loading', () => {
  it('google-auth-library is not loaded by the library, nor by a plaintext or API-key client', () => {
    const root = path.resolve(__dirname, '../..');
    const script = `
      const l = require('longrun');
      l.createGrpcTransport({ address: '127.0.0.1:1', insecure: true });
      l.createRestTransport({ baseUrl: 'https://127.0.0.1:1', apiKey: 'k' });
      l.createGrpcTransport();
      const loaded = Object.keys(require.cache).some((f) => f.includes('google-auth-library'));
      process.stdout.write(String(loaded));`;
    expect(execFileSync(process.execPath, ['-e', script], { cwd: root, encoding: 'utf8' })).toBe('false');
  });
});

describe('redaction', () => {
  it.each([
    [`authorization: Bearer ${TOKEN}`, TOKEN],
    [`token ${TOKEN} expired`, TOKEN],
    [`GET /v1/x?key=${API_KEY}&alt=json`, API_KEY],
    [`bad key ${API_KEY}`, API_KEY],
    ['Cookie: SID=abc123; HSID=def', 'abc123'],
    ['?access_token=opaque-secret-value', 'opaque-secret-value'],
  ])('%j loses its secret', (text, secret) => {
    expect(redact(text)).not.toContain(secret);
    expect(redact(text)).toContain('[redacted]');
  });

  it('the command prints no secret it was given, in errors or otherwise', async () => {
    const emulator = await startEmulator({ seed: 1, requireApiKey: 'the-right-key' });
    try {
      const result = await runLongrun([
        'get',
        NAME,
        '--endpoint',
        emulator.grpcAddress,
        '--insecure',
        '--api-key',
        API_KEY,
        '--json',
      ]);
      expect(result.code).toBe(1);
      expect(JSON.parse(result.stdout)).toMatchObject({ code: Code.UNAUTHENTICATED });
      expect(result.stdout + result.stderr).not.toContain(API_KEY);
      expect(JSON.stringify(emulator.requests)).not.toContain(API_KEY);
    } finally {
      await emulator.close();
    }
  });
});
