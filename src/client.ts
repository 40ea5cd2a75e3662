/**
 * OperationsClient: the thin wrapper over a Transport, written once for both, and the
 * cancel-then-confirm that no peer offers as one call.
 */
import { Code, OperationsError, abortedError, localError, retryInfoDelayMs } from './errors';
import { encodeComponent, operationTemplate, parentTemplate } from './http-rules';
import { compileTemplate, validateName, type NameTemplate } from './names';
import {
  DEFAULT_POLL_POLICY,
  DEFAULT_TIMEOUT_MS,
  backoffDelay,
  checkTimeout,
  pollPolicy,
  sleep,
  type PollPolicy,
} from './policy';
import type { Any, ListOperationsResponse, Operation } from './proto';
import { cancelMany, type CancelManyOptions, type CancelManyResult } from './many';
import { operationError } from './results';
import type {
  CallOptions,
  CloseOptions,
  Metadata,
  MethodKey,
  RequestOf,
  ResponseOf,
  Transport,
  UnaryCall,
} from './transport';
import {
  DEFAULT_RETRY_POLICY,
  RetryThrottle,
  retryAfterFailure,
  retryPolicy,
  type RetryPolicy,
  type ThrottlePolicy,
} from './retry';
import { createGrpcTransport } from './transports/grpc';
import { VERSION } from './version';

/** Options of the {@link OperationsClient} constructor; all optional. */
export interface OperationsClientOptions {
  /**
   * How to reach the service. Default: `createGrpcTransport()`, TLS to
   * `optimization.googleapis.com:443`.
   */
  readonly transport?: Transport;
  /** Deadline of each call unless the call sets its own. Default {@link DEFAULT_TIMEOUT_MS} (10 s). */
  readonly timeoutMs?: number;
  /**
   * The operation name template names are checked against before anything is sent.
   * Default: the one of the transport's HTTP rules (`projects/*\/operations/*` for Optimization v1).
   */
  readonly nameTemplate?: string;
  /** Metadata sent with every call; a call's own metadata wins on the same key. */
  readonly metadata?: Metadata;
  /** The project billed for quota (`x-goog-user-project`). Default: `GOOGLE_CLOUD_QUOTA_PROJECT`, else none. */
  readonly quotaProject?: string;
  /** How cancelAndConfirm and waitForDone poll; each field defaults to {@link DEFAULT_POLL_POLICY}'s. */
  readonly pollPolicy?: Partial<PollPolicy>;
  /** Retries of every call but WaitOperation; each field defaults to {@link DEFAULT_RETRY_POLICY}'s. */
  readonly retry?: Partial<RetryPolicy>;
  /** Retry throttling of the transport's target. Default {@link DEFAULT_THROTTLE_POLICY}. */
  readonly throttle?: ThrottlePolicy;
  /** Called before each retry (for metrics and logs): the method, the attempt about to run (2, 3, ...), the error. */
  readonly onRetry?: (event: RetryEvent) => void;
}

/** What {@link OperationsClientOptions.onRetry} is told before each retry. */
export interface RetryEvent {
  /** The method being retried. */
  readonly method: MethodKey;
  /** The attempt about to run: 2 for the first retry, then 3, ... */
  readonly attempt: number;
  /** The error that ended the previous attempt. */
  readonly error: OperationsError;
}

/** Options of listOperations: AIP-160 `filter` and the page size the server is asked for. */
export interface ListOptions extends CallOptions {
  /** An AIP-160 filter, e.g. `done = true`. Default '' (all operations). */
  readonly filter?: string;
  /** Operations per page the server is asked for, 0 to 2^31 - 1. Default 0: the server's choice. */
  readonly pageSize?: number;
}

/** Options of {@link OperationsClient.listOperationsPage}: a list's, and which page. */
export interface PageOptions extends ListOptions {
  /** The `nextPageToken` of the previous page; '' or unset for the first. */
  readonly pageToken?: string;
}

/** One page of ListOperations. */
export interface OperationsPage {
  /** The operations of this page. */
  readonly operations: Operation[];
  /** '' on the last page. */
  readonly nextPageToken: string;
  /** Locations the server couldn't reach (when partial success was asked for). */
  readonly unreachable: string[];
}

