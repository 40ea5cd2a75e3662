/** cancelMany over both transports: one result per name, whatever happens, reading the input lazily. */
import { Code, OperationsClient, type CancelManyResult } from '../../src';
import { startEmulator, type Emulator } from '../../src/emulator';
import { FAULT_HEADER } from '../../src/emulator/faults';
import { transportCases } from '../helpers/transports';

async function collect(results: AsyncIterable<CancelManyResult>): Promise<CancelManyResult[]> {
  const all: CancelManyResult[] = [];
  for await (const result of results) all.push(result);
  return all;
}

describe.each(transportCases)('cancelMany over $kind', ({ kind, make }) => {
  let emulator: Emulator;
  let client: OperationsClient;
  let batch = 0;
  /** `count` fresh running operations under a parent of their own. */
  const seed = (count: number, spec: object = {}): string[] => {
    const parent = `projects/many-${kind}-${++batch}`;
    return Array.from({ length: count }, (_, i) => {
      const name = `${parent}/operations/op-${i}`;
      emulator.createOperation({ name, ...spec });
      return name;
    });
  };

  beforeAll(async () => {
    emulator = await startEmulator({ cancelDelayMs: 50 });
    client = new OperationsClient({ transport: make(emulator), pollPolicy: { initialDelayMs: 10, maxDelayMs: 30 } });
  });
  afterAll(async () => {
    await client.close();
    await emulator.close();
  });

  it('2,000 names: each exactly one `requested`, and every operation cancelled', async () => {
    const names = seed(2000);
    const results = await collect(client.cancelMany(names, { concurrency: 16 }));
    expect(results).toHaveLength(2000);
    expect(new Set(results.map((r) => r.name)).size).toBe(2000);
    expect(results.every((r) => r.outcome === 'requested')).toBe(true);
    const done = await client.listOperationsPage(names[0]!.split('/operations/')[0]!, {
      filter: 'done = true',
      pageSize: 1000,
    });
    expect(done.operations).toHaveLength(1000);
  });

  it('reads the input only as fast as calls start, and closes it when the consumer stops', async () => {
    const names = seed(50);
    let pulled = 0;
    let closed = false;
    function* input(): Generator<string> {
      try {
        for (let i = 0; i < 1_000_000; i++) {
          pulled++;
          yield names[i % names.length]!;
        }
      } finally {
        closed = true;
      }
    }
    let seen = 0;
    for await (const result of client.cancelMany(input(), { concurrency: 8 })) {
      expect(result.outcome).toBe('requested');
      if (++seen === 20) break;
    }
    expect(pulled).toBeLessThanOrEqual(20 + 2 * 8);
    expect(closed).toBe(true);
  });

  it('invalid names get an error and nothing is sent for them; the others go on', async () => {
    const [good] = seed(1);
    const bad = ['nope', 'projects/p/operations/a/b'];
    const results = await collect(client.cancelMany([bad[0]!, good!, bad[1]!]));
    expect(results).toHaveLength(3);
    const errors = results.filter((r) => r.outcome === 'error');
    expect(errors.map((r) => r.name).sort()).toEqual(bad);
    for (const r of errors)
      if (r.outcome === 'error') expect(r.error).toMatchObject({ code: Code.INVALID_ARGUMENT, local: true });
    expect(emulator.requests.filter((r) => bad.includes(r.name) || r.name === 'projects/p/operations/a')).toEqual([]);
    expect(emulator.requests.filter((r) => r.name === good)).toHaveLength(1);
  });

  it('wait: each confirmed', async () => {
    const names = [...seed(5), ...seed(5, { cancelMode: 'delayed' }), ...seed(2, { cancelMode: 'unimplemented' })];
    const results = await collect(client.cancelMany(names, { wait: true, poll: { timeoutMs: 10_000 } }));
    const outcomes = results.map((r) => r.outcome).sort();
    expect(outcomes).toEqual([...Array(10).fill('cancelled'), 'unsupported', 'unsupported']);
  });

  it('stop: nothing more starts, every other name is not-attempted', async () => {
    const names = seed(200);
    const stop = new AbortController();
    const results: CancelManyResult[] = [];
    for await (const result of client.cancelMany(names, { concurrency: 4 })) {
      results.push(result);
      if (results.length === 10) stop.abort();
      if (results.length === 10) break;
    }
    // Same names again, stopped from the start: all not-attempted, none sent.
    const before = emulator.requestCount;
    const stopped = await collect(client.cancelMany(names, { stop: AbortSignal.abort() }));
    expect(stopped).toHaveLength(200);
    expect(stopped.every((r) => r.outcome === 'not-attempted')).toBe(true);
    expect(emulator.requestCount).toBe(before);
  });

  it('a stop mid-run: in-flight calls finish, the rest are not-attempted, one result per name', async () => {
    const names = seed(300);
    const stop = new AbortController();
    const results: CancelManyResult[] = [];
    for await (const result of client.cancelMany(names, {
      concurrency: 4,
      stop: stop.signal,
      metadata: { [FAULT_HEADER]: JSON.stringify({ delayMs: 5 }) },
    })) {
      results.push(result);
      if (results.length === 20) stop.abort();
    }
    expect(results).toHaveLength(300);
    expect(new Set(results.map((r) => r.name)).size).toBe(300);
    const requested = results.filter((r) => r.outcome === 'requested').length;
    expect(requested).toBeGreaterThanOrEqual(20);
    expect(requested).toBeLessThanOrEqual(24);
    expect(results.filter((r) => r.outcome === 'not-attempted')).toHaveLength(300 - requested);
  });

  it('RESOURCE_EXHAUSTED with RetryInfo: slows down and tries again rather than failing the name', async () => {
    const names = seed(6);
    const fault = {
      code: Code.RESOURCE_EXHAUSTED,
      times: 4,
      details: [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '0.050s' }],
      id: `quota-${kind}`,
    };
    const results = await collect(
      client.cancelMany(names, { concurrency: 3, metadata: { [FAULT_HEADER]: JSON.stringify(fault) } }),
    );
    expect(results.map((r) => r.outcome)).toEqual(Array(6).fill('requested'));
    const cancels = emulator.requests.filter((r) => r.method === 'CancelOperation' && names.includes(r.name));
    expect(cancels).toHaveLength(6 + 4);
  });
});
