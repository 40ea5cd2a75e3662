/**
 * src/rest-protocol.ts is the whole of the REST protocol: a Transport over Node's global
 * `fetch`, written here from it alone (and the errors), runs against the emulator with the
 * same results as the undici transport.
 */
import { Code, OperationsClient, createRestTransport, type OperationsError } from '../../src';
import { abortedError, localError } from '../../src/errors';
import { OPTIMIZATION_V1_RULES } from '../../src/http-rules';
import { defaultTypeRegistry, type MethodKey, type ResponseOf } from '../../src/proto';
import {
  DEFAULT_MAX_RESPONSE_BYTES,
  MAX_ERROR_BODY_BYTES,
  deadlineError,
  errorFromResponse,
  failureOf,
  isSuccess,
  parseSuccess,
  readBody,
  restRequest,
} from '../../src/rest-protocol';
import type { Transport, UnaryCall } from '../../src/transport';
import { FAULT_HEADER, startEmulator, type Emulator } from '../../src/emulator';
import { rejectionOf, uniqueName } from '../helpers/transports';

/** ---- The fetch transport: everything REST-specific comes from src/rest-protocol.ts. ---- */
class FetchTransport implements Transport {
  readonly kind = 'rest';
  readonly version = `fetch-${process.versions['undici'] ?? 'node'}`;
  readonly rules = OPTIMIZATION_V1_RULES;
  private readonly closing = new AbortController();

  constructor(private readonly baseUrl: string) {}

  supports(method: MethodKey): boolean {
    return this.rules[method] !== undefined;
  }

  async unary<K extends MethodKey>(call: UnaryCall<K>): Promise<ResponseOf<K>> {
    if (this.closing.signal.aborted) throw localError(Code.FAILED_PRECONDITION, 'transport is closed');
    if (call.signal?.aborted) throw abortedError(call.signal);
    const request = restRequest(this.rules, '', call);
    const timeout =
      call.deadline === undefined ? undefined : AbortSignal.timeout(Math.max(0, call.deadline - Date.now()));
    const signals = [this.closing.signal];
    if (call.signal) signals.push(call.signal);
    if (timeout) signals.push(timeout);
    try {
      const response = await fetch(this.baseUrl + request.path, {
        method: request.method,
        headers: request.headers,
        body: request.body ?? null,
        signal: AbortSignal.any(signals),
      });
      const ok = isSuccess(response.status);
      const limit = ok ? DEFAULT_MAX_RESPONSE_BYTES : MAX_ERROR_BODY_BYTES;
      const body = response.body ? await readBody(response.body, limit) : { text: '', truncated: false };
      if (ok) return parseSuccess(call.method, response.status, body, defaultTypeRegistry, limit);
      const head = { statusCode: response.status, statusText: response.statusText };
      throw errorFromResponse({ ...head, headers: Object.fromEntries(response.headers) }, body, defaultTypeRegistry);
    } catch (error) {
      if (timeout?.aborted) throw deadlineError(call.method, error);
      if (call.signal?.aborted) throw abortedError(call.signal, false);
      if (this.closing.signal.aborted) throw localError(Code.CANCELLED, 'transport closed during the call');
      throw failureOf(error);
    }
  }

  async close(): Promise<void> {
    this.closing.abort();
  }
}
/** ---- End of the fetch transport. ---- */

describe('a fetch transport over src/rest-protocol.ts, against the emulator', () => {
  let emulator: Emulator;
  let client: OperationsClient;
  let viaUndici: OperationsClient;

  beforeAll(async () => {
    emulator = await startEmulator({ seed: 2 });
    client = new OperationsClient({ transport: new FetchTransport(emulator.httpUrl) });
    viaUndici = new OperationsClient({ transport: createRestTransport({ baseUrl: emulator.httpUrl, insecure: true }) });
  });
  afterAll(async () => {
    await client.close();
    await viaUndici.close();
    await emulator.close();
  });

  it('gets a seeded operation, over REST, with the protocol headers', async () => {
    emulator.clearRequests();
    const op = await client.getOperation('projects/demo/operations/op-1', { timeoutMs: 5_000 });
    expect(op.name).toBe('projects/demo/operations/op-1');
    expect(op.done).toBe(false);
    expect(emulator.requests).toHaveLength(1);
    const [seen] = emulator.requests;
    expect(seen).toMatchObject({ transport: 'rest', method: 'GetOperation', name: 'projects/demo/operations/op-1' });
    expect(seen!.headers['accept']).toBe('application/json');
    expect(seen!.timeoutMs).toBeGreaterThan(0);
    expect(seen!.timeoutMs).toBeLessThanOrEqual(5_000);
  });

  it('cancels; GetOperation then shows it done with code 1 (CANCELLED)', async () => {
    const name = 'projects/demo/operations/op-2';
    expect((await client.getOperation(name)).done).toBe(false);
    await expect(client.cancelOperation(name)).resolves.toBeUndefined();
    const op = await client.getOperation(name);
    expect(op.done).toBe(true);
    expect(op.error?.code).toBe(Code.CANCELLED);
    expect(op.response).toBeUndefined();
  });

  it('an unknown operation: NOT_FOUND, the same error as over the undici transport', async () => {
    const name = uniqueName('missing');
    const overFetch = await rejectionOf(client.getOperation(name));
    const overUndici = await rejectionOf(viaUndici.getOperation(name));
    expect(overFetch.code).toBe(Code.NOT_FOUND);
    expect(overFetch.code).toBe(overUndici.code);
    expect(overFetch.message).toBe(overUndici.message);
    expect(overFetch.message).toContain(name);
    expect(overFetch.local).toBe(false);
  });

  it('a server slower than the deadline: DEADLINE_EXCEEDED at the deadline', async () => {
    const name = uniqueName();
    emulator.createOperation({ name });
    const started = Date.now();
    const error: OperationsError = await rejectionOf(
      client.getOperation(name, {
        timeoutMs: 150,
        retry: false,
        metadata: { [FAULT_HEADER]: JSON.stringify({ delayMs: 3_000 }) },
      }),
    );
    expect(error.code).toBe(Code.DEADLINE_EXCEEDED);
    expect(error.message).toContain('deadline exceeded (GetOperation)');
    expect(error.aborted).toBe(false);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('a server error status decodes as over the undici transport (code, message, details)', async () => {
    const name = 'projects/demo/operations/op-1';
    const fault = {
      [FAULT_HEADER]: JSON.stringify({
        code: Code.FAILED_PRECONDITION,
        message: 'operation is locked',
        details: [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'LOCKED', domain: 'd', metadata: {} }],
      }),
    };
    const overFetch = await rejectionOf(client.getOperation(name, { metadata: fault, retry: false }));
    const overUndici = await rejectionOf(viaUndici.getOperation(name, { metadata: fault, retry: false }));
    expect(overFetch.code).toBe(Code.FAILED_PRECONDITION);
    expect(overFetch.findDetail('google.rpc.ErrorInfo')?.reason).toBe('LOCKED');
    expect(overFetch.toJSON()).toEqual(overUndici.toJSON());
  });
});
