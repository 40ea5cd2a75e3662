/**
 * Cancelling when waiting ends (a wait's auto-cancel options) and a handle for an operation
 * still being started (`OperationsClient.track`): cancel it before its name is known, wait for
 * it, follow its progress.
 */
import { firstOf } from './abort';
import { backoff, sleep } from './backoff';
import { Code, OperationsError, abortedError, isCode, localError } from './errors';
import type { CancelOutcome, PollOptions } from './outcome';
import { pollBackoff, pollPolicy, type PollPolicy } from './policy';
import { defaultTypeRegistry, type Any, type MessageCodec, type Operation, type TypeRegistry } from './proto';
import { anyTypeName, unpack, unpackAny } from './results';
import type { CallOptions, Metadata } from './transport';

/**
 * How long an auto-cancel (see {@link WaitOptions.cancelOnTimeout}) may take, in ms: the
 * CancelOperation and the reads that confirm it, all together. 5 s.
 */
export const DEFAULT_CANCEL_GRACE_MS = 5_000;

/** Why a wait cancelled its operation: its deadline came, or its signal aborted. */
export type AutoCancelReason = 'timeout' | 'abort';

/**
 * What a wait's auto-cancel did, told to {@link WaitOptions.onAutoCancel}: the
 * {@link CancelOutcome} of the cancel and its confirmation (`cancelled`, `completed` when the
 * operation finished meanwhile, `failed`, `unsupported`, or `running` when the grace ended
 * first), or the error that ended them (then the cancel may or may not have reached the server).
 */
export type AutoCancel =
  | {
      /** What ended the wait. */
      readonly reason: AutoCancelReason;
      /** The operation's name. */
      readonly name: string;
      /** What the cancel and its confirmation found. */
      readonly outcome: CancelOutcome;
      /** Always undefined here. */
      readonly error: undefined;
    }
  | {
      /** What ended the wait. */
      readonly reason: AutoCancelReason;
      /** The operation's name. */
      readonly name: string;
      /** Always undefined here. */
      readonly outcome: undefined;
      /** The failure of the cancel or of every read confirming it. */
      readonly error: OperationsError;
    };

/**
 * Options of `waitForDone`: a wait's, and what to do when it gives up.
 *
 * Without `cancelOnTimeout` and `cancelOnAbort` (the default) giving up only stops waiting:
 * the operation runs on. With them, longrun sends CancelOperation when the wait gives up while
 * the operation is still running, then confirms it as cancelAndConfirm does, all within
 * `cancelGraceMs` (default {@link DEFAULT_CANCEL_GRACE_MS}, 5 s, counted from when the wait
 * gave up); these calls are RPCs of the wait (interceptors see them with the wait as `parent`)
 * and carry its metadata, not its signal.
 */
export interface WaitOptions extends PollOptions {
  /**
   * When the wait's deadline (`timeoutMs`) comes with the operation not done, cancel it and
   * confirm. waitForDone then resolves with the state read after the cancel: done with
   * CANCELLED (`operationResult(op).state === 'cancelled'`), done with its response or another
   * error (it finished meanwhile), or still not done (nothing confirmed within the grace: the
   * cancel may still land). If the cancel itself fails, it resolves with the last state the
   * wait read, as without this option; when no read at all completed before the deadline, the
   * cancel is still sent and the state read after it is the result (DEADLINE_EXCEEDED as
   * before only if that fails too). Default false.
   */
  readonly cancelOnTimeout?: boolean;
  /**
   * When `signal` aborts the wait (or is already aborted), cancel the operation and confirm.
   * Waiting stops at once; the cancel gets its own grace (the aborted signal doesn't end it);
   * waitForDone then rejects with the abort's error (CANCELLED, `aborted: true`), as without
   * this option, but only once the cancel and its confirmation are over: what they found goes
   * to `onAutoCancel`. Default false.
   */
  readonly cancelOnAbort?: boolean;
  /** The time an auto-cancel gets (the cancel and its confirmation), in ms. Default {@link DEFAULT_CANCEL_GRACE_MS}. */
  readonly cancelGraceMs?: number;
  /**
   * Told what an auto-cancel did, before waitForDone settles. Not called when no auto-cancel
   * happened. An exception it throws is thrown again asynchronously (as an event listener's).
   */
  readonly onAutoCancel?: (event: AutoCancel) => void;
}

