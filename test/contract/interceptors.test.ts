/**
 * The call pipeline's seam, on both transports against the emulator: interceptors run once per
 * logical call around the retries, in the documented order, see the typed call and its attempts,
 * add metadata the server receives, and see a wait's RPCs as children of the wait. NODE_DEBUG
 * lines, from the built command.
 */
import { Code, OperationsClient, OperationsError, type Call, type Interceptor } from '../../src';
import { FAULT_HEADER, startEmulator, type Emulator } from '../../src/emulator';
import { runLongrun } from '../helpers/cli';
import { rejectionOf, transportCases, uniqueName } from '../helpers/transports';

let emulator: Emulator;

beforeAll(async () => {
  emulator = await startEmulator();
});

afterAll(() => emulator.close());

const FAST_RETRY = { initialBackoffMs: 10, maxBackoffMs: 20, jitter: 0 };

/** A fault header no other request shares (the emulator counts `times` per header value). */
function unavailableTwice(name: string): Record<string, string> {
  return { [FAULT_HEADER]: JSON.stringify({ code: Code.UNAVAILABLE, times: 2, message: `fault for ${name}` }) };
}

describe.each(transportCases)('interceptors over $kind', ({ make }) => {
  it('run in order, the first outermost, once per logical call around the retries, and see each attempt', async () => {
    const log: string[] = [];
    const attempts: Array<{ attempt: number; code: number | undefined }> = [];
    const retries: Array<{ attempt: number; delayMs: number }> = [];
    const named =
      (label: string): Interceptor =>
      (next) =>
      async (call) => {
        log.push(`${label}> ${call.method}`);
        if (label === 'inner') {
          call.observe({
            onAttempt: ({ attempt, error }) => attempts.push({ attempt, code: error?.code }),
            onRetry: ({ attempt, delayMs }) => retries.push({ attempt, delayMs }),
          });
        }
        try {
          return await next(call);
        } finally {
          log.push(`${label}< ${call.method}`);
        }
      };
    const client = new OperationsClient({
      transport: make(emulator),
      interceptors: [named('outer'), named('inner')],
      retry: FAST_RETRY,
    });
    try {
      const name = uniqueName('icpt-order');
      emulator.createOperation({ name });
      const operation = await client.getOperation(name, { metadata: unavailableTwice(name) });
      expect(operation.name).toBe(name);
      expect(log).toEqual(['outer> getOperation', 'inner> getOperation', 'inner< getOperation', 'outer< getOperation']);
      expect(attempts).toEqual([
        { attempt: 1, code: Code.UNAVAILABLE },
        { attempt: 2, code: Code.UNAVAILABLE },
        { attempt: 3, code: undefined },
      ]);
      expect(retries.map((r) => r.attempt)).toEqual([2, 3]);
      expect(retries.map((r) => r.delayMs)).toEqual([10, 20]);
      expect(emulator.requests.filter((r) => r.name === name)).toHaveLength(3);
    } finally {
      await client.close();
    }
  });

  it('see the typed request and the resolved deadline, and the metadata they add reaches the server', async () => {
    const seen: Array<{ method: string; procedure: string; filter?: string; deadlineIn: number | undefined }> = [];
    const tagging: Interceptor = (next) => async (call: Call) => {
      seen.push({
        method: call.method,
        procedure: call.procedure,
        ...(call.method === 'listOperations' && { filter: call.request.filter }),
        deadlineIn: call.deadline === undefined ? undefined : call.deadline - Date.now(),
      });
      call.metadata['x-request-id'] = `req-${seen.length}`;
      return next(call);
    };
    const client = new OperationsClient({ transport: make(emulator), interceptors: [tagging], timeoutMs: 4_000 });
    try {
      const name = uniqueName('icpt-tag');
      emulator.createOperation({ name });
      await client.cancelOperation(name);
      for await (const operation of client.listOperations('projects/test', { filter: 'done = true' })) {
        if (operation.name === name) break;
      }
      expect(seen[0]).toMatchObject({
        method: 'cancelOperation',
        procedure: 'google.longrunning.Operations/CancelOperation',
      });
      expect(seen[0]?.deadlineIn).toBeGreaterThan(3_000);
      expect(seen[0]?.deadlineIn).toBeLessThanOrEqual(4_000);
      expect(seen[1]).toMatchObject({ method: 'listOperations', filter: 'done = true' });
      const cancel = emulator.requests.find((r) => r.name === name && r.method === 'CancelOperation');
      expect(cancel?.headers['x-request-id']).toBe('req-1');
    } finally {
      await client.close();
    }
  });

  it('see cancelAndConfirm as one call whose RPCs have it as parent, and its outcome as the result', async () => {
    const calls: Array<{ method: string; parent: string | undefined }> = [];
    let outcome: unknown;
    const recorder: Interceptor = (next) => async (call) => {
      calls.push({ method: call.method, parent: call.parent?.method });
      const result = await next(call);
      if (call.method === 'cancelAndConfirm') outcome = result;
      return result;
    };
    const client = new OperationsClient({ transport: make(emulator), interceptors: [recorder] });
    try {
      const name = uniqueName('icpt-wait');
      emulator.createOperation({ name });
      const result = await client.cancelAndConfirm(name, { pollPolicy: { initialDelayMs: 10 } });
      expect(result.outcome).toBe('cancelled');
      expect(outcome).toBe(result);
      expect(calls[0]).toEqual({ method: 'cancelAndConfirm', parent: undefined });
      expect(calls[1]).toEqual({ method: 'cancelOperation', parent: 'cancelAndConfirm' });
      expect(calls.length).toBeGreaterThanOrEqual(3);
      for (const read of calls.slice(2)) {
        expect(['getOperation', 'waitOperation']).toContain(read.method);
        expect(read.parent).toBe('cancelAndConfirm');
      }
    } finally {
      await client.close();
    }
  });

  it("metadata an interceptor adds is checked like a caller's: a connection header is refused, nothing sent", async () => {
    const bad: Interceptor = (next) => (call) => {
      call.metadata['connection'] = 'close';
      return next(call);
    };
    const client = new OperationsClient({ transport: make(emulator), interceptors: [bad] });
    try {
      const name = uniqueName('icpt-bad');
      const before = emulator.requestCount;
      const error = await rejectionOf(client.getOperation(name));
      expect(error).toBeInstanceOf(OperationsError);
      expect(error.code).toBe(Code.INVALID_ARGUMENT);
      expect(error.local).toBe(true);
      expect(emulator.requestCount).toBe(before);
    } finally {
      await client.close();
    }
  });

  it('while every interceptor says it is idle, none runs: calls and waits go as with no interceptor', async () => {
    let idle = true;
    const seen: string[] = [];
    const tagging = Object.assign(
      ((next) => async (call) => {
        seen.push(call.method);
        call.metadata['x-tag'] = 'on';
        return next(call);
      }) as Interceptor,
      { idle: () => idle },
    );
    const client = new OperationsClient({ transport: make(emulator), interceptors: [tagging] });
    try {
      const name = uniqueName('icpt-idle');
      emulator.createOperation({ name });
      await client.getOperation(name);
      await client.cancelAndConfirm(name, { pollPolicy: { initialDelayMs: 10 } });
      expect(seen).toEqual([]);
      expect(emulator.requests.filter((r) => r.name === name).every((r) => r.headers['x-tag'] === undefined)).toBe(
        true,
      );
      idle = false;
      await client.getOperation(name);
      expect(seen).toEqual(['getOperation']);
      expect(emulator.requests.filter((r) => r.name === name).at(-1)?.headers['x-tag']).toBe('on');
    } finally {
      await client.close();
    }
  });

  it('an interceptor may answer without calling next, and its error reaches the caller', async () => {
    const refusing: Interceptor = () => async (call) => {
      throw new OperationsError(Code.PERMISSION_DENIED, `not allowed: ${call.name}`, { local: true });
    };
    const client = new OperationsClient({ transport: make(emulator), interceptors: [refusing] });
    try {
      const before = emulator.requestCount;
      const error = await rejectionOf(client.cancelOperation(uniqueName('icpt-refused')));
      expect(error.code).toBe(Code.PERMISSION_DENIED);
      expect(emulator.requestCount).toBe(before);
    } finally {
      await client.close();
    }
  });
});

