/**
 * The emulator as a network service (RELIABILITY 43): its REST face refuses what a web page
 * could send it (a foreign Origin, a Host that isn't its address: DNS rebinding); it
 * authenticates before it records; what a request can make it keep is capped; and the token it
 * requires can stay out of the process list (a file, or LONGRUN_EMULATOR_TOKEN).
 */
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Code, OperationsClient, createRestTransport } from '../../src';
import { startEmulator, type Emulator } from '../../src/emulator';
import { runCommand, startEmulatorProcess } from '../helpers/cli';

const TOKEN = 'emulator-token-out-of-sight-42';

/** A raw HTTP request to the emulator's REST face with the headers given; its status and body. */
function request(
  url: string,
  method: string,
  pathname: string,
  headers: Record<string, string>,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(new URL(pathname, url), { method, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end(method === 'POST' ? '{}' : undefined);
  });
}

describe("the emulator's REST face against what a web page could send", () => {
  let emulator: Emulator;
  beforeAll(async () => {
    emulator = await startEmulator({ seed: 3 });
  });
  afterAll(() => emulator.close());

  it.each([
    ['a foreign Origin', { origin: 'https://attacker.example' }],
    ['an Origin that is not a URL', { origin: 'null' }],
    ['a Host that is not its address (DNS rebinding)', { host: 'attacker.example' }],
  ])('%s: 403 PERMISSION_DENIED, and nothing runs', async (_what, headers) => {
    const port = new URL(emulator.httpUrl).port;
    const withPort = 'host' in headers ? { host: `${headers.host}:${port}` } : headers;
    for (const [method, pathname] of [
      ['POST', '/v1/projects/demo/operations/op-1:cancel'],
      ['POST', '/v1/projects/demo:batchOptimizeTours'],
    ] as const) {
      const answer = await request(emulator.httpUrl, method, pathname, withPort);
      expect(answer.status).toBe(403);
      expect(JSON.parse(answer.body)).toMatchObject({ error: { status: 'PERMISSION_DENIED' } });
    }
    expect(emulator.getOperation('projects/demo/operations/op-1').done).toBe(false);
  });

  it('its own Origin and any loopback name of its address are served', async () => {
    const port = new URL(emulator.httpUrl).port;
    for (const headers of [{ origin: emulator.httpUrl }, { host: `localhost:${port}` }, {}]) {
      const answer = await request(emulator.httpUrl, 'GET', '/v1/projects/demo/operations/op-2', headers);
      expect(answer.status).toBe(200);
    }
  });

  it('allowedHosts adds a name it answers to (a test reaching it by that name); others stay refused', async () => {
    const named = await startEmulator({ seed: 1, allowedHosts: ['ops.test'] });
    try {
      const port = new URL(named.httpUrl).port;
      const path = '/v1/projects/demo/operations/op-1';
      expect((await request(named.httpUrl, 'GET', path, { host: `ops.test:${port}` })).status).toBe(200);
      expect((await request(named.httpUrl, 'GET', path, { host: `other.test:${port}` })).status).toBe(403);
    } finally {
      await named.close();
    }
  });

  it('an API request label longer than 1,024 characters is INVALID_ARGUMENT (it would be kept)', async () => {
    const answer = await new Promise<{ status: number }>((resolve, reject) => {
      const req = http.request(
        new URL('/v1/projects/demo:batchOptimizeTours', emulator.httpUrl),
        { method: 'POST' },
        (res) => {
          res.resume();
          resolve({ status: res.statusCode ?? 0 });
        },
      );
      req.on('error', reject);
      req.end(JSON.stringify({ label: 'x'.repeat(1025) }));
    });
    expect(answer.status).toBe(400);
  });
});

describe('an emulator that requires a token', () => {
  it('neither records nor runs a request without it', async () => {
    const emulator = await startEmulator({ seed: 1, requireToken: 'the-required-token-0123' });
    const client = new OperationsClient({
      transport: createRestTransport({ baseUrl: emulator.httpUrl, insecure: true }),
    });
    try {
      const error = await client.cancelOperation('projects/demo/operations/op-1').then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toMatchObject({ code: Code.UNAUTHENTICATED });
      expect(emulator.requestCount).toBe(0);
      expect(emulator.getOperation('projects/demo/operations/op-1').done).toBe(false);
    } finally {
      await client.close();
      await emulator.close();
    }
  });

  describe.each([
    ['--require-token-file', (file: string) => [['--require-token-file', file], {}] as const],
    ['LONGRUN_EMULATOR_TOKEN', () => [[], { LONGRUN_EMULATOR_TOKEN: TOKEN }] as const],
  ])('given by %s', (_how, given) => {
    it('takes the token, and the process list does not show it', async () => {
      const dir = mkdtempSync(path.join(tmpdir(), 'longrun-emutoken-'));
      const file = path.join(dir, 'token');
      writeFileSync(file, `${TOKEN}\n`);
      const [args, env] = given(file);
      const { child, address } = await startEmulatorProcess(['--seed', '1', ...args], env);
      try {
        const listed = execFileSync('ps', ['-o', 'args=', '-p', String(child.pid)], { encoding: 'utf8' });
        expect(listed).toMatch(/emulator/);
        expect(listed).not.toContain(TOKEN);
        const flags = ['--endpoint', address.grpc as string, '--insecure', '--json'];
        const refused = await runCommand(['get', 'projects/demo/operations/op-1', ...flags]);
        expect(refused.code).toBe(1);
        const tokenFile = path.join(dir, 'client-token');
        writeFileSync(tokenFile, TOKEN);
        const served = await runCommand([
          'get',
          'projects/demo/operations/op-1',
          ...flags,
          '--access-token-file',
          tokenFile,
        ]);
        expect(served.code).toBe(0);
      } finally {
        child.kill('SIGTERM');
        await once(child, 'exit');
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});
