/** The same operation and the same error, read over gRPC and over REST, are deep-equal. */
import { ErrorInfo } from '../../generated/google/rpc/error_details';
import { Code, OperationsClient, createGrpcTransport, createRestTransport, type OperationsError } from '../../src';
import { startEmulator, type Emulator } from '../../src/emulator';
import { FAULT_HEADER } from '../../src/emulator/faults';
import { rejectionOf, uniqueName } from '../helpers/transports';

describe('gRPC and REST agree', () => {
  let emulator: Emulator;
  let grpc: OperationsClient;
  let rest: OperationsClient;

  beforeAll(async () => {
    emulator = await startEmulator();
    grpc = new OperationsClient({ transport: createGrpcTransport({ address: emulator.grpcAddress, insecure: true }) });
    rest = new OperationsClient({ transport: createRestTransport({ baseUrl: emulator.httpUrl, insecure: true }) });
  });
  afterAll(async () => {
    await Promise.all([grpc.close(), rest.close()]);
    await emulator.close();
  });

  const errorInfo = ErrorInfo.fromPartial({
    reason: 'INFEASIBLE',
    domain: 'optimization.googleapis.com',
    metadata: { v: '3' },
  });

  it.each([
    ['running', {}],
    ['completed', { runForMs: 0 }],
    [
      'failed with details',
      {
        runForMs: 0,
        error: {
          code: Code.FAILED_PRECONDITION,
          message: 'model infeasible',
          details: [
            {
              typeUrl: 'type.googleapis.com/google.rpc.ErrorInfo',
              value: Buffer.from(ErrorInfo.encode(errorInfo).finish()),
            },
          ],
        },
      },
    ],
  ])('a %s operation', async (_label, spec) => {
    const name = uniqueName();
    emulator.createOperation({ name, ...spec });
    const [overGrpc, overRest] = await Promise.all([grpc.getOperation(name), rest.getOperation(name)]);
    expect(overRest).toEqual(overGrpc);
    expect(overGrpc.metadata?.typeUrl).toBe('type.googleapis.com/google.cloud.optimization.v1.AsyncModelMetadata');
  });

  it('a cancelled operation', async () => {
    const name = uniqueName();
    emulator.createOperation({ name });
    await rest.cancelOperation(name);
    const [overGrpc, overRest] = await Promise.all([grpc.getOperation(name), rest.getOperation(name)]);
    expect(overRest).toEqual(overGrpc);
    expect(overRest.error?.code).toBe(Code.CANCELLED);
  });

  it.each([
    ['NOT_FOUND', {}],
    [
      'a status with details',
      {
        metadata: {
          [FAULT_HEADER]: JSON.stringify({
            code: Code.RESOURCE_EXHAUSTED,
            message: 'quota',
            details: [
              { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '2.500s' },
              {
                '@type': 'type.googleapis.com/google.rpc.QuotaFailure',
                violations: [{ subject: 'p', description: 'd' }],
              },
              { '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'R', domain: 'd', metadata: {} },
            ],
          }),
        },
      },
    ],
  ])('the error for %s', async (_label, options) => {
    const name = uniqueName('missing');
    const [overGrpc, overRest] = (await Promise.all([
      rejectionOf(grpc.getOperation(name, options)),
      rejectionOf(rest.getOperation(name, options)),
    ])) as [OperationsError, OperationsError];
    expect(overRest.code).toBe(overGrpc.code);
    expect(overRest.rawMessage).toBe(overGrpc.rawMessage);
    expect(overRest.details).toEqual(overGrpc.details);
    if (overGrpc.details.length > 0) {
      expect(overRest.findDetail('google.rpc.RetryInfo')?.retryDelay).toEqual({ seconds: '2', nanos: 500_000_000 });
    }
  });
});
