/**
 * Listings a hostile or broken server gives (RELIABILITY 36, 38), over both transports against
 * the emulator's listing faults: an operation listed outside the parent is never cancelled (an
 * outcome of its own, and the command exits 1); a page token given twice, or the same page
 * again and again, ends the listing with INTERNAL, every operation handled once. And what the
 * client sends in a listing (filter, page token) is text (RELIABILITY 39).
 */
import { Code, OperationsClient, type CancelMatchingResult } from '../../src';
import { startEmulator, type Emulator } from '../../src/emulator';
import { FAULT_HEADER } from '../../src/emulator/faults';
import { jsonLines, runCommand } from '../helpers/cli';
import { startRecordingServer } from '../helpers/http-server';
import { transportCases } from '../helpers/transports';

const listing = (kind: string): Record<string, string> => ({ [FAULT_HEADER]: JSON.stringify({ listing: kind }) });
const THEIRS = 'projects/victim/operations/theirs';

async function collect<T>(items: AsyncIterable<T>): Promise<{ items: T[]; error: unknown }> {
  const found: T[] = [];
  try {
    for await (const item of items) found.push(item);
  } catch (error) {
    return { items: found, error };
  }
  return { items: found, error: undefined };
}

describe.each(transportCases)('listings over $kind', ({ kind, make }) => {
  let emulator: Emulator;
  let client: OperationsClient;
  let project = 0;
  /** A parent of its own with `count` running operations. */
  const parentWith = (count: number): { parent: string; names: string[] } => {
    const parent = `projects/list-${kind}-${++project}`;
    const names = Array.from({ length: count }, (_, i) => `${parent}/operations/op-${String(i).padStart(2, '0')}`);
    for (const name of names) emulator.createOperation({ name });
    return { parent, names };
  };

  beforeAll(async () => {
    emulator = await startEmulator();
    client = new OperationsClient({ transport: make(emulator) });
  });
  afterAll(async () => {
    await client.close();
    await emulator.close();
  });

  it.each([
    ['filter', { filter: 'done = \ud800false' }],
    ['filter', { filter: 'done = false\r\nx-injected: 1' }],
    ['pageToken', { pageToken: 'tok\udc00' }],
    ['pageToken', { pageToken: 'tok\u0000en' }],
  ])(
    '%s with an unpaired surrogate or a control character: INVALID_ARGUMENT, local, nothing sent',
    async (what, options) => {
      const { parent } = parentWith(1);
      const before = emulator.requestCount;
      const error = await client.listOperationsPage(parent, options).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toMatchObject({ code: Code.INVALID_ARGUMENT, local: true });
      expect(String((error as Error).message)).toMatch(
        new RegExp(`^INVALID_ARGUMENT: ${what} has a control character`),
      );
      expect(emulator.requestCount).toBe(before);
    },
  );

  it('an operation listed outside the parent: outside-parent, never cancelled; the others are', async () => {
    const { parent, names } = parentWith(3);
    const { items, error } = await collect(client.cancelMatching(parent, { metadata: listing('foreign') }));
    expect(error).toBeUndefined();
    const outcomes = Object.fromEntries(items.map((r: CancelMatchingResult) => [r.name, r.outcome]));
    expect(outcomes).toEqual({ ...Object.fromEntries(names.map((n) => [n, 'requested'])), [THEIRS]: 'outside-parent' });
    const cancels = emulator.requests.filter((r) => r.method === 'CancelOperation').map((r) => r.name);
    expect(cancels).not.toContain(THEIRS);
    expect(cancels).toEqual(expect.arrayContaining(names));
  });

  it('a page token given twice: INTERNAL after the pages it had, each operation once', async () => {
    const { parent, names } = parentWith(6);
    const listed = await collect(client.listOperations(parent, { pageSize: 2, metadata: listing('repeat-token') }));
    expect(listed.items.map((op) => op.name)).toEqual(names.slice(0, 4));
    expect(listed.error).toMatchObject({ code: Code.INTERNAL, local: false });
    expect(String((listed.error as Error).message)).toMatch(/page token it had given before/);

    const before = emulator.requests.length;
    const cancelled = await collect(
      client.cancelMatching(parent, { pageSize: 2, metadata: listing('repeat-token'), dryRun: true }),
    );
    expect(cancelled.items.map((r) => r.name)).toEqual(names.slice(0, 4));
    expect(cancelled.error).toMatchObject({ code: Code.INTERNAL });
    // Two pages asked for, then it stopped (not thousands).
    expect(emulator.requests.length - before).toBe(2);
  });

  it('the same page whatever the token: INTERNAL before it is handled again', async () => {
    const { parent, names } = parentWith(4);
    const before = emulator.requests.length;
    const { items, error } = await collect(
      client.cancelMatching(parent, { pageSize: 2, metadata: listing('same-page') }),
    );
    expect(items.map((r) => r.name).sort()).toEqual(names.slice(0, 2));
    expect(error).toMatchObject({ code: Code.INTERNAL });
    expect(String((error as Error).message)).toMatch(/same operations as an earlier page/);
    const sent = emulator.requests.slice(before);
    expect(sent.filter((r) => r.method === 'ListOperations')).toHaveLength(2);
    expect(sent.filter((r) => r.method === 'CancelOperation')).toHaveLength(2);
  });
});

describe('longrun cancel --parent against a server listing outside the parent', () => {
  it('prints outside-parent, sends nothing for it, counts it, exits 1', async () => {
    const server = await startRecordingServer();
    const mine = 'projects/mine/operations/ours';
    server.respond((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      if (req.method === 'POST' && req.url?.endsWith(':cancel')) return void res.end('{}');
      res.end(JSON.stringify({ operations: [{ name: mine }, { name: THEIRS }] }));
    });
    try {
      const result = await runCommand([
        'cancel',
        '--parent',
        'projects/mine',
        '--endpoint',
        server.url,
        '--transport',
        'rest',
        '--insecure',
        '--json',
      ]);
      expect(result.code).toBe(1);
      const lines = jsonLines(result.stdout);
      expect(lines).toEqual(
        expect.arrayContaining([
          { name: mine, outcome: 'requested' },
          { name: THEIRS, outcome: 'outside-parent' },
        ]),
      );
      expect(result.stderr).toMatch(/1 outside-parent/);
      const cancels = server.received.filter((r) => r.url?.endsWith(':cancel')).map((r) => r.url);
      expect(cancels).toEqual([`/v1/${mine}:cancel`]);
    } finally {
      await server.close();
    }
  });
});
