/**
 * OperationsClient: the thin wrapper over a Transport, written once for both, and the
 * cancel-then-confirm that no peer offers as one call.
 */
import { backoff, sleep } from './backoff';
import { Code, OperationsError, abortedError, localError, retryInfoDelayMs } from './errors';
import { encodeComponent, operationTemplate, parentTemplate } from './http-rules';
import {
  WAIT_SERVICE,
  type AttemptEvent,
  type Call,
  type CallHandler,
  type CallMethod,
  type CallObserver,
  type Interceptor,
  type RetryEvent,
  type WaitRequest,
} from './interceptors';
import { debugInterceptor, debugEnabled } from './debug';
import { compileTemplate, validateName, type NameTemplate } from './names';
import { cancelOutcome, type CancelOutcome, type PollOptions } from './outcome';
import { pages } from './paging';
import {
  DEFAULT_POLL_POLICY,
  DEFAULT_TIMEOUT_MS,
  checkTimeout,
  pollBackoff,
  pollPolicy,
  type PollPolicy,
} from './policy';
import { METHOD_NAMES, type ListOperationsResponse, type Operation, type WaitOperationRequest } from './proto';
import {
  cancelMany,
  cancelMatching,
  type CancelManyOptions,
  type CancelManyResult,
  type CancelMatchingOptions,
  type CancelMatchingResult,
} from './many';
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
  throttlePolicy,
  type RetryPolicy,
  type ThrottlePolicy,
} from './retry';
import {
  autoCancelPlan,
  tellAutoCancel,
  trackOperation,
  type AutoCancel,
  type AutoCancelPlan,
  type AutoCancelReason,
  type TrackOptions,
  type TrackStart,
  type TrackedOperation,
  type WaitOptions,
} from './track';
import { VERSION } from './version';

/** Options of the {@link OperationsClient} constructor; all optional. */
export interface OperationsClientOptions {
  /**
   * How to reach the service. Default: `createGrpcTransport()`, TLS to
   * `optimization.googleapis.com:443` (created by the package's main entry; the client itself
   * knows only the Transport contract).
   */
  readonly transport?: Transport;
  /**
   * Interceptors every logical call runs through, the first the outermost (see
   * {@link Interceptor}). Default none.
   */
  readonly interceptors?: readonly Interceptor[];
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

/** A call's options when none are given. */
const NO_OPTIONS: CallOptions = Object.freeze({});

/** The largest value of a proto int32 field (`page_size`). */
const MAX_INT32 = 2 ** 31 - 1;
/** Longest single WaitOperation of a wait: the server may return earlier. */
const MAX_WAIT_SLICE_MS = 30_000;
/** A wait's last read starts this long (or half the time left, if less) before its deadline. */
const FINAL_READ_RESERVE_MS = 1_000;

/** The `procedure` of each call, e.g. `google.longrunning.Operations/CancelOperation`. */
const PROCEDURES: Readonly<Record<CallMethod, string>> = {
  getOperation: `google.longrunning.Operations/${METHOD_NAMES.getOperation}`,
  cancelOperation: `google.longrunning.Operations/${METHOD_NAMES.cancelOperation}`,
  deleteOperation: `google.longrunning.Operations/${METHOD_NAMES.deleteOperation}`,
  listOperations: `google.longrunning.Operations/${METHOD_NAMES.listOperations}`,
  waitOperation: `google.longrunning.Operations/${METHOD_NAMES.waitOperation}`,
  cancelAndConfirm: `${WAIT_SERVICE}/cancelAndConfirm`,
  waitForDone: `${WAIT_SERVICE}/waitForDone`,
};

/** What the pipeline's last stage needs of a wait beyond what interceptors see. */
interface WaitPlan {
  readonly policy: PollPolicy;
  readonly useWaitOperation: boolean;
  /** waitForDone's auto-cancel (cancelOnTimeout, cancelOnAbort); undefined for none. */
  readonly autoCancel: AutoCancelPlan | undefined;
}

/**
 * One logical call as it runs through the pipeline: what interceptors see ({@link Call}) and,
 * for an RPC, the UnaryCall the transport is handed (method, request, deadline, signal,
 * metadata), one object for both. Observers are created only when an interceptor asks.
 */
class PipelineCall {
  observers: CallObserver[] | undefined = undefined;

