/** The emulator's control service, as another process would use it: over gRPC, with the generated client. */
import * as grpc from '@grpc/grpc-js';
import { Code as ProtoCode } from '../../generated/google/rpc/code';
import {
  CancelMode,
  EmulatorControlClient,
  type CreateOperationRequest,
  type ResetResponse,
} from '../../generated/longrun/emulator/v1/control';
import type { Operation } from '../../generated/google/longrunning/operations';
import { Code, OperationsClient, createGrpcTransport } from '../../src';
import { FAULT_HEADER, startEmulator, type Emulator } from '../../src/emulator';
import { rejectionOf } from '../helpers/transports';

describe('EmulatorControl over gRPC', () => {
  let emulator: Emulator;
  let control: EmulatorControlClient;
  let client: OperationsClient;

  beforeAll(async () => {
    emulator = await startEmulator();
    control = new EmulatorControlClient(emulator.grpcAddress, grpc.credentials.createInsecure());
    client = new OperationsClient({
      transport: createGrpcTransport({ address: emulator.grpcAddress, insecure: true }),
    });
  });
  afterAll(async () => {
    control.close();
    await client.close();
    await emulator.close();
  });

  const create = (request: CreateOperationRequest): Promise<Operation> =>
    new Promise((resolve, reject) => control.createOperation(request, (e, op) => (e ? reject(e) : resolve(op))));

  it('creates a scripted operation that the Operations service then serves', async () => {
    const created = await create({
      script: {
        name: 'projects/ctl/operations/fails',
        runFor: { seconds: '0', nanos: 0 },
        error: { code: ProtoCode.RESOURCE_EXHAUSTED, message: 'out of solver time', details: [] },
        cancelMode: CancelMode.CANCEL_MODE_UNSPECIFIED,
      },
    });
    expect(created.name).toBe('projects/ctl/operations/fails');
    const op = await client.getOperation('projects/ctl/operations/fails');
    expect(op.done).toBe(true);
    expect(op.error).toMatchObject({ code: Code.RESOURCE_EXHAUSTED, message: 'out of solver time' });
  });

  it('takes a per-operation cancel mode', async () => {
    await create({
      script: { name: 'projects/ctl/operations/stubborn', cancelMode: CancelMode.CANCEL_MODE_UNIMPLEMENTED },
    });
    expect((await rejectionOf(client.cancelOperation('projects/ctl/operations/stubborn'))).code).toBe(
      Code.UNIMPLEMENTED,
    );
  });

  it('names an operation when the script does not, and refuses a bad name', async () => {
    const op = await create({ script: { name: '', cancelMode: CancelMode.CANCEL_MODE_HONOUR } });
    expect(op.name).toMatch(/^projects\/emulator\/operations\/op-\d+$/);
    const error = await create({ script: { name: 'nope', cancelMode: 0 } }).catch((e: grpc.ServiceError) => e);
    expect((error as grpc.ServiceError).code).toBe(grpc.status.INVALID_ARGUMENT);
  });

  it('reset removes every operation', async () => {
    const before = emulator.getOperation('projects/ctl/operations/fails');
    expect(before.done).toBe(true);
    const reset = await new Promise<ResetResponse>((resolve, reject) =>
      control.reset({}, (e, r) => (e ? reject(e) : resolve(r))),
    );
    expect(reset.removed).toBeGreaterThanOrEqual(3);
    expect((await rejectionOf(client.getOperation('projects/ctl/operations/fails'))).code).toBe(Code.NOT_FOUND);
  });

  it('clearRequests forgets the requests and the count; a fault with times keeps counting per header value', async () => {
    const name = 'projects/ctl/operations/counted';
    emulator.createOperation({ name });
    const fault = { metadata: { [FAULT_HEADER]: JSON.stringify({ code: Code.NOT_FOUND, times: 1 }) } };
    expect((await rejectionOf(client.getOperation(name, fault))).code).toBe(Code.NOT_FOUND);
    expect(emulator.requestCount).toBeGreaterThan(0);
    emulator.clearRequests();
    expect(emulator.requestCount).toBe(0);
    expect(emulator.requests).toEqual([]);
    // The same header value again: its one time is spent, so the call now succeeds.
    expect((await client.getOperation(name, fault)).name).toBe(name);
    expect(emulator.requestCount).toBe(1);
    expect(emulator.requests.map((r) => r.name)).toEqual([name]);
  });
});

describe('EmulatorControl of an emulator that requires a credential', () => {
  it('refuses CreateOperation and Reset without it (UNAUTHENTICATED, nothing changed), serves them with it', async () => {
    const emulator = await startEmulator({ requireApiKey: 'control-key', seed: 2 });
    const control = new EmulatorControlClient(emulator.grpcAddress, grpc.credentials.createInsecure());
    const withKey = new grpc.Metadata();
    withKey.set('x-goog-api-key', 'control-key');
    const reset = (metadata: grpc.Metadata): Promise<ResetResponse> =>
      new Promise((resolve, reject) => control.reset({}, metadata, (e, r) => (e ? reject(e) : resolve(r))));
    const create = (metadata: grpc.Metadata): Promise<Operation> =>
      new Promise((resolve, reject) =>
        control.createOperation(
          { script: { name: 'projects/ctl/operations/guarded', cancelMode: CancelMode.CANCEL_MODE_UNSPECIFIED } },
          metadata,
          (e, op) => (e ? reject(e) : resolve(op)),
        ),
      );
    try {
      for (const refused of [reset(new grpc.Metadata()), create(new grpc.Metadata())]) {
        await expect(refused).rejects.toMatchObject({ code: grpc.status.UNAUTHENTICATED });
      }
      expect(emulator.getOperation('projects/demo/operations/op-1').name).toBe('projects/demo/operations/op-1');
      expect(
        (await rejectionOf(Promise.resolve().then(() => emulator.getOperation('projects/ctl/operations/guarded'))))
          .code,
      ).toBe(Code.NOT_FOUND);
      expect((await create(withKey)).name).toBe('projects/ctl/operations/guarded');
      expect((await reset(withKey)).removed).toBe(3);
    } finally {
      control.close();
      await emulator.close();
    }
  });
});
