/**
 * waitForDone's auto-cancel, over both transports against the emulator: a wait that gives up
 * (its deadline with cancelOnTimeout, its signal with cancelOnAbort) cancels the operation it
 * waited on, within the grace, as RPCs of the wait; without them giving up only stops waiting.
 */
import * as grpc from '@grpc/grpc-js';
import { FleetRoutingClient } from '../../generated/google/cloud/optimization/v1/fleet_routing';
import { Code, OperationsClient, operationResult, type AutoCancel, type Interceptor, type Operation } from '../../src';
import { startEmulator, type Emulator } from '../../src/emulator';
import { FAULT_HEADER } from '../../src/emulator/faults';
import { rejectionOf, transportCases, uniqueName } from '../helpers/transports';

const fast = { initialDelayMs: 20, maxDelayMs: 100 };

describe.each(transportCases)('waitForDone auto-cancel over $kind', ({ kind, make }) => {
  let emulator: Emulator;
  let client: OperationsClient;
  let fleet: FleetRoutingClient;

  beforeAll(async () => {
    emulator = await startEmulator({ runForMs: Infinity });
    client = new OperationsClient({ transport: make(emulator), pollPolicy: fast });
    fleet = new FleetRoutingClient(emulator.grpcAddress, grpc.credentials.createInsecure());
  });
  afterAll(async () => {
    fleet.close();
    await client.close();
    await emulator.close();
  });

  /** Starts an optimization with the API's own BatchOptimizeTours, over this suite's transport. */
  async function startBatch(headers: Record<string, string> = {}): Promise<string> {
    if (kind === 'grpc') {
      const metadata = new grpc.Metadata();
      for (const [key, value] of Object.entries(headers)) metadata.set(key, value);
      return new Promise((resolve, reject) =>
        fleet.batchOptimizeTours({ parent: 'projects/auto', modelConfigs: [] }, metadata, (error, op) =>
          error ? reject(error) : resolve(op.name),
        ),
      );
    }
    const response = await fetch(`${emulator.httpUrl}/v1/projects/auto:batchOptimizeTours`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: '{}',
    });
    const json = (await response.json()) as { name?: string };
    if (!response.ok || typeof json.name !== 'string') throw new Error(`start failed: ${response.status}`);
    return json.name;
  }

  const cancelsOf = (name: string): number =>
    emulator.requests.filter((r) => r.name === name && r.method === 'CancelOperation').length;

  it('cancelOnTimeout: a 1 s wait on an operation that runs forever ends with it cancelled, one CancelOperation', async () => {
    const name = await startBatch();
    const events: AutoCancel[] = [];
    const started = Date.now();
    const op = await client.waitForDone(name, {
      timeoutMs: 1000,
      cancelOnTimeout: true,
      onAutoCancel: (event) => events.push(event),
    });
    const elapsed = Date.now() - started;
    expect(op).toMatchObject({ name, done: true, error: { code: Code.CANCELLED } });
    expect(operationResult(op).state).toBe('cancelled');
    expect(cancelsOf(name)).toBe(1);
    expect(emulator.getOperation(name).error?.code).toBe(Code.CANCELLED);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ reason: 'timeout', name, outcome: { outcome: 'cancelled' }, error: undefined });
    // The wait's second, then the grace at most (5 s), with room for a slow machine.
    expect(elapsed).toBeGreaterThanOrEqual(500);
    expect(elapsed).toBeLessThan(8000);
  });

  it('without cancelOnTimeout the wait only gives up: not done, nothing cancelled', async () => {
    const name = await startBatch();
    const op = await client.waitForDone(name, { timeoutMs: 500 });
    expect(op.done).toBe(false);
    expect(cancelsOf(name)).toBe(0);
    expect(emulator.getOperation(name).done).toBe(false);
    await client.cancelOperation(name);
  });

  it('cancelOnTimeout on an operation done in time: no cancel', async () => {
    const name = await startBatch({ [FAULT_HEADER]: JSON.stringify({ operation: { runForMs: 100 } }) });
    const events: AutoCancel[] = [];
    const op = await client.waitForDone(name, {
      timeoutMs: 5000,
      cancelOnTimeout: true,
      onAutoCancel: (event) => events.push(event),
    });
    expect(op.done).toBe(true);
    expect(op.error).toBeUndefined();
    expect(cancelsOf(name)).toBe(0);
    expect(events).toEqual([]);
  });

  it('cancelOnTimeout, the operation completing despite the cancel: resolves done with its response', async () => {
    const name = uniqueName('auto-ignore');
    emulator.createOperation({ name, cancelMode: 'ignore', cancelDelayMs: 100 });
    const events: AutoCancel[] = [];
    const op = await client.waitForDone(name, {
      timeoutMs: 300,
      cancelOnTimeout: true,
      onAutoCancel: (event) => events.push(event),
    });
    expect(op.done).toBe(true);
    expect(op.error).toBeUndefined();
    expect(op.response).toBeDefined();
    expect(cancelsOf(name)).toBe(1);
    expect(events[0]?.outcome?.outcome).toBe('completed');
  });

  it('cancelOnTimeout, the cancel slower than the grace: resolves still running, reported running', async () => {
    const name = uniqueName('auto-slow');
    emulator.createOperation({ name, cancelMode: 'delayed', cancelDelayMs: 30_000 });
    const events: AutoCancel[] = [];
    const started = Date.now();
    const op = await client.waitForDone(name, {
      timeoutMs: 300,
      cancelOnTimeout: true,
      cancelGraceMs: 500,
      onAutoCancel: (event) => events.push(event),
    });
    expect(op.done).toBe(false);
    expect(cancelsOf(name)).toBe(1);
    expect(events[0]).toMatchObject({ reason: 'timeout', outcome: { outcome: 'running' } });
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('cancelOnTimeout, a server without cancel: resolves still running, reported unsupported', async () => {
    const name = uniqueName('auto-unimpl');
    emulator.createOperation({ name, cancelMode: 'unimplemented' });
    const events: AutoCancel[] = [];
    const op = await client.waitForDone(name, {
      timeoutMs: 300,
      cancelOnTimeout: true,
      onAutoCancel: (event) => events.push(event),
    });
    expect(op.done).toBe(false);
    expect(events[0]?.outcome).toMatchObject({ outcome: 'unsupported', error: { code: Code.UNIMPLEMENTED } });
  });

  it('cancelOnAbort: the abort cancels the operation, then the wait rejects with the abort', async () => {
    const name = await startBatch();
    const controller = new AbortController();
    const events: AutoCancel[] = [];
    let reportedFirst = false;
    const waiting = rejectionOf(
      client.waitForDone(name, {
        timeoutMs: 60_000,
        signal: controller.signal,
        cancelOnAbort: true,
        onAutoCancel: (event) => events.push(event),
      }),
    ).then((error) => {
      reportedFirst = events.length === 1;
      return error;
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(cancelsOf(name)).toBe(0);
    controller.abort();
    const error = await waiting;
    expect(error).toMatchObject({ code: Code.CANCELLED, aborted: true });
    expect(reportedFirst).toBe(true);
    expect(events[0]).toMatchObject({ reason: 'abort', name, outcome: { outcome: 'cancelled' } });
    expect(cancelsOf(name)).toBe(1);
    expect(emulator.getOperation(name).error?.code).toBe(Code.CANCELLED);
  });

  it('cancelOnAbort with a signal aborted already: the cancel is still sent', async () => {
    const name = await startBatch();
    const error = await rejectionOf(
      client.waitForDone(name, { signal: AbortSignal.abort(), cancelOnAbort: true, timeoutMs: 10_000 }),
    );
    expect(error).toMatchObject({ code: Code.CANCELLED, aborted: true });
    expect(cancelsOf(name)).toBe(1);
    expect(emulator.getOperation(name).error?.code).toBe(Code.CANCELLED);
  });

  it('an abort without cancelOnAbort only stops waiting: nothing cancelled', async () => {
    const name = await startBatch();
    const controller = new AbortController();
    const waiting = rejectionOf(client.waitForDone(name, { timeoutMs: 60_000, signal: controller.signal }));
    await new Promise((resolve) => setTimeout(resolve, 100));
    controller.abort();
    expect(await waiting).toMatchObject({ code: Code.CANCELLED, aborted: true });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(cancelsOf(name)).toBe(0);
    expect(emulator.getOperation(name).done).toBe(false);
    await client.cancelOperation(name);
  });

  it('interceptors see the auto-cancel as RPCs of the wait, the wait resolving with the state after it', async () => {
    const calls: Array<{ method: string; parent: string | undefined }> = [];
    let waitResult: unknown;
    const recorder: Interceptor = (next) => async (call) => {
      calls.push({ method: call.method, parent: call.parent?.method });
      const result = await next(call);
      if (call.method === 'waitForDone') waitResult = result;
      return result;
    };
    const watched = new OperationsClient({ transport: make(emulator), pollPolicy: fast, interceptors: [recorder] });
    try {
      const name = await startBatch();
      const op: Operation = await watched.waitForDone(name, { timeoutMs: 300, cancelOnTimeout: true });
      expect(op.error?.code).toBe(Code.CANCELLED);
      expect(waitResult).toBe(op);
      expect(calls[0]).toEqual({ method: 'waitForDone', parent: undefined });
      const cancels = calls.filter((c) => c.method === 'cancelOperation');
      expect(cancels).toEqual([{ method: 'cancelOperation', parent: 'waitForDone' }]);
      for (const call of calls.slice(1)) expect(call.parent).toBe('waitForDone');
    } finally {
      await watched.close();
    }
  });

  it('checks cancelGraceMs and onAutoCancel: INVALID_ARGUMENT, nothing sent', async () => {
    const name = uniqueName('auto-bad');
    const before = emulator.requestCount;
    for (const options of [
      { cancelOnTimeout: true, cancelGraceMs: 0 },
      { cancelOnAbort: true, cancelGraceMs: Infinity },
      { cancelOnTimeout: true, onAutoCancel: 'no' as unknown as () => void },
    ]) {
      expect(await rejectionOf(client.waitForDone(name, options))).toMatchObject({
        code: Code.INVALID_ARGUMENT,
        local: true,
      });
    }
    expect(emulator.requestCount).toBe(before);
  });
});
