/**
 * client.track(start), over both transports against the emulator: the operation is started
 * with the API's own BatchOptimizeTours (answering late on request), and the handle cancels it
 * before its name is known, waits for it and follows its AsyncModelMetadata.
 */
import * as grpc from '@grpc/grpc-js';
import { AsyncModelMetadata, AsyncModelMetadata_State } from '../../generated/google/cloud/optimization/v1/async_model';
import {
  BatchOptimizeToursResponse,
  FleetRoutingClient,
} from '../../generated/google/cloud/optimization/v1/fleet_routing';
import { Code, OperationsClient, OperationsError } from '../../src';
import { startEmulator, type Emulator } from '../../src/emulator';
import { FAULT_HEADER } from '../../src/emulator/faults';
import { rejectionOf, transportCases } from '../helpers/transports';

const fast = { initialDelayMs: 20, maxDelayMs: 100 };
const METADATA_TYPE = 'google.cloud.optimization.v1.AsyncModelMetadata';
const RESPONSE_TYPE = 'google.cloud.optimization.v1.BatchOptimizeToursResponse';
const fault = (spec: object): Record<string, string> => ({ [FAULT_HEADER]: JSON.stringify(spec) });
const tick = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe.each(transportCases)('track over $kind', ({ kind, make }) => {
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

  /**
   * Starts an optimization with BatchOptimizeTours over this suite's transport: resolves with
   * what the API's client gets (the Operation over gRPC, its JSON over REST).
   */
  async function startBatch(headers: Record<string, string> = {}): Promise<{ name: string }> {
    if (kind === 'grpc') {
      const metadata = new grpc.Metadata();
      for (const [key, value] of Object.entries(headers)) metadata.set(key, value);
      return new Promise((resolve, reject) =>
        fleet.batchOptimizeTours({ parent: 'projects/track', modelConfigs: [] }, metadata, (error, op) =>
          error ? reject(error) : resolve(op),
        ),
      );
    }
    const response = await fetch(`${emulator.httpUrl}/v1/projects/track:batchOptimizeTours`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: '{}',
    });
    const json = (await response.json()) as { name?: string; error?: { status: keyof typeof Code; message: string } };
    if (!response.ok) throw new OperationsError(Code[json.error?.status ?? 'UNKNOWN'], json.error?.message ?? 'failed');
    return json as { name: string };
  }

  const cancels = (): string[] => emulator.requests.filter((r) => r.method === 'CancelOperation').map((r) => r.name);
  const cancelsOf = (name: string): number => cancels().filter((n) => n === name).length;

  it('cancel() at once, the start answering after 500 ms: the cancel waits for the name, then cancels', async () => {
    const cancelsBefore = cancels().length;
    const started = Date.now();
    const handle = client.track(startBatch(fault({ delayMs: 500 })));
    const cancelling = handle.cancel();
    let nameAt = 0;
    void handle.name.then(() => (nameAt = Date.now()));
    await tick(250);
    // The start hasn't answered: nothing sent yet.
    expect(cancels().length).toBe(cancelsBefore);
    const result = await cancelling;
    const name = await handle.name;
    expect(result).toEqual({ outcome: 'sent', name });
    // gRPC's start answers the Operation itself: the handle's first state.
    if (kind === 'grpc') expect(handle.operation).toMatchObject({ name, done: false });
    else expect(handle.operation).toBeUndefined();
    expect(nameAt - started).toBeGreaterThanOrEqual(400);
    expect(cancelsOf(name)).toBe(1);
    expect(emulator.getOperation(name)).toMatchObject({ done: true, error: { code: Code.CANCELLED } });
    const confirmed = await client.getOperation(name);
    expect(confirmed.error?.code).toBe(Code.CANCELLED);
  });

  it('a start that fails: the queued cancel resolves not-started, nothing sent', async () => {
    const cancelsBefore = cancels().length;
    const handle = client.track(startBatch(fault({ delayMs: 200, code: Code.PERMISSION_DENIED, message: 'no' })));
    const cancelling = handle.cancel();
    const confirming = handle.cancelAndConfirm();
    const result = await cancelling;
    expect(result.outcome).toBe('not-started');
    if (result.outcome !== 'not-started') throw new Error('unreachable');
    expect(result.error).toBeInstanceOf(OperationsError);
    expect(result.error.code).toBe(Code.PERMISSION_DENIED);
    expect(await confirming).toMatchObject({ outcome: 'not-started', error: { code: Code.PERMISSION_DENIED } });
    expect(await rejectionOf(handle.name)).toBe(result.error);
    expect(await rejectionOf(handle.wait())).toBe(result.error);
    expect(await rejectionOf(handle.progress().next())).toBe(result.error);
    // A cancel asked after the failure is not sent either.
    expect((await handle.cancel()).outcome).toBe('not-started');
    await tick(50);
    expect(cancels().length).toBe(cancelsBefore);
    expect(handle.operation).toBeUndefined();
  });

  it('a start nobody awaits fails without an unhandled rejection', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      client.track(Promise.reject(new Error('start failed')));
      await tick(50);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
    expect(unhandled).toEqual([]);
  });

  it('cancelAndConfirm() before the name is known: cancelled', async () => {
    const handle = client.track(startBatch(fault({ delayMs: 300 })));
    const outcome = await handle.cancelAndConfirm({ timeoutMs: 10_000 });
    const name = await handle.name;
    expect(outcome).toMatchObject({ outcome: 'cancelled', operation: { name, done: true } });
    expect(handle.operation).toMatchObject({ name, done: true, error: { code: Code.CANCELLED } });
    expect(cancelsOf(name)).toBe(1);
  });

  it('a cancel whose signal aborts while queued rejects and sends nothing', async () => {
    const handle = client.track(startBatch(fault({ delayMs: 300 })));
    const controller = new AbortController();
    const cancelling = rejectionOf(handle.cancel({ signal: controller.signal }));
    controller.abort();
    expect(await cancelling).toMatchObject({ code: Code.CANCELLED, aborted: true });
    const name = await handle.name;
    await tick(50);
    expect(cancelsOf(name)).toBe(0);
    await client.cancelOperation(name);
  });

  it('progress() yields the decoded AsyncModelMetadata as it changes and ends when done; typed response', async () => {
    const handle = client.track<AsyncModelMetadata, BatchOptimizeToursResponse>(
      startBatch(fault({ operation: { runForMs: 300 } })),
      { metadataType: METADATA_TYPE, responseType: RESPONSE_TYPE },
    );
    const states: AsyncModelMetadata_State[] = [];
    for await (const metadata of handle.progress()) states.push(metadata.state);
    expect(states[0]).toBe(AsyncModelMetadata_State.RUNNING);
    expect(states.at(-1)).toBe(AsyncModelMetadata_State.SUCCEEDED);
    // Each yield is a change.
    for (let i = 1; i < states.length; i++) expect(states[i]).not.toBe(states[i - 1]);
    expect(handle.operation?.done).toBe(true);
    expect(handle.metadata?.state).toBe(AsyncModelMetadata_State.SUCCEEDED);
    // BatchOptimizeToursResponse has no fields: decoded, it is an empty message.
    expect(handle.operation?.response?.typeUrl).toBe(`type.googleapis.com/${RESPONSE_TYPE}`);
    expect(handle.response).toEqual(BatchOptimizeToursResponse.fromPartial({}));
  });

  it('progress() ends with CANCELLED once cancel() lands', async () => {
    const handle = client.track<AsyncModelMetadata>(startBatch(), { metadataType: METADATA_TYPE });
    const states: AsyncModelMetadata_State[] = [];
    for await (const metadata of handle.progress()) {
      states.push(metadata.state);
      if (states.length === 1) await handle.cancel();
    }
    expect(states).toEqual([AsyncModelMetadata_State.RUNNING, AsyncModelMetadata_State.CANCELLED]);
    expect(handle.operation?.error?.code).toBe(Code.CANCELLED);
  });

  it("wait() with cancelOnTimeout on gax's [LROperation] tuple: the operation ends cancelled", async () => {
    const start = startBatch().then((op) => [{ name: op.name, done: false }, undefined, {}] as const);
    const handle = client.track(start);
    const op = await handle.wait({ timeoutMs: 500, cancelOnTimeout: true });
    const name = await handle.name;
    expect(op).toMatchObject({ name, done: true, error: { code: Code.CANCELLED } });
    expect(handle.operation).toBe(op);
    expect(cancelsOf(name)).toBe(1);
  });

  it('wait() with cancelOnAbort, aborted before the start answers: cancels once the name is known', async () => {
    const handle = client.track(startBatch(fault({ delayMs: 300 })));
    const controller = new AbortController();
    const waiting = rejectionOf(handle.wait({ signal: controller.signal, cancelOnAbort: true, timeoutMs: 60_000 }));
    controller.abort();
    expect(await waiting).toMatchObject({ code: Code.CANCELLED, aborted: true });
    const name = await handle.name;
    expect(cancelsOf(name)).toBe(1);
    expect(emulator.getOperation(name).error?.code).toBe(Code.CANCELLED);
  });

  it('a type the registry does not know: INVALID_ARGUMENT at once', () => {
    let thrown: unknown;
    try {
      client.track(Promise.resolve({ name: 'projects/p/operations/x' }), { metadataType: 'acme.v1.Nope' });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toMatchObject({ code: Code.INVALID_ARGUMENT, local: true });
  });
});
