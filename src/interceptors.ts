/**
 * The call pipeline's seam: interceptors in the style of Connect's `(next) => async (call) => ...`.
 * Every logical call of a client runs through them once: the five RPCs (around their retries)
 * and the two waits (cancelAndConfirm and waitForDone), whose RPCs are calls of their own with
 * the wait as `parent`.
 */
import type { OperationsError } from './errors';
import type { MethodKey, RequestOf } from './proto';
import type { Transport } from './transport';

/** What a call is: one of the five RPCs, or one of the two waits made of RPCs. */
export type CallMethod = MethodKey | 'cancelAndConfirm' | 'waitForDone';

/** The request of a wait (cancelAndConfirm, waitForDone): the operation and the wait's length. */
export interface WaitRequest {
  /** The operation's name, validated. */
  readonly name: string;
  /** The whole wait, in ms. */
  readonly timeoutMs: number;
}

/** What an interceptor is told after each attempt of an RPC. */
export interface AttemptEvent {
  /** The attempt: 1, then 2 for the first retry, ... */
  readonly attempt: number;
  /** How long it took, in ms. */
  readonly durationMs: number;
  /** Why it failed; undefined when it succeeded. */
  readonly error: OperationsError | undefined;
}

/** What an interceptor (and the client's `onRetry`) is told before each retry of an RPC. */
export interface RetryEvent {
  /** The method being retried. */
  readonly method: MethodKey;
  /** The attempt about to run: 2 for the first retry, then 3, ... */
  readonly attempt: number;
  /** The error that ended the previous attempt. */
  readonly error: OperationsError;
  /** How long the client waits before that attempt, in ms (the backoff or the server's pushback). */
  readonly delayMs: number;
}

/** Listens to the attempts of one call (see `observe` of {@link CallBase}). Both members are optional. */
export interface CallObserver {
  /** After each attempt, successful or not. */
  readonly onAttempt?: (event: AttemptEvent) => void;
  /** Before each retry, when the delay before it is known. */
  readonly onRetry?: (event: RetryEvent) => void;
}

/** The parts every call has; `M` the method, `Q` its request type. */
export interface CallBase<M extends CallMethod, Q> {
  /** The method: `cancelOperation`, ..., or a wait: `cancelAndConfirm`, `waitForDone`. */
  readonly method: M;
  /**
   * The full name: `google.longrunning.Operations/CancelOperation` for an RPC,
   * `longrun.OperationsClient/cancelAndConfirm` for a wait.
   */
  readonly procedure: string;
  /** The request, typed by the method; its name already validated. */
  readonly request: Q;
  /** The resource name the call is about: the operation's, or the parent's for ListOperations. */
  readonly name: string;
  /**
   * The call's metadata (gRPC) or headers (REST): the client's, the routing header, the call's
   * own. An interceptor may add lower-case ASCII keys here before calling `next`.
   */
  readonly metadata: Record<string, string>;
  /** Absolute deadline (`Date.now()` clock) over all attempts, or undefined for none. */
  readonly deadline: number | undefined;
  /** The caller's signal, or undefined. */
  readonly signal: AbortSignal | undefined;
  /** The wait this call is part of (an RPC of cancelAndConfirm or waitForDone), else undefined. */
  readonly parent: Call | undefined;
  /** The transport the call goes through (its `kind`, `server`, ...). */
  readonly transport: Transport;
  /** Listens to this call's attempts and retries (RPCs only; a wait has no attempts of its own). */
  observe(observer: CallObserver): void;
}

/** One logical call: a union on `method`, so `call.request` is typed once `method` is checked. */
export type Call =
  | CallBase<'getOperation', RequestOf<'getOperation'>>
  | CallBase<'cancelOperation', RequestOf<'cancelOperation'>>
  | CallBase<'deleteOperation', RequestOf<'deleteOperation'>>
  | CallBase<'listOperations', RequestOf<'listOperations'>>
  | CallBase<'waitOperation', RequestOf<'waitOperation'>>
  | CallBase<'cancelAndConfirm', WaitRequest>
  | CallBase<'waitForDone', WaitRequest>;

/**
 * Runs a call and resolves with its result: the RPC's response (`Operation`, `{}`,
 * `ListOperationsResponse`), a {@link CancelOutcome} for cancelAndConfirm, the last
 * `Operation` read for waitForDone. Rejects with an OperationsError.
 */
export type CallHandler = (call: Call) => Promise<unknown>;

/**
 * Wraps the rest of the pipeline: `(next) => async (call) => { ...; return await next(call); }`.
 * Pass `next` the call you were given (add metadata to `call.metadata` first). The first
 * interceptor of the client's list is the outermost: it sees the call first and the result
 * last. Retries happen inside the innermost one: each interceptor runs once per logical call.
 */
export interface Interceptor {
  (next: CallHandler): CallHandler;
  /**
   * Optional: whether the interceptor has nothing to do right now (OpenTelemetry's with
   * nothing registered). While every interceptor of a client says so, its calls run as with
   * no interceptor at all, at no cost. Asked before each call.
   */
  readonly idle?: () => boolean;
}

/** The `procedure` of a wait. */
export const WAIT_SERVICE = 'longrun.OperationsClient';
