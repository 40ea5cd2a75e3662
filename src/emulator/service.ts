/**
 * The emulator's google.longrunning.Operations and the API's own long-running methods,
 * independent of the face they are reached by: both the gRPC and the REST face call
 * {@link OperationsHandler.handle} and {@link OperationsHandler.start}, so they answer the
 * same thing for the same request, record it the same way, and inject the same faults.
 */
import { randomBytes } from 'node:crypto';
import { Code, OperationsError } from '../errors';
import { validateName, type NameTemplate } from '../names';
import {
  METHOD_NAMES,
  type Duration,
  type MethodKey,
  type Operation,
  type RequestOf,
  type ResponseOf,
  type Status,
} from '../proto';
import { parseParent, type Api, type ApiMethod, type ApiRequest } from './api';
import { FAULT_HEADER, parseFault, type Fault, type Listing, type OperationScript } from './faults';
import { fillTemplate } from './naming';
import type { Recorder } from './recorder';
import type { OperationSpec, OperationStore } from './store';

/** The `times`-limited fault header values counted at most (each a few bytes of memory). */
const MAX_FAULT_COUNTS = 10_000;

/** The longest `label` an API request may give (it is kept, echoed in the operation's response). */
const MAX_LABEL_LENGTH = 1024;

/** Longest a WaitOperation waits when neither its request nor its deadline says. */
export const MAX_WAIT_MS = 30_000;

/** What a handled call answers: a response, or a status to fail with. */
export type Answer<R> = { readonly response: R } | { readonly status: Status; readonly pushback?: string | undefined };

/** What a handled Operations call answers. */
export type Outcome<K extends MethodKey> = Answer<ResponseOf<K>>;

/** The API whose long-running methods the emulator serves, and how long their operations run. */
export interface ApiSettings {
  readonly api: Api;
  /** Run time of the operations they start, in ms (Infinity: until cancelled). */
  readonly runForMs: number;
}