/** Options of cancelAndConfirm and waitForDone. */
export interface PollOptions extends Omit<CallOptions, 'timeoutMs'> {
  /** The whole wait, in ms; default the client's poll policy's (60 s). */
  readonly timeoutMs?: number;
  /** Overrides of the client's poll policy for this wait. */
  readonly pollPolicy?: Partial<PollPolicy>;
  /** Use WaitOperation where the transport has it (default true); false polls with GetOperation only. */
  readonly useWaitOperation?: boolean;
}

/**
 * What cancelAndConfirm found, always with the last Operation read:
 * - `cancelled`: done with `error.code = 1` (CANCELLED);
 * - `completed`: done with a response: it finished despite the cancel;
 * - `failed`: done with another error (kept with its details in `error`);
 * - `unsupported`: the server answered UNIMPLEMENTED to CancelOperation;
 * - `running`: not done when the wait's deadline came. Nothing was confirmed: the cancel may
 *   still take effect later.
 */
export type CancelOutcome =
  | {
      /** Done with CANCELLED. */
      readonly outcome: 'cancelled';
      /** The last state read. */
      readonly operation: Operation;
    }
  | {
      /** Done with a response, despite the cancel. */
      readonly outcome: 'completed';
      /** The last state read. */
      readonly operation: Operation;
      /** The operation's response, packed. */
      readonly response: Any | undefined;
    }
  | {
      /** Done with an error other than CANCELLED. */
      readonly outcome: 'failed';
      /** The last state read. */
      readonly operation: Operation;
      /** The operation's error, its details decoded. */
      readonly error: OperationsError;
    }
  | {
      /** The server answered UNIMPLEMENTED to CancelOperation. */
      readonly outcome: 'unsupported';
      /** The state read after that answer. */
      readonly operation: Operation;
      /** The UNIMPLEMENTED answer. */
      readonly error: OperationsError;
    }
  | {
      /** Not done by the wait's deadline: nothing confirmed. */
      readonly outcome: 'running';
      /** The last state read. */
      readonly operation: Operation;
    };

/** A call's options when none are given. */
const NO_OPTIONS: CallOptions = Object.freeze({});

/** The largest value of a proto int32 field (`page_size`). */
const MAX_INT32 = 2 ** 31 - 1;
/** Longest single WaitOperation of a wait: the server may return earlier. */
const MAX_WAIT_SLICE_MS = 30_000;
/** A wait's last read starts this long (or half the time left, if less) before its deadline. */
const FINAL_READ_RESERVE_MS = 1_000;

/** A client of google.longrunning.Operations. Promise API; every failure is an OperationsError. */
export class OperationsClient {
  /** The transport the client calls through: the one given, else a default gRPC one. */
  readonly transport: Transport;
  private readonly timeoutMs: number;
  private readonly template: NameTemplate;
  private readonly parentTemplate: NameTemplate | undefined;
  private readonly policy: PollPolicy;
  /** Headers of every call, the caller's client-level metadata last. */
  private readonly headers: Metadata;
  /** `x-goog-api-client` as sent: this library, its transport and Node, by version, unless the caller's metadata set it. */
  private readonly apiClient: string;
  /** Whether `headers` is `x-goog-api-client` alone. */
  private readonly apiClientOnly: boolean;
  /** Aborted by close(): ends retry backoffs and waits between reads at once. */
  private readonly closing = new AbortController();
  /** The server answered UNIMPLEMENTED to WaitOperation once: poll with GetOperation from then on. */
  private waitUnsupported = false;
  private readonly retry: RetryPolicy;
  private readonly throttle: RetryThrottle;
  private readonly onRetry: ((event: RetryEvent) => void) | undefined;

