/**
 * One AbortSignal shared by many calls in flight (a caller's shutdown signal, cancelMany's):
 * its abort reaches every call still in flight; the signal carries one listener of longrun's
 * while calls listen, however many (no MaxListenersExceededWarning), and none once they ended.
 */
import { getEventListeners } from 'node:events';
import { Code, OperationsClient } from '../../src';
import { startEmulator, type Emulator } from '../../src/emulator';
import { FAULT_HEADER } from '../../src/emulator/faults';
import { rejectionOf, transportCases, uniqueName } from '../helpers/transports';

describe.each(transportCases)('a shared AbortSignal over $kind', ({ make }) => {
  let emulator: Emulator;
  let client: OperationsClient;

  beforeAll(async () => {
    emulator = await startEmulator();
    client = new OperationsClient({ transport: make(emulator) });
  });
  afterAll(async () => {
    await client.close();
    await emulator.close();
  });

  it('aborts every call in flight at once', async () => {
    const name = uniqueName();
    emulator.createOperation({ name });
    const controller = new AbortController();
    const { signal } = controller;
    // Ten calls end before the abort; a hundred are held by the server for 10 s.
    const ended = await Promise.all(Array.from({ length: 10 }, () => client.getOperation(name, { signal })));
    expect(ended.every((op) => op.name === name)).toBe(true);
    const slow = { [FAULT_HEADER]: JSON.stringify({ delayMs: 10_000 }) };
    const held = Array.from({ length: 100 }, () => rejectionOf(client.getOperation(name, { signal, metadata: slow })));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(getEventListeners(signal, 'abort')).toHaveLength(1);
    const started = Date.now();
    controller.abort();
    const errors = await Promise.all(held);
    expect(Date.now() - started).toBeLessThan(5_000);
    for (const error of errors) expect(error).toMatchObject({ code: Code.CANCELLED, aborted: true });
  });

  it('no listener left on a signal a thousand calls used, and later calls still abort', async () => {
    const name = uniqueName();
    emulator.createOperation({ name });
    const controller = new AbortController();
    const { signal } = controller;
    const warnings: Error[] = [];
    const onWarning = (warning: Error): void => void warnings.push(warning);
    process.on('warning', onWarning);
    try {
      for (let i = 0; i < 10; i++) {
        await Promise.all(Array.from({ length: 100 }, () => client.cancelOperation(name, { signal })));
      }
      expect(getEventListeners(signal, 'abort')).toHaveLength(0);
      const held = rejectionOf(
        client.getOperation(name, { signal, metadata: { [FAULT_HEADER]: JSON.stringify({ delayMs: 10_000 }) } }),
      );
      await new Promise((resolve) => setTimeout(resolve, 50));
      controller.abort();
      expect(await held).toMatchObject({ code: Code.CANCELLED, aborted: true });
      // An aborted signal: nothing is sent.
      const before = emulator.requestCount;
      expect(await rejectionOf(client.cancelOperation(name, { signal }))).toMatchObject({ aborted: true });
      expect(emulator.requestCount).toBe(before);
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([]);
  });
});
