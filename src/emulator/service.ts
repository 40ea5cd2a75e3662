/**
 * The emulator's google.longrunning.Operations, independent of the face it is reached by:
 * both the gRPC and the REST face call {@link OperationsHandler.handle}, so they answer
 * the same thing for the same request, record it the same way, and inject the same faults.
 */
import { Code, OperationsError } from '../errors';
import { validateName, type NameTemplate } from '../names';
import { METHOD_NAMES, type Duration, type MethodKey, type RequestOf, type ResponseOf, type Status } from '../proto';
import { FAULT_HEADER, parseFault, type Fault } from './faults';
import type { Recorder } from './recorder';
import type { OperationStore } from './store';

/** Longest a WaitOperation waits when neither its request nor its deadline says. */
export const MAX_WAIT_MS = 30_000;

/** What a handled call answers: a response, or a status to fail with. */
export type Outcome<K extends MethodKey> =
  { readonly response: ResponseOf<K> } | { readonly status: Status; readonly pushback?: string | undefined };

export interface CallContext {
  readonly transport: 'grpc' | 'rest';
  readonly headers: Readonly<Record<string, string>>;
  /** Aborts when the client goes away (its cancel, its deadline, a closed connection). */
  readonly signal: AbortSignal;
  /** The client's deadline (Date.now() clock), when it sent one. */
  readonly deadline: number | undefined;
}

export class OperationsHandler {
  constructor(
    private readonly store: OperationStore,
    private readonly recorder: Recorder,
    /** ListOperations' parent template (e.g. `projects/*`); undefined: ListOperations isn't served. */
    private readonly parentTemplate: NameTemplate | undefined,
    /** Credentials a request must carry (either one); none required when empty. */
    private readonly required: { readonly token?: string; readonly apiKey?: string } = {},
  ) {}

  /** Whether the request carries a required credential (true when none is required). */
  private authenticated(headers: Readonly<Record<string, string>>): boolean {
    const { token, apiKey } = this.required;
    if (token === undefined && apiKey === undefined) return true;
    return (
      (token !== undefined && headers['authorization'] === `Bearer ${token}`) ||
      (apiKey !== undefined && headers['x-goog-api-key'] === apiKey)
    );
  }

  /** Records the request, applies the fault it asks for, runs the method. */
  async handle<K extends MethodKey>(method: K, request: RequestOf<K>, context: CallContext): Promise<Outcome<K>> {
    this.recorder.record({
      transport: context.transport,
      method: METHOD_NAMES[method],
      name: request.name,
      headers: context.headers,
      timeoutMs: context.deadline === undefined ? undefined : context.deadline - Date.now(),
    });
    try {
      if (!this.authenticated(context.headers)) {
        return {
          status: { code: Code.UNAUTHENTICATED, message: 'the request carries no valid credential', details: [] },
        };
      }
      const header = context.headers[FAULT_HEADER];
      const fault = parseFault(header);
      if (header !== undefined && this.applies(fault, METHOD_NAMES[method], header)) {
        if (fault.delayMs > 0) await sleep(fault.delayMs, context.signal);
        if (fault.status) return { status: fault.status, pushback: fault.pushback };
      }
      return { response: await this.run(method, request, context) };
    } catch (error) {
      const e = OperationsError.from(error, Code.INTERNAL);
      return { status: { code: e.code, message: e.rawMessage, details: [] } };
    }
  }

  /** How many requests got each `times`-limited fault, by header value. */
  private readonly faultCounts = new Map<string, number>();

  private applies(fault: Fault, method: string, header: string): boolean {
    if (fault.methods && !fault.methods.includes(method)) return false;
    if (fault.times === undefined) return true;
    const count = this.faultCounts.get(header) ?? 0;
    if (count >= fault.times) return false;
    this.faultCounts.set(header, count + 1);
    return true;
  }

  private async run<K extends MethodKey>(
    method: K,
    request: RequestOf<K>,
    context: CallContext,
  ): Promise<ResponseOf<K>> {
    const { store } = this;
    if (method === 'listOperations') {
      if (!this.parentTemplate) throw new OperationsError(Code.UNIMPLEMENTED, 'ListOperations is not served');
      const { name, filter, pageSize, pageToken } = request as RequestOf<'listOperations'>;
      const page = store.list(validateName(name, this.parentTemplate, 'parent'), filter, pageSize, pageToken);
      return { ...page, unreachable: [] } as ResponseOf<K>;
    }
    const name = validateName(request.name, store.template);
    switch (method) {
      case 'getOperation':
        return store.get(name) as ResponseOf<K>;
      case 'cancelOperation':
        store.cancel(name);
        return {} as ResponseOf<K>;
      case 'deleteOperation':
        store.delete(name);
        return {} as ResponseOf<K>;
      case 'waitOperation':
        return (await this.wait(name, request as RequestOf<'waitOperation'>, context)) as ResponseOf<K>;
      default:
        throw new OperationsError(Code.UNIMPLEMENTED, `${METHOD_NAMES[method]} is not implemented by the emulator`);
    }
  }

  /** Waits until the operation is done, its timeout (default 30 s) or the client's deadline, then answers its state. */
  private async wait(name: string, request: RequestOf<'waitOperation'>, context: CallContext) {
    const { store } = this;
    store.get(name); // NOT_FOUND before waiting
    const limit = Math.min(durationMs(request.timeout) ?? MAX_WAIT_MS, MAX_WAIT_MS);
    const until = Math.min(Date.now() + limit, context.deadline ?? Infinity);
    // Re-read every 50 ms at most: a cancel may arrive while waiting.
    for (;;) {
      const left = until - Date.now();
      const untilDone = store.msUntilDone(name);
      if (untilDone === 0 || left <= 0 || context.signal.aborted) return store.get(name);
      await sleep(Math.min(left, untilDone, 50), context.signal);
    }
  }
}

/** Milliseconds of a Duration, or undefined when unset. */
export function durationMs(duration: Duration | undefined): number | undefined {
  return duration ? Number(duration.seconds) * 1000 + Math.floor(duration.nanos / 1e6) : undefined;
}

/** Resolves after `ms`, or at once when `signal` aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