  constructor(options: OperationsClientOptions = {}) {
    this.transport = options.transport ?? createGrpcTransport();
    this.timeoutMs = options.timeoutMs === undefined ? DEFAULT_TIMEOUT_MS : checkTimeout(options.timeoutMs);
    const rules = this.transport.rules;
    this.template =
      options.nameTemplate === undefined ? operationTemplate(rules) : compileTemplate(options.nameTemplate);
    this.parentTemplate = parentTemplate(rules);
    this.policy = pollPolicy(DEFAULT_POLL_POLICY, options.pollPolicy);
    this.retry = retryPolicy(DEFAULT_RETRY_POLICY, options.retry);
    this.throttle = throttleFor(this.transport, options.throttle);
    this.onRetry = options.onRetry;
    const quotaProject = options.quotaProject ?? process.env['GOOGLE_CLOUD_QUOTA_PROJECT'];
    if (options.metadata) checkMetadata(options.metadata);
    this.headers = {
      'x-goog-api-client': `gl-node/${process.versions.node} longrun/${VERSION} ${this.transport.kind}/${this.transport.version}`,
      ...(quotaProject ? { 'x-goog-user-project': quotaProject } : {}),
      ...options.metadata,
    };
    // The caller's client-level metadata may set x-goog-api-client itself: its value wins.
    this.apiClient = this.headers['x-goog-api-client'] as string;
    this.apiClientOnly = Object.keys(this.headers).length === 1;
  }

  /**
   * Asks the server to cancel the operation: best effort and asynchronous. Success means the
   * request was accepted, not that the operation stopped; confirm with {@link getOperation}
   * (done, with `error.code === Code.CANCELLED`) or use {@link cancelAndConfirm}. A server
   * without cancel answers UNIMPLEMENTED.
   */
  async cancelOperation(name: string, options?: CallOptions): Promise<void> {
    await this.call('cancelOperation', { name: validateName(name, this.template) }, options);
  }

  /** The latest state of the operation. */
  async getOperation(name: string, options?: CallOptions): Promise<Operation> {
    return this.call('getOperation', { name: validateName(name, this.template) }, options);
  }

  /** Deletes the operation's record. It does not cancel the operation. */
  async deleteOperation(name: string, options?: CallOptions): Promise<void> {
    await this.call('deleteOperation', { name: validateName(name, this.template) }, options);
  }

  /**
   * Waits on the server until the operation is done or about `timeoutMs` passed (the server
   * is asked to answer a little before the call's deadline), then answers its state, done or
   * not. Never retried. gRPC only: over REST (no HTTP rule in Optimization v1) it fails
   * locally with UNIMPLEMENTED and `error.local === true`.
   */
  async waitOperation(name: string, options: CallOptions = {}): Promise<Operation> {
    const valid = validateName(name, this.template);
    const timeoutMs = options.timeoutMs === undefined ? this.timeoutMs : checkTimeout(options.timeoutMs);
    // No deadline (Infinity): the server waits as long as it will. Otherwise leave the answer
    // time to arrive before the deadline: a tenth, between 50 ms and 1 s.
    if (timeoutMs === Infinity) {
      return this.call('waitOperation', { name: valid, timeout: undefined }, { ...options, timeoutMs });
    }
    const serverMs = Math.max(1, timeoutMs - Math.min(1000, Math.max(50, timeoutMs / 10)));
    const timeout = { seconds: String(Math.floor(serverMs / 1000)), nanos: Math.floor(serverMs % 1000) * 1e6 };
    return this.call('waitOperation', { name: valid, timeout }, { ...options, timeoutMs });
  }

  /** One page of the operations under `parent` (e.g. `projects/my-project`). */
  async listOperationsPage(parent: string, options: PageOptions = {}): Promise<OperationsPage> {
    const template = this.parentTemplate;
    if (!template) {
      throw new OperationsError(Code.UNIMPLEMENTED, `ListOperations has no HTTP rule in ${this.transport.rules.api}`, {
        local: true,
      });
    }
    const pageSize = options.pageSize ?? 0;
    // page_size is an int32: past 2^31 - 1 gRPC can't encode it and REST would send it as is.
    if (!Number.isInteger(pageSize) || pageSize < 0 || pageSize > MAX_INT32) {
      throw localError(Code.INVALID_ARGUMENT, `pageSize must be a whole number from 0 to ${MAX_INT32}`);
    }
    const response: ListOperationsResponse = await this.call(
      'listOperations',
      {
        name: validateName(parent, template, 'parent'),
        filter: options.filter ?? '',
        pageSize,
        pageToken: options.pageToken ?? '',
        returnPartialSuccess: false,
      },
      options,
    );
    return response;
  }

