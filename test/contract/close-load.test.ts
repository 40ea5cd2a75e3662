/**
 * close() under load (RELIABILITY 42), over both transports: with 2,000 calls in flight to a
 * server that holds them (the emulator in a process of its own, so that only the client's
 * sockets are counted here), close({ graceMs: 0 }) has ended every call, each with CANCELLED,
 * and closed every socket by the time it resolves.
 */
import { readdirSync, readlinkSync } from 'node:fs';
import { Code, OperationsClient, type OperationsError } from '../../src';
import { createGrpcTransport, createRestTransport } from '../../src';
import { FAULT_HEADER } from '../../src/emulator/faults';
import { startEmulatorProcess } from '../helpers/cli';

/** The sockets this process has open. */
function sockets(): number {
  return readdirSync('/proc/self/fd').filter((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`).startsWith('socket:');
    } catch {
      return false; // closed meanwhile
    }
  }).length;
}

describe.each(['grpc', 'rest'] as const)('close() with 2,000 calls in flight over %s', (kind) => {
  it('graceMs 0: every call ended (CANCELLED) and every socket closed when it resolves', async () => {
    const { child, address } = await startEmulatorProcess(['--seed', '1']);
    try {
      const before = sockets();
      const transport =
        kind === 'grpc'
          ? createGrpcTransport({ address: address.grpc as string, insecure: true })
          : createRestTransport({ baseUrl: address.http as string, insecure: true });
      const client = new OperationsClient({ transport, timeoutMs: 60_000 });
      const hold = { [FAULT_HEADER]: JSON.stringify({ delayMs: 60_000 }) };
      const settled: (OperationsError | 'ok' | undefined)[] = Array.from({ length: 2000 });
      const calls = settled.map((_, i) =>
        client.getOperation('projects/demo/operations/op-1', { metadata: hold }).then(
          () => (settled[i] = 'ok'),
          (error: OperationsError) => (settled[i] = error),
        ),
      );
      // Every call sent: the emulator holds them all.
      await new Promise((resolve) => setTimeout(resolve, 1000));
      expect(sockets()).toBeGreaterThan(before);
      await client.close({ graceMs: 0 });
      expect(settled.filter((s) => s === undefined)).toHaveLength(0);
      expect(new Set(settled.map((s) => (s === 'ok' || s === undefined ? s : s.code)))).toEqual(
        new Set([Code.CANCELLED]),
      );
      expect(sockets()).toBe(before);
      await Promise.all(calls);
    } finally {
      child.kill('SIGTERM');
    }
  });
});
