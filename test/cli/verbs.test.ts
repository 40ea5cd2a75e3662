/**
 * The `longrun` verbs on operations, run in process (`main(argv, io)`) against the emulator, over
 * both transports.
 */
import { Code } from '../../src';
import { startEmulator, type Emulator } from '../../src/emulator';
import * as path from 'node:path';
import { runCommand } from '../helpers/cli';
import { makeTestPki, type TestPki } from '../helpers/tls';
import {
  NAME as FAULT_NAME,
  startGrpcFaultServer,
  startRestFaultServer,
  type FaultServer,
  type GrpcFault,
  type RestFault,
} from '../helpers/fault-server';

const lines = (text: string): Record<string, unknown>[] =>
  text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe.each(['grpc', 'rest'] as const)('longrun verbs over %s', (transport) => {
  let emulator: Emulator;
  let flags: string[];
  let seq = 0;
  const fresh = (spec: Parameters<Emulator['createOperation']>[0] = {}): string => {
    const name = `projects/cli-${transport}/operations/op-${++seq}`;
    emulator.createOperation({ name, ...spec });
    return name;
  };

  beforeAll(async () => {
    emulator = await startEmulator({ cancelDelayMs: 100 });
    const endpoint = transport === 'grpc' ? emulator.grpcAddress : emulator.httpUrl;
    flags = ['--endpoint', endpoint, '--transport', transport, '--insecure'];
  });
  afterAll(() => emulator.close());

  it('get --json prints the operation in proto3 JSON', async () => {
    const name = fresh();
    const result = await runCommand(['get', name, ...flags, '--json']);
    expect(result.code).toBe(0);
    const [op] = lines(result.stdout);
    expect(op).toMatchObject({
      name,
      metadata: { '@type': 'type.googleapis.com/google.cloud.optimization.v1.AsyncModelMetadata', state: 'RUNNING' },
    });
    expect(op?.['done']).toBeUndefined();
  });

  it('cancel prints requested; cancel --wait confirms; get shows the cancel', async () => {
    const a = fresh();
    const b = fresh({ cancelMode: 'delayed' });
    const requested = await runCommand(['cancel', a, ...flags, '--json']);
    expect(requested.code).toBe(0);
    expect(lines(requested.stdout)).toEqual([{ name: a, outcome: 'requested' }]);
    const confirmed = await runCommand(['cancel', b, '--wait', '--timeout', '10s', ...flags, '--json']);
    expect(confirmed.code).toBe(0);
    expect(lines(confirmed.stdout)).toEqual([{ name: b, outcome: 'cancelled' }]);
    const human = await runCommand(['get', a, ...flags]);
    // How it ended, then what its metadata says: its type's short name and state.
    expect(human.stdout).toMatch(new RegExp(`^${a}  done  CANCELLED \\(1\\): .*  AsyncModelMetadata CANCELLED\n$`));
    const running = await runCommand(['get', fresh(), ...flags]);
    expect(running.stdout).toMatch(/^projects\/\S+ {2}running {2}AsyncModelMetadata RUNNING\n$/);
    const progress = await runCommand(['get', fresh({ metadata: 'progress' }), ...flags]);
    expect(progress.stdout).toMatch(/ {2}running {2}ProgressMetadata\n$/);
  });

  it('cancel --wait: unsupported and still-running are failures (exit 1); completed is success', async () => {
    const stubborn = fresh({ cancelMode: 'unimplemented' });
    const slow = fresh({ cancelMode: 'delayed', cancelDelayMs: 30_000 });
    const finishes = fresh({ cancelMode: 'ignore', cancelDelayMs: 0 });
    const result = await runCommand([
      'cancel',
      stubborn,
      slow,
      finishes,
      '--wait',
      '--timeout',
      // Long enough to connect and read on a loaded machine; the slow cancel takes 30 s, so it
      // is still running when this deadline ends.
      '1s',
      ...flags,
      '--json',
    ]);
    expect(result.code).toBe(1);
    const byName = Object.fromEntries(lines(result.stdout).map((l) => [l['name'], l]));
    expect(byName[stubborn]).toMatchObject({ outcome: 'unsupported', code: Code.UNIMPLEMENTED });
    expect(byName[slow]).toMatchObject({ outcome: 'running' });
    expect(byName[finishes]).toMatchObject({ outcome: 'completed' });
  });

  it('an invalid name: exit 2, nothing sent for it, the others still run', async () => {
    const ok = fresh();
    const before = emulator.requestCount;
    const result = await runCommand(['cancel', 'projects/x/operations/a/b', ok, ...flags, '--json']);
    expect(result.code).toBe(2);
    const out = lines(result.stdout);
    expect(out).toContainEqual(
      expect.objectContaining({ name: 'projects/x/operations/a/b', outcome: 'error', code: 3 }),
    );
    expect(out).toContainEqual({ name: ok, outcome: 'requested' });
    expect(emulator.requestCount).toBe(before + 1);
  });

  it('a server error: exit 1 with an error line', async () => {
    const result = await runCommand(['get', `projects/cli-${transport}/operations/missing`, ...flags, '--json']);
    expect(result.code).toBe(1);
    expect(lines(result.stdout)).toEqual([
      {
        name: `projects/cli-${transport}/operations/missing`,
        code: Code.NOT_FOUND,
        status: 'NOT_FOUND',
        message: `operation projects/cli-${transport}/operations/missing not found`,
      },
    ]);
  });

  it('list pages through a parent; --limit stops early; --filter applies', async () => {
    const parent = `projects/cli-list-${transport}`;
    for (let i = 0; i < 12; i++)
      emulator.createOperation({ name: `${parent}/operations/o${i}`, ...(i % 3 === 0 && { runForMs: 0 }) });
    const all = await runCommand(['list', parent, '--page-size', '5', ...flags, '--json']);
    expect(all.code).toBe(0);
    expect(lines(all.stdout).map((o) => o['name'])).toEqual(
      Array.from({ length: 12 }, (_, i) => `${parent}/operations/o${i}`),
    );
    const limited = await runCommand(['list', parent, '--limit', '4', ...flags, '--json']);
    expect(lines(limited.stdout)).toHaveLength(4);
    const done = await runCommand(['list', parent, '--filter', 'done = true', ...flags, '--json']);
    expect(lines(done.stdout).map((o) => o['name'])).toEqual([0, 3, 6, 9].map((i) => `${parent}/operations/o${i}`));
  });

  it('text a server sent cannot drive the terminal: escapes are shown, not acted on; JSON keeps the value', async () => {
    // A window title, a bell, a carriage return and a newline that would print a line of its
    // own, a right-to-left override and an 8-bit CSI, in an operation's error message.
    const hostile = 'solver died\x1b]0;owned\x07\r\nprojects/x/operations/y  cancelled \u202eevil\u009b2J';
    const name = fresh({ runForMs: 0, error: { code: Code.INTERNAL, message: hostile, details: [] } });
    // eslint-disable-next-line no-control-regex -- control characters are what it finds
    const unsafe = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e]/;
    const human = await runCommand(['get', name, ...flags]);
    expect(human.code).toBe(0);
    expect(human.stdout.split('\n').filter((l) => l !== '')).toHaveLength(1);
    expect(human.stdout).not.toMatch(unsafe);
    expect(human.stdout).toContain('solver died\\u001b]0;owned\\u0007\\u000d\\u000aprojects/x/operations/y');
    expect(human.stdout).toContain('\\u202eevil\\u009b2J');
    const json = await runCommand(['get', name, ...flags, '--json']);
    expect(json.stdout).not.toMatch(unsafe);
    expect(lines(json.stdout)[0]).toMatchObject({ name, error: { code: Code.INTERNAL, message: hostile } });
  });

  it('delete removes; wait reports done (exit 0) or still running at the deadline (exit 1)', async () => {
    const gone = fresh();
    expect((await runCommand(['delete', gone, ...flags, '--json'])).stdout.trim()).toBe(
      JSON.stringify({ name: gone, deleted: true }),
    );
    expect((await runCommand(['get', gone, ...flags])).code).toBe(1);
    const quick = fresh({ runForMs: 100 });
    const waited = await runCommand(['wait', quick, ...flags, '--json', '--timeout', '10s']);
    expect(waited.code).toBe(0);
    expect(lines(waited.stdout)[0]).toMatchObject({ name: quick, done: true });
    const never = fresh();
    // The deadline must leave time for at least one read (a fresh client connects first): with
    // none, the wait fails with DEADLINE_EXCEEDED instead of printing the operation still running.
    const timedOut = await runCommand(['wait', never, ...flags, '--timeout', '1s']);
    expect(timedOut.code).toBe(1);
    expect(timedOut.stdout).toMatch(/running/);
  });
});