  constructor(
    readonly method: CallMethod,
    readonly request: RequestOf<MethodKey> | WaitRequest,
    readonly name: string,
    readonly metadata: Record<string, string>,
    readonly deadline: number | undefined,
    readonly signal: AbortSignal | undefined,
    readonly parent: Call | undefined,
    readonly transport: Transport,
    /** The retry policy, or false for one attempt. */
    readonly retry: RetryPolicy | false,
    /** A wait's plan; undefined for an RPC. */
    readonly plan: WaitPlan | undefined,
  ) {}

  get procedure(): string {
    return PROCEDURES[this.method];
  }

  observe(observer: CallObserver): void {
    (this.observers ??= []).push(observer);
  }
}

/**
 * A client of google.longrunning.Operations. Promise API; every failure is an OperationsError.
 *
 * Every call runs through one pipeline: the public method validates the name and the options
 * and resolves the deadline, the metadata (client headers, routing header, the call's own) and
 * the retry policy, once; then the interceptors; then, last, the retries over the transport
 * (an RPC) or the wait's loop (cancelAndConfirm, waitForDone), whose RPCs run through the
 * same pipeline with the wait as their parent.
 */
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
  /** The interceptors around the last stage; the last stage itself when there are none. */
  private readonly pipeline: CallHandler;
  /** Whether interceptors may have changed a call's metadata (then it is checked again). */
  private readonly intercepted: boolean;
  /** No interceptor at all (not even NODE_DEBUG's): an RPC's first attempt runs in `call` itself. */
  private readonly bare: boolean;
  /** The last stage alone, for calls while every interceptor is idle. */
  private readonly lastStageOnly: CallHandler;
  /** Each interceptor's `idle`, when every one has it; else undefined. */
  private readonly idle: ReadonlyArray<() => boolean> | undefined;

