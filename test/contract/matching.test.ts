/**
 * cancelMatching over both transports: list and cancel in one streaming pass, exactly the
 * operations the filter matches even though each cancel takes one out of the filter's result
 * set while later pages are still to be read; a dry run sends no cancel.
 */
import { Code, OperationsClient, type CancelMatchingResult, type OperationsError } from '../../src';
import { startEmulator, type Emulator } from '../../src/emulator';
import { transportCases } from '../helpers/transports';

async function collect(results: AsyncIterable<CancelMatchingResult>): Promise<CancelMatchingResult[]> {
  const all: CancelMatchingResult[] = [];
  for await (const result of results) all.push(result);
  return all;
}

describe.each(transportCases)('cancelMatching over $kind', ({ kind, make }) => {
  let emulator: Emulator;
  let client: OperationsClient;
  let batch = 0;

  /**
   * A parent of its own with `running` operations running until cancelled and `finished` ones
   * done at once, interleaved (every sixth is finished while both last), in creation order.
   */
  const seed = (running: number, finished: number, spec: object = {}) => {
    const parent = `projects/match-${kind}-${process.pid}-${++batch}`;
    const live: string[] = [];
    const done: string[] = [];
    for (let i = 0; live.length < running || done.length < finished; i++) {
      const name = `${parent}/operations/op-${i}`;
      const finish = done.length < finished && (i % 6 === 5 || live.length === running);
      emulator.createOperation(finish ? { name, runForMs: 0 } : { name, ...spec });
      (finish ? done : live).push(name);
    }
    return { parent, live, done };
  };
  const sent = (method: string, parent: string): string[] =>
    emulator.requests.filter((r) => r.method === method && r.name.startsWith(parent)).map((r) => r.name);

  beforeAll(async () => {
    emulator = await startEmulator({ cancelDelayMs: 50 });
    client = new OperationsClient({ transport: make(emulator), pollPolicy: { initialDelayMs: 10, maxDelayMs: 30 } });
  });
  afterAll(async () => {
    await client.close();
    await emulator.close();
  });

  it.each([1, 4, 32])(
    '"done = false", pages of 7, concurrency %i: exactly the 50 running are cancelled, none skipped',
    async (concurrency) => {
      const { parent, live } = seed(50, 10);
      const results = await collect(
        client.cancelMatching(parent, { filter: 'done = false', pageSize: 7, concurrency }),
      );
      expect(results).toHaveLength(50);
      expect(results.every((r) => r.outcome === 'requested')).toBe(true);
      expect(results.map((r) => r.name).sort()).toEqual([...live].sort());
      expect(sent('CancelOperation', parent).sort()).toEqual([...live].sort());
      // Each one is done now, cancelled; the finished ones untouched.
      const left = await client.listOperationsPage(parent, { filter: 'done = false' });
      expect(left.operations).toEqual([]);
    },
  );

  it('cancels that take effect later (still "done = false" on later pages): each listed and cancelled once', async () => {
    const { parent, live } = seed(60, 0, { cancelMode: 'delayed', cancelDelayMs: 60_000 });
    const results = await collect(client.cancelMatching(parent, { filter: 'done = false', pageSize: 7 }));
    expect(results.map((r) => r.name).sort()).toEqual([...live].sort());
    expect(sent('CancelOperation', parent)).toHaveLength(60);
  });

  it('dry run: a would-cancel per running operation, the listed operation with it, no cancel sent', async () => {
    const { parent, live } = seed(50, 10);
    const results = await collect(client.cancelMatching(parent, { filter: 'done = false', pageSize: 7, dryRun: true }));
    expect(results.map((r) => r.outcome)).toEqual(Array(50).fill('would-cancel'));
    expect(results.map((r) => r.name)).toEqual(live); // listing order: nothing to wait for
    const first = results[0]!;
    expect(first.outcome === 'would-cancel' && first.operation.done).toBe(false);
    expect(sent('CancelOperation', parent)).toEqual([]);
    expect(sent('ListOperations', parent)).toHaveLength(Math.ceil(50 / 7));
  });

  it('no filter: finished ones are already-done and get no cancel; the running ones are cancelled', async () => {
    const { parent, live, done } = seed(50, 10);
    const results = await collect(client.cancelMatching(parent, { pageSize: 7 }));
    expect(results).toHaveLength(60);
    const already = results.filter((r) => r.outcome === 'already-done');
    expect(already.map((r) => r.name).sort()).toEqual([...done].sort());
    expect(results.filter((r) => r.outcome === 'requested')).toHaveLength(50);
    expect(sent('CancelOperation', parent).sort()).toEqual([...live].sort());
  });

  it('skip: those it picks are skipped and get no cancel', async () => {
    const { parent, live } = seed(20, 0);
    const skipped = new Set(live.slice(0, 5));
    const results = await collect(
      client.cancelMatching(parent, { filter: 'done = false', skip: (op) => skipped.has(op.name) }),
    );
    expect(results.filter((r) => r.outcome === 'skipped').map((r) => r.name)).toEqual([...skipped]);
    expect(sent('CancelOperation', parent).sort()).toEqual(live.slice(5).sort());
  });

  it('wait: each confirmed cancelled', async () => {
    const { parent } = seed(12, 3, { cancelMode: 'delayed' });
    const results = await collect(
      client.cancelMatching(parent, { filter: 'done = false', pageSize: 5, wait: true, poll: { timeoutMs: 10_000 } }),
    );
    expect(results.map((r) => r.outcome)).toEqual(Array(12).fill('cancelled'));
  });

  it('reads pages only as fast as cancels start, and stops asking when the consumer leaves', async () => {
    const { parent } = seed(200, 0);
    let seen = 0;
    for await (const result of client.cancelMatching(parent, {
      filter: 'done = false',
      pageSize: 10,
      concurrency: 2,
    })) {
      expect(result.outcome).toBe('requested');
      if (++seen === 5) break;
    }
    expect(sent('ListOperations', parent).length).toBeLessThanOrEqual(2);
    expect(sent('CancelOperation', parent).length).toBeLessThanOrEqual(5 + 2);
  });

  it('stop: no further page; the rest of the page in hand is not-attempted', async () => {
    const { parent } = seed(100, 0);
    const stop = new AbortController();
    const results: CancelMatchingResult[] = [];
    for await (const result of client.cancelMatching(parent, {
      filter: 'done = false',
      pageSize: 20,
      concurrency: 2,
      stop: stop.signal,
    })) {
      results.push(result);
      if (results.length === 3) stop.abort();
    }
    const requested = results.filter((r) => r.outcome === 'requested').length;
    const notAttempted = results.filter((r) => r.outcome === 'not-attempted').length;
    expect(requested + notAttempted).toBe(20);
    expect(notAttempted).toBeGreaterThan(0);
    expect(sent('ListOperations', parent)).toHaveLength(1);
    expect(sent('CancelOperation', parent)).toHaveLength(requested);
  });

  it('a filter the server refuses: the list error is thrown, nothing cancelled', async () => {
    const { parent } = seed(3, 0);
    const error = await collect(client.cancelMatching(parent, { filter: 'name = "x"' })).then(
      () => undefined,
      (e: OperationsError) => e,
    );
    expect(error).toMatchObject({ code: Code.INVALID_ARGUMENT });
    expect(sent('CancelOperation', parent)).toEqual([]);
  });

  it('an invalid parent: INVALID_ARGUMENT, local, nothing sent', async () => {
    const before = emulator.requestCount;
    await expect(collect(client.cancelMatching('not a parent'))).rejects.toMatchObject({
      code: Code.INVALID_ARGUMENT,
      local: true,
    });
    expect(emulator.requestCount).toBe(before);
  });
});
