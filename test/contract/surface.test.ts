/**
 * The whole Operations surface and cancel-then-confirm, over both transports against the
 * emulator: every outcome for the matching cancel mode, paging, the headers Google's front
 * end expects, typed results.
 */
import { ErrorInfo } from '../../generated/google/rpc/error_details';
import {
  Code,
  OperationsClient,
  VERSION,
  defaultTypeRegistry,
  operationResult,
  unpack,
  unpackAny,
  type MessageCodec,
  type ProgressMetadata,
} from '../../src';
import { startEmulator, type Emulator } from '../../src/emulator';
import { FAULT_HEADER } from '../../src/emulator/faults';
import { rejectionOf, transportCases, uniqueName } from '../helpers/transports';

const fault = (spec: object): Record<string, string> => ({
  [FAULT_HEADER]: JSON.stringify({ ...spec, nonce: Math.random() }),
});
const fast = { initialDelayMs: 20, maxDelayMs: 50 };

describe.each(transportCases)('over $kind', ({ kind, make }) => {
  let emulator: Emulator;
  let client: OperationsClient;

  beforeAll(async () => {
    emulator = await startEmulator({ cancelDelayMs: 150 });
    client = new OperationsClient({ transport: make(emulator), pollPolicy: fast });
  });
  afterAll(async () => {
    await client.close();
    await emulator.close();
  });

  const methodsFor = (name: string): string[] => emulator.requests.filter((r) => r.name === name).map((r) => r.method);

  describe('cancelAndConfirm', () => {
    it('honour: cancelled', async () => {
      const name = uniqueName();
      emulator.createOperation({ name });
      const result = await client.cancelAndConfirm(name);
      expect(result.outcome).toBe('cancelled');
      expect(result.operation).toMatchObject({ name, done: true, error: { code: Code.CANCELLED } });
    });

    it('delayed: cancelled, once the cancel takes effect', async () => {
      const name = uniqueName();
      emulator.createOperation({ name, cancelMode: 'delayed' });
      const result = await client.cancelAndConfirm(name, { timeoutMs: 10_000 });
      expect(result.outcome).toBe('cancelled');
      const methods = methodsFor(name);
      // gRPC waits on the server; REST (no WaitOperation rule) polls GetOperation.
      if (kind === 'grpc') expect(methods).toContain('WaitOperation');
      else expect(methods).not.toContain('WaitOperation');
      if (kind === 'rest') expect(methods.filter((m) => m === 'GetOperation').length).toBeGreaterThan(1);
    });

    it('ignore: completed despite the cancel, with the response', async () => {
      const name = uniqueName();
      emulator.createOperation({ name, cancelMode: 'ignore' });
      const result = await client.cancelAndConfirm(name, { timeoutMs: 10_000 });
      expect(result.outcome).toBe('completed');
      if (result.outcome === 'completed')
        expect(result.response?.typeUrl).toBe('type.googleapis.com/google.protobuf.Empty');
    });

    it('unimplemented: unsupported, with the operation still running', async () => {
      const name = uniqueName();
      emulator.createOperation({ name, cancelMode: 'unimplemented' });
      const result = await client.cancelAndConfirm(name);
      expect(result.outcome).toBe('unsupported');
      if (result.outcome === 'unsupported') expect(result.error.code).toBe(Code.UNIMPLEMENTED);
      expect(result.operation.done).toBe(false);
    });

    it('failed: the operation ended with another error first, details kept', async () => {
      const name = uniqueName();
      const info = ErrorInfo.fromPartial({ reason: 'INFEASIBLE', domain: 'optimization.googleapis.com' });
      emulator.createOperation({
        name,
        runForMs: 60,
        cancelMode: 'delayed',
        cancelDelayMs: 5_000,
        error: {
          code: Code.FAILED_PRECONDITION,
          message: 'model infeasible',
          details: [
            {
              typeUrl: 'type.googleapis.com/google.rpc.ErrorInfo',
              value: Buffer.from(ErrorInfo.encode(info).finish()),
            },
          ],
        },
      });
      const result = await client.cancelAndConfirm(name, { timeoutMs: 10_000 });
      expect(result.outcome).toBe('failed');
      if (result.outcome === 'failed') {
        expect(result.error.code).toBe(Code.FAILED_PRECONDITION);
        expect(result.error.findDetail('google.rpc.ErrorInfo')?.reason).toBe('INFEASIBLE');
      }
    });

    it('running: a deadline shorter than a delayed cancel reports running, never cancelled', async () => {
      const name = uniqueName();
      emulator.createOperation({ name, cancelMode: 'delayed', cancelDelayMs: 30_000 });
      const result = await client.cancelAndConfirm(name, { timeoutMs: 300 });
      expect(result.outcome).toBe('running');
      expect(result.operation.done).toBe(false);
      // The cancel, then reads (WaitOperation slices over gRPC, GetOperation over REST), all within the wait.
      const methods = methodsFor(name);
      expect(methods[0]).toBe('CancelOperation');
      expect(methods.length).toBeGreaterThan(1);
      expect(methods.slice(1).every((m) => m === 'GetOperation' || m === 'WaitOperation')).toBe(true);
    });

    it('an unknown operation rejects with NOT_FOUND', async () => {
      expect((await rejectionOf(client.cancelAndConfirm(uniqueName('missing')))).code).toBe(Code.NOT_FOUND);
    });

    it('stops on abort', async () => {
      const name = uniqueName();
      emulator.createOperation({ name, cancelMode: 'delayed', cancelDelayMs: 30_000 });
      const controller = new AbortController();
      const confirming = client.cancelAndConfirm(name, { signal: controller.signal, timeoutMs: 30_000 });
      while (!methodsFor(name).includes('CancelOperation')) await new Promise((resolve) => setTimeout(resolve, 5));
      controller.abort();
      const error = await rejectionOf(confirming);
      expect(error.code).toBe(Code.CANCELLED);
      expect(error.aborted).toBe(true);
    });
  });

  describe('waitForDone', () => {
    it('resolves with the operation once done', async () => {
      const name = uniqueName();
      emulator.createOperation({ name, runForMs: 150 });
      const op = await client.waitForDone(name, { timeoutMs: 10_000 });
      expect(op.done).toBe(true);
      expect(operationResult(op).state).toBe('succeeded');
    });

    it('honours RetryInfo on RESOURCE_EXHAUSTED and keeps reading', async () => {
      const name = uniqueName();
      emulator.createOperation({ name, runForMs: 100 });
      const retryInfo = { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '0.050s' };
      const op = await client.waitForDone(name, {
        timeoutMs: 10_000,
        useWaitOperation: false,
        metadata: fault({ code: Code.RESOURCE_EXHAUSTED, times: 2, details: [retryInfo] }),
      });
      expect(op.done).toBe(true);
      expect(methodsFor(name).filter((m) => m === 'GetOperation').length).toBeGreaterThanOrEqual(3);
    });

    it('an error without RetryInfo rejects', async () => {
      const name = uniqueName();
      emulator.createOperation({ name });
      const error = await rejectionOf(
        client.waitForDone(name, { useWaitOperation: false, metadata: fault({ code: Code.PERMISSION_DENIED }) }),
      );
      expect(error.code).toBe(Code.PERMISSION_DENIED);
    });

    if (kind === 'grpc') {
      it('falls back to GetOperation polling when WaitOperation is UNIMPLEMENTED', async () => {
        const name = uniqueName();
        emulator.createOperation({ name, runForMs: 200 });
        const local = new OperationsClient({ transport: make(emulator), pollPolicy: fast });
        const op = await local.waitForDone(name, {
          timeoutMs: 10_000,
          metadata: fault({ code: Code.UNIMPLEMENTED, methods: ['WaitOperation'] }),
        });
        await local.close();
        expect(op.done).toBe(true);
        const methods = methodsFor(name);
        expect(methods.filter((m) => m === 'WaitOperation')).toHaveLength(1);
        expect(methods.filter((m) => m === 'GetOperation').length).toBeGreaterThanOrEqual(1);
      });
    }
  });

  describe('the rest of the service', () => {
    it('listOperations with pageSize 7 yields each of 1,000 operations exactly once', async () => {
      const parent = `projects/list-${kind}`;
      for (let i = 0; i < 1000; i++) emulator.createOperation({ name: `${parent}/operations/op-${i}` });
      emulator.createOperation({ name: `projects/other-${kind}/operations/x` });
      const seen: string[] = [];
      for await (const op of client.listOperations(parent, { pageSize: 7 })) seen.push(op.name);
      expect(seen).toHaveLength(1000);
      expect(new Set(seen).size).toBe(1000);
      expect(seen.every((n) => n.startsWith(`${parent}/operations/`))).toBe(true);
      const pages = emulator.requests.filter((r) => r.method === 'ListOperations' && r.name === parent).length;
      expect(pages).toBe(Math.ceil(1000 / 7));
    });

    it('listOperationsPage gives one page and its token; the done filter applies; a tampered token is refused', async () => {
      const parent = `projects/page-${kind}`;
      for (let i = 0; i < 5; i++)
        emulator.createOperation({ name: `${parent}/operations/op-${i}`, ...(i < 2 && { runForMs: 0 }) });
      const first = await client.listOperationsPage(parent, { pageSize: 3 });
      expect(first.operations.map((o) => o.name)).toEqual([0, 1, 2].map((i) => `${parent}/operations/op-${i}`));
      expect(first.nextPageToken).not.toBe('');
      const second = await client.listOperationsPage(parent, { pageSize: 3, pageToken: first.nextPageToken });
      expect(second.operations).toHaveLength(2);
      expect(second.nextPageToken).toBe('');
      const done = await client.listOperationsPage(parent, { filter: 'done = true' });
      expect(done.operations.map((o) => o.name)).toEqual([`${parent}/operations/op-0`, `${parent}/operations/op-1`]);
      const tampered = `${first.nextPageToken.slice(0, -2)}xx`;
      expect((await rejectionOf(client.listOperationsPage(parent, { pageToken: tampered }))).code).toBe(
        Code.INVALID_ARGUMENT,
      );
      expect((await rejectionOf(client.listOperationsPage('projects/a/b'))).code).toBe(Code.INVALID_ARGUMENT);
    });

    it('deleteOperation removes the record without cancelling', async () => {
      const name = uniqueName();
      emulator.createOperation({ name });
      await client.deleteOperation(name);
      expect((await rejectionOf(client.getOperation(name))).code).toBe(Code.NOT_FOUND);
      expect(methodsFor(name)).not.toContain('CancelOperation');
    });

    it(kind === 'grpc' ? 'waitOperation waits on the server' : 'waitOperation fails locally', async () => {
      const name = uniqueName();
      emulator.createOperation({ name, runForMs: 100 });
      if (kind === 'grpc') {
        const op = await client.waitOperation(name, { timeoutMs: 10_000 });
        expect(op.done).toBe(true);
        expect(methodsFor(name)).toEqual(['WaitOperation']);
      } else {
        const error = await rejectionOf(client.waitOperation(name, { timeoutMs: 10_000 }));
        expect(error).toMatchObject({ code: Code.UNIMPLEMENTED, local: true });
        expect(methodsFor(name)).toEqual([]);
      }
    });
  });

  describe('headers', () => {
    it('sends the exact x-goog-request-params and x-goog-api-client values', async () => {
      const name = 'projects/hdr/operations/a b:c?ü';
      emulator.createOperation({ name });
      await client.getOperation(name);
      const seen = emulator.requests.filter((r) => r.name === name).at(-1)!;
      expect(seen.headers['x-goog-request-params']).toBe('name=projects%2Fhdr%2Foperations%2Fa%20b%3Ac%3F%C3%BC');
      const transportVersion = require(kind === 'grpc' ? '@grpc/grpc-js/package.json' : 'undici/package.json').version;
      expect(seen.headers['x-goog-api-client']).toBe(
        `gl-node/${process.versions.node} longrun/${VERSION} ${kind}/${transportVersion}`,
      );
      expect(seen.headers['x-goog-user-project']).toBeUndefined();
    });

    it('x-goog-user-project when a quota project is set; client and call metadata merged', async () => {
      const name = uniqueName();
      emulator.createOperation({ name });
      const billed = new OperationsClient({
        transport: make(emulator),
        quotaProject: 'billing-project',
        metadata: { 'x-client': 'c', 'x-both': 'client' },
      });
      await billed.listOperationsPage('projects/test', { pageSize: 1, metadata: { 'x-both': 'call' } });
      await billed.cancelOperation(name, { metadata: { 'x-call': 'k' } });
      await billed.close();
      const list = emulator.requests.filter((r) => r.method === 'ListOperations').at(-1)!;
      expect(list.headers['x-goog-request-params']).toBe('name=projects%2Ftest');
      expect(list.headers).toMatchObject({
        'x-goog-user-project': 'billing-project',
        'x-client': 'c',
        'x-both': 'call',
      });
      const cancel = emulator.requests.filter((r) => r.name === name).at(-1)!;
      expect(cancel.headers).toMatchObject({
        'x-goog-user-project': 'billing-project',
        'x-client': 'c',
        'x-call': 'k',
      });
    });
    it("the caller's own x-goog-api-client, client-level or per call, replaces longrun's", async () => {
      const name = uniqueName();
      emulator.createOperation({ name });
      const branded = new OperationsClient({ transport: make(emulator), metadata: { 'x-goog-api-client': 'app/1.0' } });
      await branded.getOperation(name);
      await branded.cancelOperation(name, { metadata: { 'x-goog-api-client': 'app/2.0' } });
      await branded.close();
      const seen = emulator.requests.filter((r) => r.name === name).map((r) => r.headers['x-goog-api-client']);
      expect(seen).toEqual(['app/1.0', 'app/2.0']);
    });
  });

  describe('typed results', () => {
    it('unpacks the progress metadata (asked for) and reads outcomes', async () => {
      const name = uniqueName();
      emulator.createOperation({ name, runForMs: 60_000, metadata: 'progress' });
      const op = await client.getOperation(name);
      expect(operationResult(op)).toEqual({ state: 'running' });
      const codec = defaultTypeRegistry.get('longrun.emulator.v1.ProgressMetadata') as MessageCodec<ProgressMetadata>;
      const progress = unpack(op.metadata, 'longrun.emulator.v1.ProgressMetadata', codec);
      expect(progress?.cancelRequested).toBe(false);
      expect(Number(progress?.createTimeMs)).toBeGreaterThan(0);
      expect(unpack(op.metadata, 'google.rpc.ErrorInfo', codec)).toBeUndefined();
      await client.cancelOperation(name);
      const cancelled = await client.getOperation(name);
      const result = operationResult(cancelled);
      expect(result.state).toBe('cancelled');
      expect(unpackAny(cancelled.metadata)).toMatchObject({
        type: 'longrun.emulator.v1.ProgressMetadata',
        value: { cancelRequested: true },
      });
    });
  });
});
