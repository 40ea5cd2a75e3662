/** Other APIs' rule tables, end to end: the emulator routes by the table, the client validates and transcodes by it. */
import {
  Code,
  GENERIC_RULES,
  OperationsClient,
  ROUTE_OPTIMIZATION_V1_RULES,
  createGrpcTransport,
  createRestTransport,
  type HttpRules,
} from '../../src';
import { startEmulator } from '../../src/emulator';
import { rejectionOf } from '../helpers/transports';

describe.each([
  [
    'Route Optimization v1',
    ROUTE_OPTIMIZATION_V1_RULES,
    'projects/p/locations/global/operations/o-1',
    'projects/p/operations/o-1',
  ],
  ['the generic rules', GENERIC_RULES, 'operations/solver/run 7/attempt-2', 'operations'],
] as [string, HttpRules, string, string][])('%s', (_label, rules, name, wrongName) => {
  it.each(['grpc', 'rest'])('cancel and confirm over %s', async (kind) => {
    const emulator = await startEmulator({ rules });
    const transport =
      kind === 'grpc'
        ? createGrpcTransport({ address: emulator.grpcAddress, insecure: true, rules })
        : createRestTransport({ baseUrl: emulator.httpUrl, insecure: true, rules });
    const client = new OperationsClient({ transport });
    try {
      emulator.createOperation({ name });
      await client.cancelOperation(name);
      const op = await client.getOperation(name);
      expect(op.name).toBe(name);
      expect(op.error?.code).toBe(Code.CANCELLED);
      const before = emulator.requestCount;
      expect((await rejectionOf(client.getOperation(wrongName))).code).toBe(Code.INVALID_ARGUMENT);
      expect(emulator.requestCount).toBe(before);
      if (kind === 'rest') {
        const paths = emulator.requests.map((r) => r.name);
        expect(paths).toContain(name);
      }
    } finally {
      await client.close();
      await emulator.close();
    }
  });
});
