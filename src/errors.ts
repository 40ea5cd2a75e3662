/**
 * The one error class of longrun, for both transports and for local validation.
 */
import {
  decodeStatus,
  errorDetailCodecs,
  type Any,
  type ErrorDetailType,
  type ErrorDetailTypes,
  type Status,
  typeUrlOf,
} from './proto';

/** Status codes, numbered as google.rpc.Code (and gRPC). */
export enum Code {
  /** Not an error; returned on success (HTTP 200). */
  OK = 0,
  /** The operation was cancelled, typically by the caller (HTTP 499). */
  CANCELLED = 1,
  /** Unknown error, e.g. one without enough information to say more (HTTP 500). */
  UNKNOWN = 2,
  /** The client specified an invalid argument, whatever the system's state (HTTP 400). */
  INVALID_ARGUMENT = 3,
  /** The deadline expired before the operation could complete (HTTP 504). */
  DEADLINE_EXCEEDED = 4,
  /** Some requested entity, e.g. an operation, was not found (HTTP 404). */
  NOT_FOUND = 5,
  /** The entity a client attempted to create already exists (HTTP 409). */
  ALREADY_EXISTS = 6,
  /** The caller does not have permission to execute the operation (HTTP 403). */
  PERMISSION_DENIED = 7,
  /** Some resource has been exhausted, e.g. a per-user quota (HTTP 429). */
  RESOURCE_EXHAUSTED = 8,
  /** The system is not in a state required for the operation's execution (HTTP 400). */
  FAILED_PRECONDITION = 9,
  /** The operation was aborted, typically due to a concurrency issue (HTTP 409). */
  ABORTED = 10,
  /** The operation was attempted past the valid range (HTTP 400). */
  OUT_OF_RANGE = 11,
  /** The operation is not implemented, or not supported or enabled, in this service (HTTP 501). */
  UNIMPLEMENTED = 12,
  /** Internal error: an invariant the underlying system expects is broken (HTTP 500). */
  INTERNAL = 13,
  /** The service is currently unavailable, most likely transiently: retry with backoff (HTTP 503). */
  UNAVAILABLE = 14,
  /** Unrecoverable data loss or corruption (HTTP 500). */
  DATA_LOSS = 15,
  /** The request does not have valid authentication credentials (HTTP 401). */
  UNAUTHENTICATED = 16,
}

/** `Code.NOT_FOUND` -> `"NOT_FOUND"`; a number outside google.rpc.Code -> `"UNKNOWN"`. */
export function codeName(code: number): string {
  return isCode(code) ? Code[code] : 'UNKNOWN';
}

/** True for a number that is one of google.rpc.Code's values. */
export function isCode(value: unknown): value is Code {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 16;
}

/** A decoded `google.rpc` error detail, or one of a type longrun doesn't know, kept as it came. */
export type ErrorDetail =
  | {
      [K in ErrorDetailType]: {
        /** The detail's full type name, e.g. `google.rpc.ErrorInfo`. */
        readonly type: K;
        /** The decoded message. */
        readonly value: ErrorDetailTypes[K];
      };
    }[ErrorDetailType]
  | UnknownErrorDetail;

/** A detail of a type longrun doesn't decode: bytes over gRPC, the JSON object over REST. */
export interface UnknownErrorDetail {
  /** Always `'unknown'`. */
  readonly type: 'unknown';
  /** The detail's type URL as sent, e.g. `type.googleapis.com/acme.v1.Detail`. */
  readonly typeUrl: string;
  /** The serialized message (gRPC), or its JSON fields without `@type` (REST). */
  readonly value: Uint8Array | Readonly<Record<string, unknown>>;
}

/** What an {@link OperationsError} is built with besides its code and message; all optional. */
export interface OperationsErrorInit {
  /** The decoded `google.rpc.Status.details`. Default none. */
  details?: readonly ErrorDetail[];
  /** The underlying failure, kept as the error's standard `cause`. Default none. */
  cause?: unknown;
  /** True when the caller's AbortSignal ended the call (see {@link OperationsError.aborted}). */
  aborted?: boolean;
  /** True when longrun refused to send the request (see {@link OperationsError.local}). */
  local?: boolean;
  /** The server's retry pushback (see {@link OperationsError.retryPushbackMs}). */
  retryPushbackMs?: number | undefined;
}