describe('longrun usage errors', () => {
  it.each([
    [['get'], /missing required argument 'name'/],
    [['get', 'projects/p/operations/o', '--timeout', '2x'], /expected a duration/],
    [['get', 'projects/p/operations/o', '--transport', 'carrier-pigeon'], /Allowed choices are grpc, rest/],
    [['list', 'projects/p', '--page-size', '0'], /above 0/],
    [['cancel', 'projects/p/operations/o', '--frobnicate'], /unknown option/],
    [['get', 'operations/o', '--api', 'generic'], /--api generic has no Google endpoint: give --endpoint/],
    [['get', 'projects/p/operations/o', '--api', 'maps'], /Allowed choices are optimization, route-optimization/],
  ])('%j exits 2 with a hint', async (args, hint) => {
    // In process, the command sees an empty environment: no LONGRUN_EMULATOR_HOST.
    const result = await runCommand(args);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(hint);
  });

  it('--help on a verb exits 0', async () => {
    const result = await runCommand(['cancel', '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/--wait/);
  });
});

describe.each(['grpc', 'rest'] as const)('--timeout is the whole wait, over %s (RELIABILITY 23)', (transport) => {
  // A server that accepts every request and never answers: each call would take its own
  // deadline (10 s by default) if the wait didn't bound it. 1 s waits; the bound asserted is
  // the per-call default, not a speed.
  let server: FaultServer<GrpcFault> | FaultServer<RestFault>;
  let flags: string[];

  beforeAll(async () => {
    server = transport === 'grpc' ? await startGrpcFaultServer('silent') : await startRestFaultServer('silent');
    flags = ['--endpoint', server.address, '--transport', transport, '--insecure', '--timeout', '1s', '--json'];
  });
  afterAll(() => server.close());

  it.each([
    ['wait', ['wait', FAULT_NAME]],
    ['cancel --wait', ['cancel', FAULT_NAME, '--wait']],
  ])('%s against a silent server ends with DEADLINE_EXCEEDED within the wait', async (_verb, args) => {
    const started = Date.now();
    const result = await runCommand([...args, ...flags]);
    const elapsed = Date.now() - started;
    expect(result.code).toBe(1);
    expect(lines(result.stdout)[0]).toMatchObject({ name: FAULT_NAME, code: Code.DEADLINE_EXCEEDED });
    expect(elapsed).toBeLessThan(8_000);
  });
});

describe('TLS to an IP address (a certificate for 127.0.0.1), on every Node version', () => {
  // Node 26 refuses a TLS server name that is an IP address (RFC 6066) and Node 20-24 warn about
  // it (DEP0123): longrun sends none for an IP and still checks the certificate against the IP.
  let pki: TestPki;
  let emulator: Emulator;

  beforeAll(async () => {
    pki = makeTestPki();
    emulator = await startEmulator({ seed: 1, tls: { cert: pki.serverCert, key: pki.serverKey } });
  });
  afterAll(async () => {
    await emulator.close();
    pki.cleanup();
  });

  it.each([
    ['grpc', () => emulator.grpcAddress],
    ['rest', () => emulator.httpUrl.replace('http://', 'https://')],
  ])('longrun get over %s works, with no warning', async (transport, endpoint) => {
    const caFile = path.join(pki.dir, 'ca.crt');
    // In process, Node's warnings (DEP0123) are events of this process, not lines on stderr.
    const warnings: Error[] = [];
    const onWarning = (warning: Error): number => warnings.push(warning);
    process.on('warning', onWarning);
    const result = await runCommand([
      'get',
      'projects/demo/operations/op-1',
      '--endpoint',
      endpoint(),
      '--transport',
      transport,
      '--ca-cert',
      caFile,
      '--no-auth',
      '--json',
    ]);
    process.off('warning', onWarning);
    expect(warnings).toEqual([]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(lines(result.stdout)[0]).toMatchObject({ name: 'projects/demo/operations/op-1' });
  });

  it('a certificate without the IP is refused (the IP is checked, not skipped)', async () => {
    const other = makeTestPki([], 'localhost');
    try {
      const elsewhere = await startEmulator({ seed: 1, tls: { cert: other.serverCert, key: other.serverKey } });
      try {
        const result = await runCommand([
          'get',
          'projects/demo/operations/op-1',
          '--endpoint',
          elsewhere.grpcAddress,
          '--ca-cert',
          path.join(other.dir, 'ca.crt'),
          '--no-auth',
          '--timeout',
          '3s',
          '--json',
        ]);
        expect(result.code).toBe(1);
        expect(lines(result.stdout)[0]).toMatchObject({ code: Code.UNAVAILABLE });
      } finally {
        await elsewhere.close();
      }
    } finally {
      other.cleanup();
    }
  });
});