  constructor(options: OperationsClientOptions = {}) {
    this.transport = options.transport ?? defaultTransport();
    this.timeoutMs = options.timeoutMs === undefined ? DEFAULT_TIMEOUT_MS : checkTimeout(options.timeoutMs);
    const rules = this.transport.rules;
    this.template =
      options.nameTemplate === undefined ? operationTemplate(rules) : compileTemplate(options.nameTemplate);
    this.parentTemplate = parentTemplate(rules);
    this.policy = pollPolicy(DEFAULT_POLL_POLICY, options.pollPolicy);
    this.retry = retryPolicy(DEFAULT_RETRY_POLICY, options.retry);
    const throttle = options.throttle === undefined ? undefined : throttlePolicy(options.throttle);
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
    const interceptors = [...(options.interceptors ?? [])];
    for (const interceptor of interceptors) {
      if (typeof interceptor !== 'function') throw new TypeError('each interceptor must be a function');
    }
    this.intercepted = interceptors.length > 0;
    // NODE_DEBUG=longrun: the innermost interceptor, so its lines time the calls themselves.
    if (debugEnabled()) interceptors.push(debugInterceptor);
    this.bare = interceptors.length === 0;
    const last: CallHandler = (call) => this.lastStage(call as unknown as PipelineCall);
    this.lastStageOnly = last;
    this.pipeline = interceptors.reduceRight<CallHandler>((next, interceptor) => interceptor(next), last);
    const idle = interceptors.map((interceptor) => interceptor.idle);
    this.idle = idle.every((check) => typeof check === 'function') ? (idle as Array<() => boolean>) : undefined;
    // Last: a client whose options are refused above never fixes its transport's throttle.
    this.throttle = throttleFor(this.transport, throttle);
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
    return this.call('waitOperation', waitRequest(valid, timeoutMs), { ...options, timeoutMs });
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
        filter: checkText('filter', options.filter ?? ''),
        pageSize,
        pageToken: checkText('pageToken', options.pageToken ?? ''),
        returnPartialSuccess: false,
      },
      options,
    );
    return response;
  }

  /**
   * Every operation under `parent`, page after page, each call with its own deadline.
   * Breaking out of the loop stops asking for pages. A server that pages in a circle (a page
   * token given twice) or gives 100 empty pages in a row (`MAX_EMPTY_PAGES`) ends it with
   * INTERNAL.
   */
  async *listOperations(parent: string, options: ListOptions = {}): AsyncGenerator<Operation, void, undefined> {
    for await (const page of pages(parent, (pageToken) => this.listOperationsPage(parent, { ...options, pageToken }))) {
      yield* page.operations;
    }
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
   *
   * Giving up only stops waiting, unless asked otherwise: with `cancelOnTimeout` the deadline
   * coming first cancels the operation and resolves with the state read after the cancel (done
   * with CANCELLED, done otherwise if it finished meanwhile, or still running); with
   * `cancelOnAbort` an abort cancels it, then rejects with the abort's error as usual. The
   * cancel and its confirmation get `cancelGraceMs` (default `DEFAULT_CANCEL_GRACE_MS`,
   * 5 s) past the deadline or the abort, and are told to `onAutoCancel` (see {@link WaitOptions}).
   */
  async waitForDone(name: string, options: WaitOptions = {}): Promise<Operation> {
    return (await this.startWait('waitForDone', name, options)) as Operation;
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
    return (await this.startWait('cancelAndConfirm', name, options)) as CancelOutcome;
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
   * A handle on an operation being started, returned at once: `start` is what the
   * long-running call returns (a promise of the Operation, of anything with its `name`, or of
   * google-gax's `[LROperation, ...]`). The handle can cancel it before its name is known (the
   * cancel is sent as soon as it is; nothing is sent if the start fails), wait for it, and
   * follow its progress; `Meta` and `Result` are the types `metadataType` and `responseType`
   * decode to (see {@link TrackedOperation}). Throws INVALID_ARGUMENT for a type the registry
   * doesn't know.
   */
  track<Meta = unknown, Result = unknown>(
    start: PromiseLike<TrackStart>,
    options?: TrackOptions,
  ): TrackedOperation<Meta, Result> {
    return trackOperation<Meta, Result>(this, this.policy, this.closing.signal, start, options);
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
   * The first stage of an RPC: checks and resolves the options (deadline, metadata, retry
   * policy) once, then runs the pipeline. Rejects (never throws) on bad input. With no
   * interceptors, the first attempt's success is the hot path: one object for the call, one
   * for its metadata, no closure.
   */
  private async call<K extends MethodKey>(
    method: K,
    request: RequestOf<K>,
    options: CallOptions = NO_OPTIONS,
    parent?: PipelineCall,
  ): Promise<ResponseOf<K>> {
    const signal = options.signal;
    if (signal !== undefined && signal.aborted) throw abortedError(signal);
    const timeoutMs = options.timeoutMs === undefined ? this.timeoutMs : checkTimeout(options.timeoutMs);
    const extra = options.metadata;
    // A wait's RPCs carry the wait's metadata, already checked.
    if (extra !== undefined && parent === undefined) checkMetadata(extra);
    const retry = options.retry;
    const call = new PipelineCall(
      method,
      request,
      request.name,
      this.metadataOf(request.name, extra),
      timeoutMs === Infinity ? undefined : Date.now() + timeoutMs,
      signal,
      parent as unknown as Call | undefined,
      this.transport,
      // WaitOperation is never retried (AIP-194): its caller's deadline is the whole point.
      method === 'waitOperation' || retry === false
        ? false
        : retry === undefined
          ? this.retry
          : retryPolicy(this.retry, retry),
      undefined,
    );
    const direct = this.bare || this.allIdle();
    if (direct && call.retry !== false) {
      // No interceptors: the first attempt right here (the hot path), the retries as below.
      try {
        const response = await this.transport.unary(asUnary(call) as UnaryCall<K>);
        this.throttle.onSuccess();
        return response;
      } catch (error) {
        return (await this.retries(call, call.retry, OperationsError.from(error), undefined)) as ResponseOf<K>;
      }
    }
    return (await (direct ? this.lastStageOnly : this.pipeline)(call as unknown as Call)) as ResponseOf<K>;
  }

  /** The first stage of a wait: validates and resolves its options once, then runs the pipeline. */
  private async startWait(
    method: 'waitForDone' | 'cancelAndConfirm',
    name: string,
    options: WaitOptions,
  ): Promise<unknown> {
    const valid = validateName(name, this.template);
    const policy = pollPolicy(this.policy, options.pollPolicy);
    const timeoutMs = options.timeoutMs === undefined ? policy.timeoutMs : checkTimeout(options.timeoutMs);
    const autoCancel = method === 'waitForDone' ? autoCancelPlan(options) : undefined;
    const signal = options.signal;
    // An already-aborted wait sends nothing, unless it is to cancel on abort: then it cancels.
    if (signal !== undefined && signal.aborted && autoCancel?.onAbort !== true) throw abortedError(signal);
    if (options.metadata !== undefined) checkMetadata(options.metadata);
    const call = new PipelineCall(
      method,
      { name: valid, timeoutMs },
      valid,
      // What the wait's RPCs start from: the caller's metadata and what interceptors add here.
      { ...options.metadata },
      timeoutMs === Infinity ? undefined : Date.now() + timeoutMs,
      signal,
      undefined,
      this.transport,
      false,
      { policy, useWaitOperation: options.useWaitOperation !== false, autoCancel },
    );
    return (this.allIdle() ? this.lastStageOnly : this.pipeline)(call as unknown as Call);
  }

  /** Whether the client has interceptors and every one is idle now (then none runs). */
  private allIdle(): boolean {
    const idle = this.idle;
    if (idle === undefined) return false;
    for (const check of idle) if (!check()) return false;
    return true;
  }

  /** The pipeline's last stage: the attempts of an RPC, or a wait's loop. */
  private lastStage(call: PipelineCall): Promise<unknown> {
    // Interceptors may have added metadata: it must still be metadata both transports can carry.
    if (this.intercepted && !this.allIdle()) checkMetadata(call.metadata);
    const plan = call.plan;
    if (plan === undefined) return this.attempts(call);
    if (call.method === 'cancelAndConfirm') return this.confirm(call, plan, call.deadline ?? Infinity, call.signal);
    if (plan.autoCancel !== undefined) return this.waitThenCancel(call, plan, plan.autoCancel);
    return this.pollUntilDone(call, plan, call.deadline ?? Infinity, call.signal);
  }

  /** An RPC's attempts: the first, then retries by the call's policy (gRFC A6, see retry.ts). */
  private async attempts(call: PipelineCall): Promise<unknown> {
    const observers = call.observers;
    if (observers !== undefined) return this.observedAttempts(call, observers);
    const policy = call.retry;
    try {
      const response = await this.transport.unary(asUnary(call));
      if (policy !== false) this.throttle.onSuccess();
      return response;
    } catch (error) {
      const e = OperationsError.from(error);
      if (policy === false) throw e;
      return this.retries(call, policy, e, undefined);
    }
  }

  /** The attempts of an RPC whose interceptors observe them: each attempt timed and told. */
  private async observedAttempts(call: PipelineCall, observers: readonly CallObserver[]): Promise<unknown> {
    let attempt = 0;
    const run = async (): Promise<unknown> => {
      const number = ++attempt;
      const started = performance.now();
      try {
        const response = await this.transport.unary(asUnary(call));
        tellAttempt(observers, { attempt: number, durationMs: performance.now() - started, error: undefined });
        return response;
      } catch (reason) {
        const error = OperationsError.from(reason);
        tellAttempt(observers, { attempt: number, durationMs: performance.now() - started, error });
        throw error;
      }
    };
    const policy = call.retry;
    try {
      const response = await run();
      if (policy !== false) this.throttle.onSuccess();
      return response;
    } catch (error) {
      const e = OperationsError.from(error);
      if (policy === false) throw e;
      return this.retries(call, policy, e, run);
    }
  }

  /** The retries after a first attempt failed with `first` (see retryAfterFailure). */
  private retries(
    call: PipelineCall,
    policy: RetryPolicy,
    first: OperationsError,
    run: (() => Promise<unknown>) | undefined,
  ): Promise<unknown> {
    const observers = call.observers;
    return retryAfterFailure(run ?? (() => this.transport.unary(asUnary(call))), first, {
      policy,
      throttle: this.throttle,
      deadline: call.deadline,
      signal: call.signal,
      closing: this.closing.signal,
      onRetry: this.onRetry || observers ? this.retryReporter(call, observers) : undefined,
    });
  }

  /** Tells the client's onRetry and the call's observers of a retry about to happen. */
  private retryReporter(
    call: PipelineCall,
    observers: readonly CallObserver[] | undefined,
  ): (attempt: number, error: OperationsError, delayMs: number) => void {
    const onRetry = this.onRetry;
    return (attempt, error, delayMs) => {
      const event: RetryEvent = { method: call.method as MethodKey, attempt, error, delayMs };
      onRetry?.(event);
      if (observers) for (const observer of observers) observer.onRetry?.(event);
    };
  }

  /**
   * cancelAndConfirm's last stage (and an auto-cancel's): the cancel, then reads until done or
   * `deadline`, every call ended by `signal`.
   */
  private async confirm(
    wait: PipelineCall,
    plan: WaitPlan,
    deadline: number,
    signal: AbortSignal | undefined,
  ): Promise<CancelOutcome> {
    const { name } = wait;
    const bounded = (): CallOptions => ({
      signal,
      metadata: wait.metadata,
      timeoutMs: Math.min(this.timeoutMs, Math.max(1, deadline - Date.now())),
    });
    try {
      await this.call('cancelOperation', { name }, bounded(), wait);
    } catch (error) {
      const e = OperationsError.from(error);
      if (e.code !== Code.UNIMPLEMENTED || e.local) throw e;
      return {
        outcome: 'unsupported',
        operation: await this.call('getOperation', { name }, bounded(), wait),
        error: e,
      };
    }
    return cancelOutcome(await this.pollUntilDone(wait, plan, deadline, signal));
  }

  /**
   * waitForDone's last stage with an auto-cancel: the wait's loop, then, when it gave up at
   * its deadline (with cancelOnTimeout) or on its signal's abort (with cancelOnAbort), the
   * cancel and its confirmation as RPCs of the wait, within the grace and without its signal.
   */
  private async waitThenCancel(wait: PipelineCall, plan: WaitPlan, auto: AutoCancelPlan): Promise<Operation> {
    const deadline = wait.deadline ?? Infinity;
    const { signal } = wait;
    let last: Operation;
    try {
      last = await this.pollUntilDone(wait, plan, deadline, signal);
    } catch (error) {
      const e = OperationsError.from(error);
      const reason: AutoCancelReason | undefined =
        auto.onAbort && e.aborted && signal?.aborted === true
          ? 'abort'
          : auto.onTimeout && e.code === Code.DEADLINE_EXCEEDED && !e.aborted && Date.now() >= deadline
            ? 'timeout'
            : undefined;
      if (reason === undefined) throw e;
      const report = await this.autoCancel(wait, plan, auto, reason);
      if (reason === 'timeout' && report.outcome !== undefined) return report.outcome.operation;
      throw e;
    }
    // Not done: the wait gave up at its deadline (it returns early only with the operation done).
    if (last.done || !auto.onTimeout) return last;
    const report = await this.autoCancel(wait, plan, auto, 'timeout');
    return report.outcome?.operation ?? last;
  }

  /** An auto-cancel: cancel and confirm within the grace, then tell onAutoCancel what happened. */
  private async autoCancel(
    wait: PipelineCall,
    plan: WaitPlan,
    auto: AutoCancelPlan,
    reason: AutoCancelReason,
  ): Promise<AutoCancel> {
    const { name } = wait;
    let report: AutoCancel;
    try {
      const outcome = await this.confirm(wait, plan, Date.now() + auto.graceMs, undefined);
      report = { reason, name, outcome, error: undefined };
    } catch (error) {
      report = { reason, name, outcome: undefined, error: OperationsError.from(error) };
    }
    tellAutoCancel(auto, report);
    return report;
  }

  /** waitForDone's last stage (and cancelAndConfirm's reads): the wait's loop of RPCs until `deadline`. */
  private async pollUntilDone(
    wait: PipelineCall,
    plan: WaitPlan,
    deadline: number,
    signal: AbortSignal | undefined,
  ): Promise<Operation> {
    const { name, metadata } = wait;
    const { policy } = plan;
    const shape = pollBackoff(policy);
    let useWait = plan.useWaitOperation && !this.waitUnsupported && this.transport.supports('waitOperation');
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
          ? await this.call('waitOperation', waitRequest(name, timeoutMs), { signal, metadata, timeoutMs }, wait)
          : await this.call('getOperation', { name }, { signal, metadata, timeoutMs }, wait);
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
          Math.min(Math.max(retryDelay, backoff(attempt++, shape)), leftUntil(deadline)),
          signal,
          this.closing.signal,
        );
        continue;
      }
      // Not done: back off before the next read (a wait that returned early counts its own time).
      let delay = backoff(attempt++, shape);
      const left = leftUntil(deadline);
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

  /** The client's headers, Google's routing header for `name` (percent-encoded as in a REST path), then `extra`. */
  private metadataOf(name: string, extra: Metadata | undefined): Record<string, string> {
    const routing = `name=${encodeComponent(name)}`;
    // The common case builds an object of one fixed shape, cheaper than spreading.
    if (this.apiClientOnly && extra === undefined) {
      return { 'x-goog-api-client': this.apiClient, 'x-goog-request-params': routing };
    }
    return { ...this.headers, 'x-goog-request-params': routing, ...extra };
  }

  /**
   * Lists the operations under `parent` (with `filter`, e.g. `done = false`) and cancels them
   * as {@link cancelMany} does, in one streaming pass: a page is asked for only as its names
   * start, so memory holds one page plus the calls in flight, whatever the count. One result
   * per listed operation; with no call, `already-done` for one listed done, `skipped` for one
   * `skip` picks, and `would-cancel` under `dryRun` (nothing is sent). `stop` asks for no
   * further page. Relies on cursor page tokens (see the many module's cancelMatching).
   */
  cancelMatching(
    parent: string,
    options?: CancelMatchingOptions,
  ): AsyncGenerator<CancelMatchingResult, void, undefined> {
    return cancelMatching(this, parent, options);
  }
}

/**
 * WaitOperation's request for a call of `timeoutMs`: no timeout for no deadline (the server
 * waits as long as it will); otherwise the server is asked to answer a tenth (50 ms to 1 s)
 * before the call's deadline, leaving the answer time to arrive.
 */
function waitRequest(name: string, timeoutMs: number): WaitOperationRequest {
  if (timeoutMs === Infinity) return { name, timeout: undefined };
  const serverMs = Math.max(1, timeoutMs - Math.min(1000, Math.max(50, timeoutMs / 10)));
  return { name, timeout: { seconds: String(Math.floor(serverMs / 1000)), nanos: Math.floor(serverMs % 1000) * 1e6 } };
}

/** An RPC's call as the transport's UnaryCall: the same object (method, request, deadline, signal, metadata). */
function asUnary(call: PipelineCall): UnaryCall<MethodKey> {
  return call as unknown as UnaryCall<MethodKey>;
}

function tellAttempt(observers: readonly CallObserver[], event: AttemptEvent): void {
  for (const observer of observers) observer.onAttempt?.(event);
}

/** Milliseconds until `deadline`, never negative. */
function leftUntil(deadline: number): number {
  return Math.max(0, deadline - Date.now());
}

/** The last state read, or (none read in time) the error that ended the last read, or DEADLINE_EXCEEDED. */
function lastOrFail(last: Operation | undefined, error: OperationsError | undefined): Operation {
  if (last) return last;
  throw error ?? new OperationsError(Code.DEADLINE_EXCEEDED, "the wait's deadline came before any read completed");
}

/** Makes the transport of a client given none; set by the package's main entry (a gRPC one). */
let defaultTransportFactory: (() => Transport) | undefined;

/** Sets what makes the transport of a client given none (the main entry sets createGrpcTransport). */
export function setDefaultTransport(factory: () => Transport): void {
  defaultTransportFactory = factory;
}

function defaultTransport(): Transport {
  if (!defaultTransportFactory) throw new TypeError('OperationsClient: no transport given and no default set');
  return defaultTransportFactory();
}

/** One throttle per target (transport), shared by the clients over it. */
const throttles = new WeakMap<Transport, RetryThrottle>();

/**
 * The transport's throttle, made with `policy` (checked) by its first client. A later client may give no
 * policy or the same one; another is INVALID_ARGUMENT rather than silently not applied.
 */
function throttleFor(transport: Transport, policy: ThrottlePolicy | undefined): RetryThrottle {
  const throttle = throttles.get(transport);
  if (!throttle) {
    const made = new RetryThrottle(policy);
    throttles.set(transport, made);
    return made;
  }
  const shared = throttle.policy;
  if (policy && (policy.maxTokens !== shared.maxTokens || policy.tokenRatio !== shared.tokenRatio)) {
    throw localError(
      Code.INVALID_ARGUMENT,
      `the clients of one transport share its retry throttle, made by the first with maxTokens ` +
        `${shared.maxTokens} and tokenRatio ${shared.tokenRatio}: give that first client this throttle, ` +
        `give the same one, or use another transport`,
    );
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
/** A C0 or C1 control character, or a surrogate without its other half. */
// eslint-disable-next-line no-control-regex -- control characters are what it finds
const NOT_TEXT = /[\u0000-\u001f\u007f-\u009f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * `text` as sent (a filter, a page token), or INVALID_ARGUMENT, local, for a control character
 * or an unpaired surrogate: gRPC would send U+FFFD in its place and REST fail to encode it, so
 * both refuse it alike, before sending.
 */
function checkText(what: string, text: string): string {
  if (typeof text !== 'string') throw localError(Code.INVALID_ARGUMENT, `${what} must be a string`);
  const bad = NOT_TEXT.exec(text);
  if (bad) {
    throw localError(
      Code.INVALID_ARGUMENT,
      `${what} has a control character or an unpaired surrogate at position ${bad.index}`,
    );
  }
  return text;
}

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