const MAX_MESSAGE_CHARS = 1024;
/** How much of a message is kept for redaction by value: past it, nothing can reach the capped message. */
const SOURCE_CHARS = 4 * MAX_MESSAGE_CHARS;

/** Each error's message as it was given, before sanitizing and the patterns. */
const unredacted = new WeakMap<OperationsError, string>();

/** The message `error` was built with, before sanitizing and the patterns (for redaction by value). */
export function sourceMessage(error: OperationsError): string {
  return unredacted.get(error) ?? error.rawMessage;
}
/** What ends a message cut at its cap. */
const TRUNCATED = '… (truncated)';

/**
 * Every failure longrun reports: a server's status, a transport failure, or bad input
 * caught before anything was sent.
 */
export class OperationsError extends Error {
  /** Always `'OperationsError'`. */
  override readonly name = 'OperationsError';
  /** The status code, google.rpc.Code numbering. */
  readonly code: Code;
  /** The message without the code prefix: server text is capped and stripped of control characters. */
  readonly rawMessage: string;
  /** The decoded `google.rpc.Status.details`. */
  readonly details: readonly ErrorDetail[];
  /**
   * True when the call was ended by the caller's own AbortSignal (code CANCELLED). A server
   * that answers CANCELLED, or an operation that was cancelled, leave this false.
   */
  readonly aborted: boolean;
  /**
   * True when longrun itself refused to send the request: bad input, an already-aborted
   * signal, a closed transport, a method the transport can't carry (WaitOperation over REST).
   * An UNIMPLEMENTED with `local: false` is the server's answer.
   */
  readonly local: boolean;
  /**
   * The server's retry pushback, in ms: `grpc-retry-pushback-ms` over gRPC, `Retry-After`
   * over REST. A negative value means "do not retry"; undefined, none was sent.
   */
  readonly retryPushbackMs: number | undefined;

  constructor(code: Code, message: string, init: OperationsErrorInit = {}) {
    const raw = redact(sanitizeText(message));
    super(`${codeName(code)}: ${raw}`, init.cause === undefined ? undefined : { cause: init.cause });
    this.code = code;
    this.rawMessage = raw;
    this.details = init.details ?? [];
    this.aborted = init.aborted ?? false;
    this.local = init.local ?? false;
    this.retryPushbackMs = init.retryPushbackMs;
    // Kept out of sight (a WeakMap, not a field) for redaction by value, which must see a
    // secret whole: before the patterns cut part of it, and before the length cap.
    unredacted.set(this, message.length > SOURCE_CHARS ? cut(message, SOURCE_CHARS) : message);
  }

  /** The first detail of the given type, e.g. `err.findDetail('google.rpc.ErrorInfo')?.reason`. */
  findDetail<K extends ErrorDetailType>(type: K): ErrorDetailTypes[K] | undefined {
    for (const detail of this.details) {
      if (detail.type === type) return detail.value as ErrorDetailTypes[K];
    }
    return undefined;
  }

  /** The error as JSON (what `JSON.stringify` and loggers print): no stack, no cause. */
  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      code: this.code,
      status: codeName(this.code),
      message: this.rawMessage,
      details: this.details,
      local: this.local,
      aborted: this.aborted,
      ...(this.retryPushbackMs !== undefined && { retryPushbackMs: this.retryPushbackMs }),
    };
  }

  /** Converts anything thrown into an OperationsError; an OperationsError is returned as is. */
  static from(reason: unknown, code: Code = Code.UNKNOWN): OperationsError {
    if (reason instanceof OperationsError) return reason;
    if (reason instanceof Error) return new OperationsError(code, reason.message, { cause: reason });
    return new OperationsError(code, String(reason), { cause: reason });
  }
}