/** What the auto-cancel of one wait is told to do; undefined when the wait has neither option. */
export interface AutoCancelPlan {
  readonly onTimeout: boolean;
  readonly onAbort: boolean;
  readonly graceMs: number;
  readonly report: ((event: AutoCancel) => void) | undefined;
}

/** The auto-cancel plan of a wait's options (checked), or undefined when it has none. */
export function autoCancelPlan(options: WaitOptions): AutoCancelPlan | undefined {
  const onTimeout = options.cancelOnTimeout === true;
  const onAbort = options.cancelOnAbort === true;
  if (!onTimeout && !onAbort) return undefined;
  const grace = options.cancelGraceMs ?? DEFAULT_CANCEL_GRACE_MS;
  if (typeof grace !== 'number' || !(grace > 0) || grace === Infinity) {
    throw localError(Code.INVALID_ARGUMENT, 'cancelGraceMs must be a positive, finite number of milliseconds');
  }
  const report = options.onAutoCancel;
  if (report !== undefined && typeof report !== 'function') {
    throw localError(Code.INVALID_ARGUMENT, 'onAutoCancel must be a function');
  }
  return { onTimeout, onAbort, graceMs: grace, report };
}

/** Tells `report` of an auto-cancel; what it throws is thrown again on the next tick. */
export function tellAutoCancel(plan: AutoCancelPlan, event: AutoCancel): void {
  if (plan.report === undefined) return;
  try {
    plan.report(event);
  } catch (error) {
    process.nextTick(() => {
      throw error;
    });
  }
}

/**
 * What starts a long-running call resolves with: the Operation (longrun's or a ts-proto
 * client's), anything with the operation's `name`, or google-gax's `[LROperation, ...]` tuple.
 */
export type TrackStart = NamedOperation | readonly [NamedOperation, ...unknown[]];

/** An operation as a start answers it: anything with the operation's resource name. */
export interface NamedOperation {
  /** The operation's resource name, e.g. `projects/p/operations/123`. */
  readonly name: string;
}

/** Options of `OperationsClient.track`; all optional. */
export interface TrackOptions {
  /**
   * The full name of the operation's metadata type, e.g.
   * `google.cloud.optimization.v1.AsyncModelMetadata`: `progress()` and `metadata` decode it
   * with the registry. Default: each metadata by its own type (the Any as it came when the
   * registry doesn't know it).
   */
  readonly metadataType?: string;
  /** The full name of the operation's response type, e.g. `google.cloud.optimization.v1.BatchOptimizeToursResponse`. */
  readonly responseType?: string;
  /** The types to decode with. Default {@link defaultTypeRegistry} (which knows the Optimization API types). */
  readonly registry?: TypeRegistry;
}

/** What a tracked operation's cancel gets when the start failed: nothing was sent. */
export interface NotStarted {
  /** The start failed: there is no operation to cancel. */
  readonly outcome: 'not-started';
  /** Why the start failed. */
  readonly error: OperationsError;
}

/** What {@link TrackedOperation.cancel} did: CancelOperation accepted, or nothing to cancel. */
export type TrackCancelResult =
  | {
      /** CancelOperation was sent and accepted (best effort: confirm with cancelAndConfirm). */
      readonly outcome: 'sent';
      /** The operation's name. */
      readonly name: string;
    }
  | NotStarted;

/** Options of {@link TrackedOperation.progress}; all optional. */
export interface ProgressOptions {
  /** Stops following: the iteration rejects with CANCELLED (`aborted`). */
  readonly signal?: AbortSignal;
  /** Overrides of the client's poll policy (its `timeoutMs` isn't used: progress runs until done). */
  readonly pollPolicy?: Partial<PollPolicy>;
  /** Metadata of every read. */
  readonly metadata?: Metadata;
}

/**
 * An operation being started, returned by `OperationsClient.track` before the start has
 * answered. `Meta` is its decoded metadata's type, `Result` its decoded response's.
 */