it('a client refuses interceptors that are not functions', () => {
  expect(
    () => new OperationsClient({ transport: transportCases[0]!.make(emulator), interceptors: [{} as Interceptor] }),
  ).toThrow(/interceptor/);
});

describe('NODE_DEBUG=longrun', () => {
  const DEBUG = { NODE_DEBUG: 'longrun' };
  it.each(['grpc', 'rest'])(
    'over %s: a line per call, attempt, retry and poll, with method, name, attempt, ms and code; never the API key',
    async (transport) => {
      const name = uniqueName('debug');
      emulator.createOperation({ name });
      const secret = `AIza${'k'.repeat(35)}`;
      const endpoint = transport === 'grpc' ? emulator.grpcAddress : emulator.httpUrl;
      const run = await runLongrun(
        ['cancel', name, '--wait', '--endpoint', endpoint, '--transport', transport, '--insecure', '--api-key', secret],
        undefined,
        DEBUG,
      );
      expect(run.code).toBe(0);
      const lines = run.stderr.split('\n').filter((line) => line.startsWith('LONGRUN '));
      const quoted = JSON.stringify(name);
      expect(lines.some((l) => l.includes(`call cancelAndConfirm ${quoted}`) && / OK cancelled$/.test(l))).toBe(true);
      expect(lines.some((l) => new RegExp(`call CancelOperation ${quoted} [\\d.]+ms OK$`).test(l))).toBe(true);
      expect(lines.some((l) => new RegExp(`attempt CancelOperation ${quoted} 1 [\\d.]+ms OK$`).test(l))).toBe(true);
      expect(
        lines.some((l) => new RegExp(`poll (GetOperation|WaitOperation) ${quoted} [\\d.]+ms OK done=`).test(l)),
      ).toBe(true);
      expect(run.stderr).not.toContain(secret);
      expect(run.stderr).not.toContain(secret.slice(4));
    },
  );

  it('a failing call: its code on the attempt line and the call line', async () => {
    const name = uniqueName('debug-missing');
    const run = await runLongrun(['get', name, '--endpoint', emulator.grpcAddress, '--insecure'], undefined, DEBUG);
    expect(run.code).not.toBe(0);
    const quoted = JSON.stringify(name);
    expect(run.stderr).toMatch(new RegExp(`LONGRUN \\d+: attempt GetOperation ${quoted} 1 [\\d.]+ms NOT_FOUND`));
    expect(run.stderr).toMatch(new RegExp(`LONGRUN \\d+: call GetOperation ${quoted} [\\d.]+ms NOT_FOUND`));
  });

  it('off by default: no line', async () => {
    const name = uniqueName('debug-off');
    emulator.createOperation({ name });
    const run = await runLongrun(['get', name, '--endpoint', emulator.grpcAddress, '--insecure'], undefined, {
      NODE_DEBUG: undefined,
    });
    expect(run.code).toBe(0);
    expect(run.stderr).not.toContain('LONGRUN');
  });
});
