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
} from './proto';

/** Status codes, numbered as google.rpc.Code (and gRPC). */
export enum Code {
  OK = 0,
  CANCELLED = 1,
  UNKNOWN = 2,
  INVALID_ARGUMENT = 3,
  DEADLINE_EXCEEDED = 4,
  NOT_FOUND = 5,
  ALREADY_EXISTS = 6,
  PERMISSION_DENIED = 7,
  RESOURCE_EXHAUSTED = 8,
  FAILED_PRECONDITION = 9,
  ABORTED = 10,
  OUT_OF_RANGE = 11,
  UNIMPLEMENTED = 12,
  INTERNAL = 13,
  UNAVAILABLE = 14,
  DATA_LOSS = 15,
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
  | { [K in ErrorDetailType]: { readonly type: K; readonly value: ErrorDetailTypes[K] } }[ErrorDetailType]
  | UnknownErrorDetail;

/** A detail of a type longrun doesn't decode: bytes over gRPC, the JSON object over REST. */
export interface UnknownErrorDetail {
  readonly type: 'unknown';
  readonly typeUrl: string;
  readonly value: Uint8Array | Readonly<Record<string, unknown>>;
}

export interface OperationsErrorInit {
  details?: readonly ErrorDetail[];
  cause?: unknown;
  /** True when the caller's AbortSignal ended the call (see {@link OperationsError.aborted}). */
  aborted?: boolean;
}

const MAX_MESSAGE_CHARS = 1024;

/**
 * Every failure longrun reports: a server's status, a transport failure, or bad input
 * caught before anything was sent.
 */
export class OperationsError extends Error {
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

  constructor(code: Code, message: string, init: OperationsErrorInit = {}) {
    const raw = sanitizeText(message);
    super(`${codeName(code)}: ${raw}`, init.cause === undefined ? undefined : { cause: init.cause });
    this.code = code;
    this.rawMessage = raw;
    this.details = init.details ?? [];
    this.aborted = init.aborted ?? false;
  }

  /** The first detail of the given type, e.g. `err.findDetail('google.rpc.ErrorInfo')?.reason`. */
  findDetail<K extends ErrorDetailType>(type: K): ErrorDetailTypes[K] | undefined {
    for (const detail of this.details) {
      if (detail.type === type) return detail.value as ErrorDetailTypes[K];
    }
    return undefined;
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

const TYPE_URL_PREFIX = 'type.googleapis.com/';

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
  return { type: 'unknown', typeUrl: any.typeUrl, value: any.value };
}

/** The type URL of a detail type, as servers send it. */
export function detailTypeUrl(type: ErrorDetailType): string {
  return TYPE_URL_PREFIX + type;
}

/**
 * Makes server-supplied or caller-supplied text safe for a message: control characters
 * (C0, DEL, C1) become spaces, runs of whitespace collapse, and the text is capped.
 */
export function sanitizeText(text: string, maxChars = MAX_MESSAGE_CHARS): string {
  // Bound the work first: a server may send megabytes of text.
  const head = text.length > maxChars * 2 ? text.slice(0, maxChars * 2) : text;
  // eslint-disable-next-line no-control-regex
  let clean = head.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ').trim();
  if (clean.length > maxChars || head !== text) clean = `${clean.slice(0, maxChars)}… (truncated)`;
  return clean;
}

/** The error of a call that the caller's AbortSignal ended (CANCELLED, `aborted: true`). */
export function abortedError(signal: AbortSignal): OperationsError {
  return new OperationsError(Code.CANCELLED, 'call aborted by the caller', { cause: signal.reason, aborted: true });
}