export interface TrackedOperation<Meta = unknown, Result = unknown> {
  /**
   * The operation's name once the start answers; rejects with the start's failure (an
   * OperationsError) if it fails. Never an unhandled rejection when not awaited.
   */
  readonly name: Promise<string>;
  /** The last state read (by the start, when it answered an Operation, or by progress, wait, cancelAndConfirm); undefined before. */
  readonly operation: Operation | undefined;
  /** The metadata of {@link operation}, decoded; undefined when none (or not of `metadataType`). */
  readonly metadata: Meta | undefined;
  /** The response of {@link operation} once done with one, decoded; undefined otherwise (or not of `responseType`). */
  readonly response: Result | undefined;
  /**
   * Asks for the cancel (CancelOperation), at once if the name is known, else as soon as the
   * start answers. If the start fails, resolves with `not-started` and sends nothing. Each call
   * sends one CancelOperation. Rejects when the cancel fails, or with CANCELLED (`aborted`)
   * when `signal` aborts first (nothing sent). A `timeoutMs` counts from this call, the wait
   * for the name included (DEADLINE_EXCEEDED, nothing sent, when it ends first).
   */
  cancel(options?: CallOptions): Promise<TrackCancelResult>;
  /** cancelAndConfirm once the name is known (see `cancel` for the queueing); `not-started` if the start fails. */
  cancelAndConfirm(options?: PollOptions): Promise<CancelOutcome | NotStarted>;
  /**
   * waitForDone once the name is known; `timeoutMs` (default the poll policy's) counts from
   * this call, the wait for the name included (DEADLINE_EXCEEDED, nothing sent, when it ends
   * first). Rejects with the start's failure if it fails. An abort before the name is known
   * rejects at once, except with `cancelOnAbort` (or a deadline with `cancelOnTimeout`): then
   * the cancel is sent as soon as the name is known. Every call of the handle still waiting
   * for the name when the client closes rejects with CANCELLED.
   */
  wait(options?: WaitOptions): Promise<Operation>;
  /**
   * The operation's metadata, decoded, each time it changes, polling GetOperation with the
   * client's poll policy (the backoff starts over at each change); ends after the state that
   * is done. States without metadata are skipped; metadata of a type other than `metadataType`
   * ends it with INVALID_ARGUMENT. A failed read (after the client's retries) or the start's
   * failure rejects; `break` stops polling.
   */
  progress(options?: ProgressOptions): AsyncGenerator<Meta, void, undefined>;
}

/** The client's parts a tracked operation uses. */
export interface TrackHost {
  cancelOperation(name: string, options?: CallOptions): Promise<void>;
  getOperation(name: string, options?: CallOptions): Promise<Operation>;
  cancelAndConfirm(name: string, options?: PollOptions): Promise<CancelOutcome>;
  waitForDone(name: string, options?: WaitOptions): Promise<Operation>;
}

/** Makes the handle of `OperationsClient.track`. */
export function trackOperation<Meta, Result>(
  host: TrackHost,
  policy: PollPolicy,
  closing: AbortSignal,
  start: PromiseLike<TrackStart>,
  options: TrackOptions = {},
): TrackedOperation<Meta, Result> {
  return new Tracked<Meta, Result>(host, policy, closing, start, options);
}

/** The start's outcome once it answered. */
type Settled =
  { readonly name: string; readonly error: undefined } | { readonly name: undefined; readonly error: OperationsError };

class Tracked<Meta, Result> implements TrackedOperation<Meta, Result> {
  readonly name: Promise<string>;
  operation: Operation | undefined = undefined;
  private readonly settled: Promise<Settled>;
  private readonly registry: TypeRegistry;
  private readonly metadataCodec: MessageCodec<unknown> | undefined;
  private readonly responseCodec: MessageCodec<unknown> | undefined;

  constructor(
    private readonly host: TrackHost,
    private readonly policy: PollPolicy,
    private readonly closing: AbortSignal,
    start: PromiseLike<TrackStart>,
    private readonly options: TrackOptions,
  ) {
    this.settled = Promise.resolve(start).then(
      (value) => this.started(value),
      (reason: unknown) => ({ name: undefined, error: startError(reason) }),
    );
    this.name = this.settled.then((settled) => (settled.error ? Promise.reject(settled.error) : settled.name));
    // Not awaiting the name is fine: its rejection is not unhandled (awaiting it still rejects).
    this.name.catch(() => undefined);
    this.registry = options.registry ?? defaultTypeRegistry;
    this.metadataCodec = codecOf(this.registry, options.metadataType, 'metadataType');
    this.responseCodec = codecOf(this.registry, options.responseType, 'responseType');
  }