/** What a request without the required credential is told. */
export const UNAUTHENTICATED_MESSAGE = 'the request carries no valid credential';

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
    /** The API's long-running methods; undefined: none served. */
    private readonly api?: ApiSettings,
  ) {}

  /** Whether the request carries a required credential (true when none is required). */
  authenticated(headers: Readonly<Record<string, string>>): boolean {
    const { token, apiKey } = this.required;
    if (token === undefined && apiKey === undefined) return true;
    return (
      (token !== undefined && headers['authorization'] === `Bearer ${token}`) ||
      (apiKey !== undefined && headers['x-goog-api-key'] === apiKey)
    );
  }

  /** Records the request, applies the fault it asks for, runs the method. */
  handle<K extends MethodKey>(method: K, request: RequestOf<K>, context: CallContext): Promise<Outcome<K>> {
    return this.serve(METHOD_NAMES[method], request.name, context, 'before', (fault) =>
      this.run(method, request, context, fault.listing),
    );
  }

  /**
   * An API's long-running method: records the request (its `name` is the parent), starts the
   * operation, then applies the fault's delay, so a late answer leaves the operation running.
   */
  start(method: ApiMethod, request: ApiRequest, context: CallContext): Promise<Answer<Operation>> {
    return this.serve(method.name, request.parent, context, 'after', (fault) =>
      Promise.resolve(this.startOperation(method, request, fault.operation)),
    );
  }

  /** Records, authenticates, applies the fault header (its delay before or after running). */
  private async serve<R>(
    method: string,
    name: string,
    context: CallContext,
    delay: 'before' | 'after',
    run: (fault: Fault) => Promise<R>,
  ): Promise<Answer<R>> {
    // Authenticated first: a request without the credential is neither recorded nor run.
    if (!this.authenticated(context.headers)) {
      return { status: { code: Code.UNAUTHENTICATED, message: UNAUTHENTICATED_MESSAGE, details: [] } };
    }
    this.recorder.record({
      transport: context.transport,
      method,
      name,
      headers: context.headers,
      timeoutMs: context.deadline === undefined ? undefined : context.deadline - Date.now(),
    });
    try {
      const header = context.headers[FAULT_HEADER];
      let fault = parseFault(header);
      if (header !== undefined && !this.applies(fault, method, header)) fault = parseFault(undefined);
      if (fault.status) {
        if (fault.delayMs > 0) await sleep(fault.delayMs, context.signal);
        return { status: fault.status, pushback: fault.pushback };
      }
      if (delay === 'before' && fault.delayMs > 0) await sleep(fault.delayMs, context.signal);
      const response = await run(fault);
      if (delay === 'after' && fault.delayMs > 0) await sleep(fault.delayMs, context.signal);
      return { response };
    } catch (error) {
      const e = OperationsError.from(error, Code.INTERNAL);
      return { status: { code: e.code, message: e.rawMessage, details: [] } };
    }
  }

  /** Creates the operation an API method starts, named after its parent. */
  private startOperation(method: ApiMethod, request: ApiRequest, script: OperationScript | undefined): Operation {
    if (!this.api) throw new OperationsError(Code.UNIMPLEMENTED, `${method.name} is not served`);
    if ((request.label?.length ?? 0) > MAX_LABEL_LENGTH) {
      throw new OperationsError(Code.INVALID_ARGUMENT, `label longer than ${MAX_LABEL_LENGTH} characters`);
    }
    const { project, location } = parseParent(method, request.parent);
    const { store } = this;
    let name: string;
    do name = fillTemplate(store.template, project, operationId(), location);
    while (store.has(name));
    const runForMs = script?.runForMs === undefined ? this.api.runForMs : (script.runForMs ?? Infinity);
    const spec: { -readonly [K in keyof OperationSpec]: OperationSpec[K] } = {
      name,
      response: method.response(request),
    };
    if (runForMs !== Infinity) spec.runForMs = runForMs;
    if (script?.cancelMode) spec.cancelMode = script.cancelMode;
    if (script?.cancelDelayMs !== undefined) spec.cancelDelayMs = script.cancelDelayMs;
    if (script?.error) spec.error = script.error;
    return store.create(spec, method.metadata);
  }

  /** How many requests got each `times`-limited fault, by header value. */
  private readonly faultCounts = new Map<string, number>();

  private applies(fault: Fault, method: string, header: string): boolean {
    if (fault.methods && !fault.methods.includes(method)) return false;
    if (fault.times === undefined) return true;
    const count = this.faultCounts.get(header) ?? 0;
    if (count >= fault.times) return false;
    // Memory stays bounded whatever a client sends: past MAX_FAULT_COUNTS values, the oldest is forgotten.
    if (count === 0 && this.faultCounts.size >= MAX_FAULT_COUNTS) {
      this.faultCounts.delete(this.faultCounts.keys().next().value as string);
    }
    this.faultCounts.set(header, count + 1);
    return true;
  }

  private async run<K extends MethodKey>(
    method: K,
    request: RequestOf<K>,
    context: CallContext,
    listing: Listing | undefined,
  ): Promise<ResponseOf<K>> {
    const { store } = this;
    if (method === 'listOperations') {
      if (!this.parentTemplate) throw new OperationsError(Code.UNIMPLEMENTED, 'ListOperations is not served');
      const { name, filter, pageSize, pageToken } = request as RequestOf<'listOperations'>;
      const parent = validateName(name, this.parentTemplate, 'parent');
      return { ...this.page(parent, filter, pageSize, pageToken, listing), unreachable: [] } as ResponseOf<K>;
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

  /** A page of ListOperations, or what a `listing` fault makes of it. */
  private page(
    parent: string,
    filter: string,
    pageSize: number,
    pageToken: string,
    listing: Listing | undefined,
  ): { operations: Operation[]; nextPageToken: string } {
    const { store } = this;
    switch (listing) {
      case undefined:
        return store.list(parent, filter, pageSize, pageToken);
      case 'repeat-token': {
        const token = pageToken === 'again' ? store.list(parent, filter, pageSize, '').nextPageToken : pageToken;
        return { operations: store.list(parent, filter, pageSize, token).operations, nextPageToken: 'again' };
      }
      case 'same-page':
        return {
          operations: store.list(parent, filter, pageSize, '').operations,
          nextPageToken: `more-${++this.pagesServed}`,
        };
      case 'foreign': {
        const page = store.list(parent, filter, pageSize, pageToken);
        const theirs: Operation = { name: 'projects/victim/operations/theirs', done: false };
        return { ...page, operations: [...page.operations, theirs] };
      }
    }
  }

  /** Pages the `same-page` fault has served: each gets a next page token of its own. */
  private pagesServed = 0;

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

/** A new operation id, as Google's look: a decimal 64-bit number. */
function operationId(): string {
  return BigInt(`0x${randomBytes(8).toString('hex')}`).toString();
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