  /**
   * Every operation under `parent`, page after page, each call with its own deadline.
   * Breaking out of the loop stops asking for pages.
   */
  async *listOperations(parent: string, options: ListOptions = {}): AsyncGenerator<Operation, void, undefined> {
    let pageToken = '';
    do {
      const page = await this.listOperationsPage(parent, { ...options, pageToken });
      yield* page.operations;
      pageToken = page.nextPageToken;
    } while (pageToken !== '');
  }

  /**
   * Reads the operation until it is done or the wait's deadline (`timeoutMs`, default 60 s,
   * the whole wait): with WaitOperation where the transport has it, falling back to
   * GetOperation polling with jittered exponential backoff when the server doesn't implement
   * it or answers early. Every read gets at most the wait's remaining time as its deadline,
   * and the last one starts shortly before the deadline rather than after it. Resolves with
   * the last state read, done or not, by the deadline; rejects when a read fails (a server's
   * RetryInfo on UNAVAILABLE or RESOURCE_EXHAUSTED is waited out instead), on abort, or with
   * DEADLINE_EXCEEDED when no read at all completed before the deadline.
   */
  async waitForDone(name: string, options: PollOptions = {}): Promise<Operation> {
    const valid = validateName(name, this.template);
    const policy = pollPolicy(this.policy, options.pollPolicy);
    const timeoutMs = options.timeoutMs === undefined ? policy.timeoutMs : checkTimeout(options.timeoutMs);
    return this.pollUntilDone(valid, Date.now() + timeoutMs, policy, options);
  }