  get metadata(): Meta | undefined {
    const any = this.operation?.metadata;
    if (!any) return undefined;
    try {
      return this.decodeMetadata(any);
    } catch {
      return undefined;
    }
  }

  get response(): Result | undefined {
    const any = this.operation?.response;
    if (!any) return undefined;
    const { responseType } = this.options;
    if (responseType === undefined) return decodeAny(any, this.registry) as Result;
    return unpack(any, responseType, this.responseCodec as MessageCodec<unknown>) as Result | undefined;
  }

  async cancel(options?: CallOptions): Promise<TrackCancelResult> {
    const start = Date.now();
    const settled = await this.whenStarted(options?.signal, options?.timeoutMs);
    if (settled.error) return { outcome: 'not-started', error: settled.error };
    await this.host.cancelOperation(settled.name, left(options, start));
    return { outcome: 'sent', name: settled.name };
  }

  async cancelAndConfirm(options?: PollOptions): Promise<CancelOutcome | NotStarted> {
    const start = Date.now();
    const settled = await this.whenStarted(options?.signal, options?.timeoutMs);
    if (settled.error) return { outcome: 'not-started', error: settled.error };
    const outcome = await this.host.cancelAndConfirm(settled.name, left(options, start));
    this.operation = outcome.operation;
    return outcome;
  }

  async wait(options: WaitOptions = {}): Promise<Operation> {
    const start = Date.now();
    // With cancelOnAbort, an abort before the name is known still cancels once it is; with
    // cancelOnTimeout, so does a deadline (the wait then has 1 ms left: it reads, then cancels).
    const settled = await this.whenStarted(
      options.cancelOnAbort === true ? undefined : options.signal,
      options.cancelOnTimeout === true ? undefined : (options.timeoutMs ?? this.policy.timeoutMs),
    );
    if (settled.error) throw settled.error;
    const operation = await this.host.waitForDone(
      settled.name,
      left({ ...options, timeoutMs: options.timeoutMs ?? this.policy.timeoutMs }, start),
    );
    this.operation = operation;
    return operation;
  }

  async *progress(options: ProgressOptions = {}): AsyncGenerator<Meta, void, undefined> {
    const { signal, metadata } = options;
    const settled = await this.whenStarted(signal, undefined);
    if (settled.error) throw settled.error;
    const shape = pollBackoff(pollPolicy(this.policy, options.pollPolicy));
    let seen: string | undefined;
    let attempt = 0;
    for (;;) {
      const operation = await this.host.getOperation(settled.name, { signal, metadata });
      this.operation = operation;
      const any = operation.metadata;
      if (any) {
        const key = anyKey(any);
        if (key !== seen) {
          seen = key;
          attempt = 0;
          yield this.decodeMetadata(any);
        }
      }
      if (operation.done) return;
      await sleep(backoff(attempt++, shape), signal, this.closing);
    }
  }

  /**
   * The start's outcome; rejects first (local, nothing sent) when `signal` aborts, when
   * `timeoutMs` passes (DEADLINE_EXCEEDED: a deadline counts from the call, not from the name),
   * or when the client closes (CANCELLED): no promise of the handle outlives the client.
   */
  private whenStarted(signal: AbortSignal | undefined, timeoutMs: number | undefined): Promise<Settled> {
    return firstOf(this.settled, {
      signal,
      onAbort: () => abortedError(signal as AbortSignal),
      deadline: timeoutMs === undefined ? undefined : Date.now() + timeoutMs,
      onDeadline: () =>
        localError(
          Code.DEADLINE_EXCEEDED,
          `deadline exceeded (${String(timeoutMs)} ms) before the operation's name was known: nothing was sent`,
        ),
      closing: this.closing,
      onClose: closedBeforeName,
    });
  }

