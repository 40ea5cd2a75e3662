/**
 * The contract suite: the same cases, the same expected results, over every transport,
 * against the real emulator on 127.0.0.1 port 0.
 */
import { Code, OperationsClient, OperationsError, type Operation } from '../../src';
import { startEmulator, type Emulator } from '../../src/emulator';
import { FAULT_HEADER } from '../../src/emulator/faults';
import { rejectionOf, transportCases, uniqueName } from '../helpers/transports';

describe.each(transportCases)('over $kind', ({ make }) => {
  let emulator: Emulator;
  let client: OperationsClient;

  beforeAll(async () => {
    emulator = await startEmulator({ cancelDelayMs: 150 });
    client = new OperationsClient({ transport: make(emulator), metadata: { 'x-client-level': 'yes' } });
  });
  afterAll(async () => {
    await client.close();
    await emulator.close();
  });

  /** Reads the operation until it is done (the emulator's delays are 150 ms; 100 reads at most). */
  async function untilDone(name: string): Promise<Operation> {
    for (let i = 0; i < 100; i++) {
      const op = await client.getOperation(name);
      if (op.done) return op;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error(`${name} never finished`);
  }

  it('cancels a running operation; GetOperation then shows it done with code 1', async () => {
    const name = uniqueName();
    emulator.createOperation({ name });
    expect((await client.getOperation(name)).done).toBe(false);
    await expect(client.cancelOperation(name)).resolves.toBeUndefined();
    const op = await client.getOperation(name);
    expect(op.name).toBe(name);
    expect(op.done).toBe(true);
    expect(op.error?.code).toBe(Code.CANCELLED);
    expect(op.response).toBeUndefined();
  });

  it('cancel twice: OK both times', async () => {
    const name = uniqueName();
    emulator.createOperation({ name });
    await client.cancelOperation(name);
    await client.cancelOperation(name);
    expect((await client.getOperation(name)).error?.code).toBe(Code.CANCELLED);
  });

  it('cancel of a finished operation: accepted, the outcome stays', async () => {
    const name = uniqueName();
    emulator.createOperation({ name, runForMs: 0 });
    await client.cancelOperation(name);
    const op = await client.getOperation(name);
    expect(op.done).toBe(true);
    expect(op.error).toBeUndefined();
    expect(op.response?.typeUrl).toBe('type.googleapis.com/google.protobuf.Empty');
  });

  it('delayed: the cancel is accepted, and the operation is cancelled later', async () => {
    const name = uniqueName();
    emulator.createOperation({ name, cancelMode: 'delayed' });
    await client.cancelOperation(name);
    expect((await client.getOperation(name)).done).toBe(false);
    expect((await untilDone(name)).error?.code).toBe(Code.CANCELLED);
  });

  it('ignore: the cancel is accepted and the operation completes anyway', async () => {
    const name = uniqueName();
    emulator.createOperation({ name, cancelMode: 'ignore' });
    await client.cancelOperation(name);
    const op = await untilDone(name);
    expect(op.error).toBeUndefined();
    expect(op.response).toBeDefined();
  });

  it('unimplemented: CancelOperation answers UNIMPLEMENTED and the operation runs on', async () => {
    const name = uniqueName();
    emulator.createOperation({ name, cancelMode: 'unimplemented' });
    const error = await rejectionOf(client.cancelOperation(name));
    expect(error).toBeInstanceOf(OperationsError);
    expect(error.code).toBe(Code.UNIMPLEMENTED);
    expect((await client.getOperation(name)).done).toBe(false);
  });

  it('an unknown operation is NOT_FOUND, for cancel and get', async () => {
    const name = uniqueName('missing');
    for (const call of [client.cancelOperation(name), client.getOperation(name)]) {
      const error = await rejectionOf(call);
      expect(error.code).toBe(Code.NOT_FOUND);
      expect(error.message).toContain(name);
    }
  });

  it.each([
    '',
    'projects/p/operations',
    'projects/p/operations/a/b',
    'projects/p/operations/..',
    'projects/p/operations/a\r\nb',
  ])('INVALID_ARGUMENT for %j, and nothing reaches the server', async (name) => {
    const before = emulator.requestCount;
    const error = await rejectionOf(client.cancelOperation(name));
    expect(error.code).toBe(Code.INVALID_ARGUMENT);
    expect((await rejectionOf(client.getOperation(name))).code).toBe(Code.INVALID_ARGUMENT);
    expect(emulator.requestCount).toBe(before);
  });

  it('an already-aborted signal sends nothing (RELIABILITY 5)', async () => {
    const name = uniqueName();
    emulator.createOperation({ name });
    const before = emulator.requestCount;
    const error = await rejectionOf(client.cancelOperation(name, { signal: AbortSignal.abort() }));
    expect(error.code).toBe(Code.CANCELLED);
    expect(error.aborted).toBe(true);
    expect(emulator.requestCount).toBe(before);
    expect((await client.getOperation(name)).done).toBe(false);
  });

  it('an abort mid-call ends the RPC, told apart from a server CANCELLED', async () => {
    const name = uniqueName();
    emulator.createOperation({ name });
    const controller = new AbortController();
    const slow = client.getOperation(name, {
      signal: controller.signal,
      metadata: { [FAULT_HEADER]: JSON.stringify({ delayMs: 5000 }) },
    });
    // Abort once the server has the request, so the abort really ends an RPC in flight.
    const before = emulator.requestCount;
    while (emulator.requestCount === before) await new Promise((resolve) => setImmediate(resolve));
    controller.abort(new Error('caller gave up'));
    const aborted = await rejectionOf(slow);
    expect(aborted.code).toBe(Code.CANCELLED);
    expect(aborted.aborted).toBe(true);

    const fromServer = await rejectionOf(
      client.getOperation(name, { metadata: { [FAULT_HEADER]: JSON.stringify({ code: Code.CANCELLED }) } }),
    );
    expect(fromServer.code).toBe(Code.CANCELLED);
    expect(fromServer.aborted).toBe(false);
  });

  it('timeoutMs against a slow server gives DEADLINE_EXCEEDED', async () => {
    const name = uniqueName();
    emulator.createOperation({ name });
    const error = await rejectionOf(
      client.getOperation(name, { timeoutMs: 100, metadata: { [FAULT_HEADER]: JSON.stringify({ delayMs: 3000 }) } }),
    );
    expect(error.code).toBe(Code.DEADLINE_EXCEEDED);
  });

  it('a status with ErrorInfo details decodes, unknown detail types kept raw', async () => {
    const fault = {
      code: Code.FAILED_PRECONDITION,
      message: 'operation is locked',
      details: [
        {
          '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
          reason: 'LOCKED',
          domain: 'example.com',
          metadata: { job: '7' },
        },
        { '@type': 'type.googleapis.com/longrun.emulator.v1.ProgressMetadata', percentDone: 40 },
      ],
    };
    const error = await rejectionOf(
      client.cancelOperation(uniqueName(), { metadata: { [FAULT_HEADER]: JSON.stringify(fault) } }),
    );
    expect(error.code).toBe(Code.FAILED_PRECONDITION);
    expect(error.rawMessage).toBe('operation is locked');
    expect(error.findDetail('google.rpc.ErrorInfo')).toEqual({
      reason: 'LOCKED',
      domain: 'example.com',
      metadata: { job: '7' },
    });
    expect(error.details[1]).toMatchObject({
      type: 'unknown',
      typeUrl: 'type.googleapis.com/longrun.emulator.v1.ProgressMetadata',
    });
  });

  it('client metadata and call metadata both reach the server, the call winning on a key', async () => {
    const name = uniqueName();
    emulator.createOperation({ name });
    await client.getOperation(name, { metadata: { 'x-call-level': 'also', 'x-client-level': 'overridden' } });
    const seen = emulator.requests.filter((r) => r.name === name).at(-1);
    expect(seen?.method).toBe('GetOperation');
    expect(seen?.headers['x-call-level']).toBe('also');
    expect(seen?.headers['x-client-level']).toBe('overridden');
  });

  it.each([
    [{ 'x-a': 'a\r\nb' }, /printable ASCII/],
    [{ 'x-a': 'é' }, /printable ASCII/],
    [{ 'X-Upper': 'v' }, /not allowed/],
    [{ 'grpc-timeout': '1S' }, /not allowed/],
    [{ 'x-data-bin': 'AAAA' }, /not allowed/],
  ])('metadata %j is INVALID_ARGUMENT, nothing sent', async (metadata, problem) => {
    const before = emulator.requestCount;
    const error = await rejectionOf(client.getOperation(uniqueName(), { metadata }));
    expect(error).toMatchObject({ code: Code.INVALID_ARGUMENT, local: true });
    expect(error.message).toMatch(problem);
    // eslint-disable-next-line no-control-regex
    expect(error.message).not.toMatch(/[\u0000-\u001f]/);
    expect(emulator.requestCount).toBe(before);
  });

  it('rejects a bad timeoutMs before sending', async () => {
    const before = emulator.requestCount;
    for (const timeoutMs of [0, -5, Number.NaN]) {
      expect((await rejectionOf(client.getOperation(uniqueName(), { timeoutMs }))).code).toBe(Code.INVALID_ARGUMENT);
    }
    expect(emulator.requestCount).toBe(before);
  });
});

describe.each(transportCases)('after close, over $kind', ({ make }) => {
  it('calls fail with FAILED_PRECONDITION', async () => {
    const emulator = await startEmulator();
    const client = new OperationsClient({ transport: make(emulator) });
    await client.close();
    await client.close();
    const error = await rejectionOf(client.getOperation(uniqueName()));
    expect(error.code).toBe(Code.FAILED_PRECONDITION);
    await emulator.close();
  });
});