  /** waitForDone's loop, for a validated name and an absolute deadline. */
  private async pollUntilDone(
    name: string,
    deadline: number,
    policy: PollPolicy,
    options: PollOptions,
  ): Promise<Operation> {
    const { signal, metadata } = options;
    let useWait =
      options.useWaitOperation !== false && !this.waitUnsupported && this.transport.supports('waitOperation');
    let attempt = 0;
    let last: Operation | undefined;
    let lastError: OperationsError | undefined;
    let finalRead = false;
    for (;;) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) return lastOrFail(last, lastError);
      // A read never outlives the wait: its deadline is the wait's when that comes first.
      const timeoutMs = Math.min(useWait ? MAX_WAIT_SLICE_MS : this.timeoutMs, remaining);
      const cutByWait = timeoutMs === remaining;
      const started = Date.now();
      try {
        last = useWait
          ? await this.waitOperation(name, { signal, metadata, timeoutMs })
          : await this.getOperation(name, { signal, metadata, timeoutMs });
        if (last.done || finalRead) return last;
      } catch (error) {
        const e = OperationsError.from(error);
        if (useWait && e.code === Code.UNIMPLEMENTED && !e.local) {
          // Many servers don't implement WaitOperation: poll instead, for good.
          this.waitUnsupported = true;
          useWait = false;
          continue;
        }
        if (e.code === Code.DEADLINE_EXCEEDED && !e.aborted && (cutByWait || useWait)) {
          // The wait's own deadline ended the read (or a slow wait slice): the outcome is the last state read.
          lastError = e;
          continue;
        }
        const retryDelay = retryInfoDelayMs(e);
        if (retryDelay === undefined || (e.code !== Code.UNAVAILABLE && e.code !== Code.RESOURCE_EXHAUSTED)) throw e;
        lastError = e;
        await sleep(
          Math.min(Math.max(retryDelay, backoffDelay(attempt++, policy)), this.leftUntil(deadline)),
          signal,
          this.closing.signal,
        );
        continue;
      }
      // Not done: back off before the next read (a wait that returned early counts its own time).
      let delay = backoffDelay(attempt++, policy);
      const left = this.leftUntil(deadline);
      if (delay >= left) {
        // No room for another regular read: one last read shortly before the deadline, not after it.
        if (left <= 0) return last;
        delay = left - Math.min(FINAL_READ_RESERVE_MS, left / 2);
        finalRead = true;
      }
      const pause = useWait ? delay - (Date.now() - started) : delay;
      if (pause > 0) await sleep(pause, signal, this.closing.signal);
    }
  }

  /** Milliseconds until `deadline`, never negative. */
  private leftUntil(deadline: number): number {
    return Math.max(0, deadline - Date.now());
  }

  /**
   * Cancels the operation and confirms what happened: sends CancelOperation, then reads the
   * operation until it is done or the deadline (see {@link waitForDone}). `timeoutMs` is the
   * whole of it, the cancel included: every call gets at most the remaining time. Resolves
   * with the {@link CancelOutcome} (`running` when the deadline came first); rejects only when
   * a call fails (other than an UNIMPLEMENTED cancel, reported as `unsupported`), on abort,
   * or with DEADLINE_EXCEEDED when the cancel itself, or every read, didn't finish in time.
   */
  async cancelAndConfirm(name: string, options: PollOptions = {}): Promise<CancelOutcome> {
    const valid = validateName(name, this.template);
    const policy = pollPolicy(this.policy, options.pollPolicy);
    const timeoutMs = options.timeoutMs === undefined ? policy.timeoutMs : checkTimeout(options.timeoutMs);
    const deadline = Date.now() + timeoutMs;
    const { signal, metadata } = options;
    const bounded = (): CallOptions => ({
      signal,
      metadata,
      timeoutMs: Math.min(this.timeoutMs, Math.max(1, deadline - Date.now())),
    });
    try {
      await this.cancelOperation(valid, bounded());
    } catch (error) {
      const e = OperationsError.from(error);
      if (e.code !== Code.UNIMPLEMENTED || e.local) throw e;
      return { outcome: 'unsupported', operation: await this.getOperation(valid, bounded()), error: e };
    }
    return cancelOutcome(await this.pollUntilDone(valid, deadline, policy, options));
  }

  /**
   * Cancels many operations: `names` is read only as fast as calls start (memory stays flat
   * for any input size), at most `concurrency` calls in flight (default 32), and one result
   * per name comes out in completion order, including for invalid names (nothing sent) and
   * names never started after `stop`. RESOURCE_EXHAUSTED slows every call down (the server's
   * RetryInfo, else a backoff; in-flight limit halved) and the name is tried again.
   */
  cancelMany(
    names: Iterable<string> | AsyncIterable<string>,
    options?: CancelManyOptions,
  ): AsyncGenerator<CancelManyResult, void, undefined> {
    return cancelMany(this, names, options);
  }

  /**
   * Closes the client and its transport: new calls fail at once (FAILED_PRECONDITION,
   * `local`); a call waiting to retry and a wait between reads end at once with CANCELLED;
   * calls in flight get `graceMs` (default 5 s) to finish, then end with CANCELLED. Resolves
   * when all of that is done and the connections are closed, whatever the server does.
   */
  close(options?: CloseOptions): Promise<void> {
    this.closing.abort();
    return this.transport.close(options);
  }

  /**
   * Resolves the call's options and hands it to the transport, then retries by the policy.
   * Rejects (never throws) on bad input. The first attempt's success is the hot path: one
   * object per call for the transport, one for its metadata, no closure.
   */
  private async call<K extends MethodKey>(
    method: K,
    request: RequestOf<K>,
    options: CallOptions = NO_OPTIONS,
  ): Promise<ResponseOf<K>> {
    const signal = options.signal;
    if (signal !== undefined && signal.aborted) throw abortedError(signal);
    const timeoutMs = options.timeoutMs === undefined ? this.timeoutMs : checkTimeout(options.timeoutMs);
    const extra = options.metadata;
    if (extra !== undefined) checkMetadata(extra);
    const call: UnaryCall<K> = {
      method,
      request,
      deadline: timeoutMs === Infinity ? undefined : Date.now() + timeoutMs,
      signal,
      metadata: this.metadataOf(request.name, extra),
    };
    // WaitOperation is never retried (AIP-194): its caller's deadline is the whole point.
    if (method === 'waitOperation' || options.retry === false) {
      try {
        return await this.transport.unary(call);
      } catch (error) {
        throw OperationsError.from(error);
      }
    }
    const policy = options.retry === undefined ? this.retry : retryPolicy(this.retry, options.retry);
    try {
      const response = await this.transport.unary(call);
      this.throttle.onSuccess();
      return response;
    } catch (error) {
      const onRetry = this.onRetry;
      return retryAfterFailure(() => this.transport.unary(call), OperationsError.from(error), {
        policy,
        throttle: this.throttle,
        deadline: call.deadline,
        signal,
        closing: this.closing.signal,
        onRetry: onRetry && ((attempt, e) => onRetry({ method, attempt, error: e })),
      });
    }
  }

  /** The client's headers, Google's routing header for `name` (percent-encoded as in a REST path), then `extra`. */
  private metadataOf(name: string, extra: Metadata | undefined): Metadata {
    const routing = `name=${encodeComponent(name)}`;
    // The common case builds an object of one fixed shape, cheaper than spreading.
    if (this.apiClientOnly && extra === undefined) {
      return { 'x-goog-api-client': this.apiClient, 'x-goog-request-params': routing };
    }
    return { ...this.headers, 'x-goog-request-params': routing, ...extra };
  }
}