  /** What the start answered: its name (and state, when it answered an Operation). */
  private started(value: TrackStart): Settled {
    let name: unknown;
    let first: unknown;
    try {
      first = Array.isArray(value) ? (value as readonly unknown[])[0] : value;
      name = typeof first === 'object' && first !== null ? (first as { name?: unknown }).name : undefined;
    } catch {
      // A getter that throws: an answer without a readable name, like one without a name.
      name = undefined;
    }
    if (typeof name !== 'string' || name === '') {
      return { name: undefined, error: localError(Code.INVALID_ARGUMENT, 'the start answered no operation name') };
    }
    if (isOperation(first)) this.operation = first;
    return { name, error: undefined };
  }

  /** The metadata decoded: by `metadataType` (INVALID_ARGUMENT when of another type), else by its own type. */
  private decodeMetadata(any: Any): Meta {
    const { metadataType } = this.options;
    if (metadataType === undefined) return decodeAny(any, this.registry) as Meta;
    const decoded = unpack(any, metadataType, this.metadataCodec as MessageCodec<unknown>);
    if (decoded === undefined) {
      throw localError(
        Code.INVALID_ARGUMENT,
        `the operation's metadata is a ${anyTypeName(any)}, not a ${metadataType}`,
      );
    }
    return decoded as Meta;
  }
}

/** `options` with its `timeoutMs` (if any) less the time gone since `start`, at least 1 ms. */
function left<O extends { readonly timeoutMs?: number | undefined }>(
  options: O | undefined,
  start: number,
): O | undefined {
  const timeoutMs = options?.timeoutMs;
  if (options === undefined || timeoutMs === undefined || timeoutMs === Infinity) return options;
  return { ...options, timeoutMs: Math.max(1, timeoutMs - (Date.now() - start)) };
}

/** A handle's call that was waiting for the name when the client closed. */
function closedBeforeName(): OperationsError {
  return localError(Code.CANCELLED, "the client was closed before the operation's name was known: nothing was sent");
}

/** The codec of `type` in the registry; INVALID_ARGUMENT (thrown) for a type it doesn't know. */
function codecOf(registry: TypeRegistry, type: string | undefined, what: string): MessageCodec<unknown> | undefined {
  if (type === undefined) return undefined;
  const codec = registry.get(type);
  if (codec === undefined) throw localError(Code.INVALID_ARGUMENT, `${what} ${type} is not in the type registry`);
  return codec;
}

/** The message in `any` decoded by its own type, or `any` as it came for a type the registry doesn't know. */
function decodeAny(any: Any, registry: TypeRegistry): unknown {
  const decoded = unpackAny(any, registry);
  return decoded === undefined ? any : decoded.value;
}

/** A key that changes when the packed message does. */
function anyKey(any: Any): string {
  const json = any.json === undefined ? '' : JSON.stringify(any.json);
  return `${any.typeUrl}\n${Buffer.from(any.value).toString('base64')}\n${json}`;
}

/** Whether the start answered an Operation in longrun's (ts-proto's) shape, packed Anys and all. */
function isOperation(value: unknown): value is Operation {
  if (typeof value !== 'object' || value === null) return false;
  const { done, metadata } = value as { done?: unknown; metadata?: unknown };
  return typeof done === 'boolean' && (metadata === undefined || isAny(metadata));
}

function isAny(value: unknown): value is Any {
  if (typeof value !== 'object' || value === null) return false;
  const { typeUrl, value: bytes } = value as { typeUrl?: unknown; value?: unknown };
  return typeof typeUrl === 'string' && bytes instanceof Uint8Array;
}

/** The start's failure as an OperationsError: a gRPC or gax error keeps its status code. */
function startError(reason: unknown): OperationsError {
  if (reason instanceof OperationsError) return reason;
  if (typeof reason === 'object' && reason !== null) {
    const { code, details, message } = reason as { code?: unknown; details?: unknown; message?: unknown };
    if (isCode(code) && code !== Code.OK) {
      const text = typeof details === 'string' && details !== '' ? details : String(message ?? 'the start failed');
      return new OperationsError(code, text, { cause: reason });
    }
  }
  return OperationsError.from(reason);
}
