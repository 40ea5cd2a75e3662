/**
 * Every deadline starts when the call starts, whatever it waits on first, and close() settles
 * every promise longrun handed out (RELIABILITY 37), over both transports against the
 * emulator: credentials that never come, and a track() start that never answers.
 */
import { Code, OperationsClient, type AuthLike, type OperationsError, type Transport } from '../../src';
import { startEmulator, type Emulator } from '../../src/emulator';
import { createGrpcTransport, createRestTransport } from '../../src';
import { rejectionOf } from '../helpers/transports';

const NAME = 'projects/demo/operations/op-1';
const never = <T>(): Promise<T> => new Promise<T>(() => undefined);
/** A credential source that never answers (a metadata server that hangs). */
const hanging: AuthLike = { getRequestHeaders: () => never() };

describe.each(['grpc', 'rest'] as const)('over %s', (kind) => {
  let emulator: Emulator;
  beforeAll(async () => {
    emulator = await startEmulator({ seed: 1 });
  });
  afterAll(() => emulator.close());

  const transport = (auth?: AuthLike): Transport =>
    kind === 'grpc'
      ? createGrpcTransport({ address: emulator.grpcAddress, insecure: true, ...(auth && { auth }) })
      : createRestTransport({ baseUrl: emulator.httpUrl, insecure: true, ...(auth && { auth }) });

  describe('credentials that never come', () => {
    it("a call's deadline covers the wait for them: DEADLINE_EXCEEDED, local, nothing sent", async () => {
      const client = new OperationsClient({ transport: transport(hanging) });
      const before = emulator.requestCount;
      try {
        const got = await rejectionOf(client.getOperation(NAME, { timeoutMs: 200 }));
        expect(got).toMatchObject({ code: Code.DEADLINE_EXCEEDED, local: true });
        expect(got.message).toMatch(/waiting for credentials/);
        const waited = await rejectionOf(client.waitForDone(NAME, { timeoutMs: 200 }));
        expect(waited.code).toBe(Code.DEADLINE_EXCEEDED);
        expect(emulator.requestCount).toBe(before);
      } finally {
        await client.close({ graceMs: 0 });
      }
    });

    it('close() ends a call still waiting for them (no deadline of its own): it settles, close resolves', async () => {
      const client = new OperationsClient({ transport: transport(hanging), timeoutMs: Infinity });
      const pending = rejectionOf(client.getOperation(NAME));
      await client.close({ graceMs: 0 });
      const error: OperationsError = await pending;
      expect(error).toMatchObject({ local: true });
      expect([Code.FAILED_PRECONDITION, Code.CANCELLED]).toContain(error.code);
    });
  });

  describe('a track() start that never answers', () => {
    it('cancel, cancelAndConfirm and wait with timeoutMs end at it: DEADLINE_EXCEEDED, nothing sent', async () => {
      const client = new OperationsClient({ transport: transport() });
      const before = emulator.requestCount;
      try {
        const job = client.track(never());
        for (const call of [
          job.cancel({ timeoutMs: 150 }),
          job.cancelAndConfirm({ timeoutMs: 150 }),
          job.wait({ timeoutMs: 150 }),
        ]) {
          expect(await rejectionOf(call)).toMatchObject({ code: Code.DEADLINE_EXCEEDED, local: true });
        }
        expect(emulator.requestCount).toBe(before);
      } finally {
        await client.close();
      }
    });

    it('close() settles every call of the handle still waiting for the name: CANCELLED', async () => {
      const client = new OperationsClient({ transport: transport() });
      const job = client.track(never());
      const calls = [job.cancel(), job.cancelAndConfirm(), job.wait(), job.progress().next()].map((p) =>
        rejectionOf(p),
      );
      await client.close();
      for (const error of await Promise.all(calls)) expect(error).toMatchObject({ code: Code.CANCELLED, local: true });
    });

    it('a start whose name getter throws is not-started, INVALID_ARGUMENT (an OperationsError, not a TypeError)', async () => {
      const client = new OperationsClient({ transport: transport() });
      try {
        const answer = {
          get name(): string {
            throw new TypeError('hostile getter');
          },
        };
        const job = client.track(Promise.resolve(answer));
        expect(await job.cancel()).toMatchObject({ outcome: 'not-started', error: { code: Code.INVALID_ARGUMENT } });
      } finally {
        await client.close();
      }
    });
  });
});