/** The details of a serialized google.rpc.Status (gRPC's `grpc-status-details-bin`); throws on corrupt bytes. */
export function detailsFromStatusBytes(bytes: Uint8Array): ErrorDetail[] {
  const status: Status = decodeStatus(bytes);
  return decodeDetails(status.details);
}

/** Decodes `google.rpc.Status.details`; unknown or undecodable types are kept raw, never thrown on. */
export function decodeDetails(details: readonly Any[]): ErrorDetail[] {
  return details.map(decodeDetail);
}

function decodeDetail(any: Any): ErrorDetail {
  const typeName = any.typeUrl.slice(any.typeUrl.lastIndexOf('/') + 1);
  if (Object.hasOwn(errorDetailCodecs, typeName)) {
    const type = typeName as ErrorDetailType;
    try {
      return { type, value: errorDetailCodecs[type].decode(any.value) } as ErrorDetail;
    } catch {
      // A corrupt detail is kept raw below: the error itself still reaches the caller.
    }
  }
  return { type: 'unknown', typeUrl: any.typeUrl, value: any.json ?? any.value };
}

/** The type URL of a detail type, as servers send it. */
export function detailTypeUrl(type: ErrorDetailType): string {
  return typeUrlOf(type);
}

/** The first `n` code units of `text`, one fewer when the cut would split a surrogate pair. */
function cut(text: string, n: number): string {
  const last = text.charCodeAt(n - 1);
  return text.slice(0, last >= 0xd800 && last <= 0xdbff ? n - 1 : n);
}

/**
 * Makes server-supplied or caller-supplied text safe for a message: control characters
 * (C0, DEL, C1), line and paragraph separators and bidirectional controls become spaces, and
 * the text is capped.
 */
export function sanitizeText(text: string, maxChars = MAX_MESSAGE_CHARS): string {
  // Bound the work first: a server may send megabytes of text.
  const head = text.length > maxChars * 2 ? cut(text, maxChars * 2) : text;
  // eslint-disable-next-line no-control-regex
  let clean = head.replace(/[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]+/g, ' ').trim();
  // Text this function already capped stays as it is: sanitizing twice changes nothing.
  const capped = clean.length <= maxChars + TRUNCATED.length && clean.endsWith(TRUNCATED);
  if ((clean.length > maxChars && !capped) || head !== text) clean = `${cut(clean, maxChars)}${TRUNCATED}`;
  return clean;
}

/**
 * The error of a call that the caller's AbortSignal ended (CANCELLED, `aborted: true`);
 * `local` when it ended before anything was sent.
 */
export function abortedError(signal: AbortSignal, local = true): OperationsError {
  return new OperationsError(Code.CANCELLED, 'call aborted by the caller', {
    cause: signal.reason,
    aborted: true,
    local,
  });
}

/** An error longrun raises instead of sending a request (`local: true`). */
export function localError(code: Code, message: string): OperationsError {
  return new OperationsError(code, message, { local: true });
}

/** The HTTP status a code maps to (google/rpc/code.proto). */
export function httpStatusFromCode(code: Code): number {
  return HTTP_OF_CODE[code] ?? 500;
}

const HTTP_OF_CODE: Readonly<Record<Code, number>> = {
  [Code.OK]: 200,
  [Code.CANCELLED]: 499,
  [Code.UNKNOWN]: 500,
  [Code.INVALID_ARGUMENT]: 400,
  [Code.DEADLINE_EXCEEDED]: 504,
  [Code.NOT_FOUND]: 404,
  [Code.ALREADY_EXISTS]: 409,
  [Code.PERMISSION_DENIED]: 403,
  [Code.RESOURCE_EXHAUSTED]: 429,
  [Code.FAILED_PRECONDITION]: 400,
  [Code.ABORTED]: 409,
  [Code.OUT_OF_RANGE]: 400,
  [Code.UNIMPLEMENTED]: 501,
  [Code.INTERNAL]: 500,
  [Code.UNAVAILABLE]: 503,
  [Code.DATA_LOSS]: 500,
  [Code.UNAUTHENTICATED]: 401,
};

