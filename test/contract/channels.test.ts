/** Beyond one connection: several channels, each its own connection; round_robin over several servers. */
import { OperationsClient, createGrpcTransport } from '../../src';
import { startEmulator, type Emulator } from '../../src/emulator';
import { FAULT_OPERATION_NAME, startGrpcFaultServer } from '../helpers/fault-server';

describe('channels', () => {
  it.each([1, 4])('channels: %d opens that many connections, calls spread over them', async (channels) => {
    const server = await startGrpcFaultServer('ok');
    const client = new OperationsClient({
      transport: createGrpcTransport({ address: server.address, insecure: true, channels }),
    });
    const ops = await Promise.all(Array.from({ length: 40 }, () => client.getOperation(FAULT_OPERATION_NAME)));
    expect(ops.every((op) => op.name === FAULT_OPERATION_NAME)).toBe(true);
    expect(server.connections).toBe(channels);
    await client.close();
    await server.close();
  });

  it('refuses a nonsense channel count', () => {
    expect(() => createGrpcTransport({ address: '127.0.0.1:1', insecure: true, channels: 0 })).toThrow(TypeError);
  });
});

describe('load balancing over three servers on 127.0.0.1, .2 and .3', () => {
  let emulators: Emulator[];
  const name = 'projects/lb/operations/op';

  beforeAll(async () => {
    emulators = await Promise.all(['127.0.0.1', '127.0.0.2', '127.0.0.3'].map((host) => startEmulator({ host })));
    for (const emulator of emulators) emulator.createOperation({ name });
  });
  afterAll(() => Promise.all(emulators.map((e) => e.close())));

  const target = (): string => `ipv4:${emulators.map((e) => e.grpcAddress).join(',')}`;
  const counts = (): number[] => emulators.map((e) => e.requests.filter((r) => r.name === name).length);

  it('round_robin: each server receives a fair share', async () => {
    for (const e of emulators) e.clearRequests();
    const client = new OperationsClient({
      transport: createGrpcTransport({ address: target(), insecure: true, loadBalancing: 'round_robin' }),
    });
    await client.getOperation(name); // connect
    for (let i = 0; i < 299; i++) await client.getOperation(name);
    await client.close();
    const seen = counts();
    expect(seen.reduce((a, b) => a + b, 0)).toBe(300);
    for (const count of seen) expect(count).toBeGreaterThanOrEqual(60);
  });

  it('pick_first (the default): one server receives everything', async () => {
    for (const e of emulators) e.clearRequests();
    const client = new OperationsClient({ transport: createGrpcTransport({ address: target(), insecure: true }) });
    for (let i = 0; i < 30; i++) await client.getOperation(name);
    await client.close();
    expect(counts().sort((a, b) => b - a)).toEqual([30, 0, 0]);
  });
});