/** The last state read, or (none read in time) the error that ended the last read, or DEADLINE_EXCEEDED. */
function lastOrFail(last: Operation | undefined, error: OperationsError | undefined): Operation {
  if (last) return last;
  throw error ?? new OperationsError(Code.DEADLINE_EXCEEDED, "the wait's deadline came before any read completed");
}

/** The outcome a final read of a cancelled-or-not operation says. Not done is `running`, never `cancelled`. */
export function cancelOutcome(operation: Operation): CancelOutcome {
  if (!operation.done) return { outcome: 'running', operation };
  const error = operationError(operation);
  if (!error) return { outcome: 'completed', operation, response: operation.response };
  return error.code === Code.CANCELLED ? { outcome: 'cancelled', operation } : { outcome: 'failed', operation, error };
}

/** One throttle per target (transport), shared by the clients over it. */
const throttles = new WeakMap<Transport, RetryThrottle>();

function throttleFor(transport: Transport, policy: ThrottlePolicy | undefined): RetryThrottle {
  let throttle = throttles.get(transport);
  if (!throttle) {
    throttle = new RetryThrottle(policy);
    throttles.set(transport, throttle);
  }
  return throttle;
}

/**
 * Headers that describe a connection, not a call: HTTP/2 forbids them (RFC 9113 8.2.2) and
 * HTTP/1.1 gives them meaning that a caller's metadata must not change. `te` is allowed as
 * `trailers` only.
 */
const CONNECTION_HEADERS: ReadonlySet<string> = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
  'host',
  'expect',
  'te',
]);

/**
 * Metadata both transports can carry: lower-case keys of `0-9 a-z - _ .`, not a connection
 * header, values of printable ASCII (no CR, LF or other control characters). Anything else is
 * INVALID_ARGUMENT, unsent (local, so never retried).
 */
function checkMetadata(metadata: Metadata): void {
  for (const key in metadata) {
    if (!/^[0-9a-z_.-]+$/.test(key) || key.endsWith('-bin') || key.startsWith('grpc-')) {
      throw localError(Code.INVALID_ARGUMENT, `metadata key ${JSON.stringify(key.slice(0, 64))} is not allowed`);
    }
    const value = metadata[key];
    if (CONNECTION_HEADERS.has(key) && !(key === 'te' && value === 'trailers')) {
      throw localError(Code.INVALID_ARGUMENT, `metadata ${key} is a connection header, which a call can't set`);
    }
    if (typeof value !== 'string' || !/^[\x20-\x7e]*$/.test(value)) {
      throw localError(Code.INVALID_ARGUMENT, `metadata ${key} must be printable ASCII`);
    }
  }
}