/**
 * The code an HTTP status maps to when the body doesn't say (google/rpc/code.proto, and
 * a proxy's 502 as UNAVAILABLE); other 4xx are FAILED_PRECONDITION, other 5xx INTERNAL.
 */
export function codeFromHttpStatus(status: number): Code {
  switch (status) {
    case 400:
      return Code.INVALID_ARGUMENT;
    case 401:
      return Code.UNAUTHENTICATED;
    case 403:
      return Code.PERMISSION_DENIED;
    case 404:
      return Code.NOT_FOUND;
    case 408:
      return Code.DEADLINE_EXCEEDED;
    case 409:
      return Code.ABORTED;
    case 416:
      return Code.OUT_OF_RANGE;
    case 429:
      return Code.RESOURCE_EXHAUSTED;
    case 499:
      return Code.CANCELLED;
    case 501:
      return Code.UNIMPLEMENTED;
    case 502:
    case 503:
      return Code.UNAVAILABLE;
    case 504:
      return Code.DEADLINE_EXCEEDED;
    default:
      if (status >= 200 && status < 300) return Code.OK;
      if (status >= 400 && status < 500) return Code.FAILED_PRECONDITION;
      return status >= 500 && status < 600 ? Code.INTERNAL : Code.UNKNOWN;
  }
}

/** `"NOT_FOUND"` -> `Code.NOT_FOUND`; anything else undefined. */
export function codeFromName(name: unknown): Code | undefined {
  if (typeof name !== 'string' || !Object.hasOwn(Code, name)) return undefined;
  const code = (Code as unknown as Record<string, unknown>)[name];
  return isCode(code) ? code : undefined;
}

/**
 * Removes what looks like a credential from text: bearer tokens, Google OAuth access tokens
 * (`ya29.`), API keys (`AIza...`), `key=` and `access_token=` query values, cookies.
 */
export function redact(text: string): string {
  return text
    .replace(/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi, '$1 [redacted]')
    .replace(/\bya29\.[A-Za-z0-9._-]+/g, '[redacted]')
    .replace(/\bAIza[0-9A-Za-z_-]{20,}/g, '[redacted]')
    .replace(/([?&;\s](?:key|api_key|access_token|token)=)[^&\s#"']+/gi, '$1[redacted]')
    .replace(/\b((?:set-)?cookie:\s*)[^\r\n]+/gi, '$1[redacted]');
}

/** The delay a server's google.rpc.RetryInfo asks for, in ms; undefined without one. */
export function retryInfoDelayMs(error: OperationsError): number | undefined {
  const delay = error.findDetail('google.rpc.RetryInfo')?.retryDelay;
  if (!delay) return undefined;
  const ms = Number(delay.seconds) * 1000 + delay.nanos / 1e6;
  return Number.isFinite(ms) && ms >= 0 ? serverHint(ms) : undefined;
}

/**
 * The longest wait a server's hint (RetryInfo, `Retry-After`, `grpc-retry-pushback-ms`) can
 * ask of longrun: one minute. A longer hint is taken as this (a server asking for an hour
 * would stall a whole bulk cancel); a call's own deadline still cuts it shorter.
 */
export const MAX_SERVER_HINT_MS = 60_000;

/** A server's wait hint, in ms, at most {@link MAX_SERVER_HINT_MS}. */
export function serverHint(ms: number): number {
  return Math.min(ms, MAX_SERVER_HINT_MS);
}

/** A call made after close(): refused, nothing sent. */
export function closedTransportError(): OperationsError {
  return localError(Code.FAILED_PRECONDITION, 'transport is closed');
}

/** A call that close() ended after its grace: it was sent, its answer is lost. */
export function endedByCloseError(cause?: unknown): OperationsError {
  return new OperationsError(Code.CANCELLED, 'the transport was closed while the call was in flight', {
    ...(cause !== undefined && { cause }),
  });
}
