/**
 * The emulator in a test: a real gRPC and REST server on 127.0.0.1, scripted operations, and
 * what reached it. Written with node:test here; in jest, the same body goes in `test(...)`.
 *
 *   node --test emulator-in-a-test.js
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OperationsClient, createGrpcTransport } from 'longrun';
import { startEmulator } from 'longrun/emulator';

test('a cancel that the server takes a while to apply is confirmed', async () => {
  const emulator = await startEmulator({ cancelMode: 'delayed', cancelDelayMs: 300 });
  const client = new OperationsClient({
    transport: createGrpcTransport({ address: emulator.grpcAddress, insecure: true }),
  });
  try {
    const name = 'projects/test/operations/slow-cancel';
    emulator.createOperation({ name });
    const result = await client.cancelAndConfirm(name, { timeoutMs: 10_000 });
    assert.equal(result.outcome, 'cancelled');
    assert.ok(emulator.requests.some((request) => request.method === 'CancelOperation'));
  } finally {
    await client.close();
    await emulator.close();
  }
});
