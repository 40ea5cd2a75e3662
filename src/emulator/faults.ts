/**
 * Faults a test asks the emulator for, per request, in the `x-longrun-fault` metadata entry
 * (gRPC) or header (REST), as JSON:
 *
 *   {"delayMs": 300}                                  answer 300 ms late
 *   {"code": 14, "times": 2}                          answer UNAVAILABLE to the first 2 requests with this header
 *   {"code": 12, "methods": ["WaitOperation"]}        only for these methods
 *   {"code": 14, "pushback": "100"}                   with this pushback, verbatim: `grpc-retry-pushback-ms`
 *                                                     (ms) over gRPC, `Retry-After` (seconds or a date) over REST
 *   {"code": 9, "message": "no", "details": [{"@type": "type.googleapis.com/google.rpc.ErrorInfo",
 *    "reason": "R", "domain": "d", "metadata": {}}]}  answer this status instead, with details
 *   {"operation": {"runForMs": 200, "cancelMode": "ignore", "cancelDelayMs": 50,
 *    "error": {"code": 8, "message": "out of solver time"}}}
 *                                                     the operation an API method (BatchOptimizeTours,
 *                                                     OptimizeToursLongRunning) starts runs 200 ms (null:
 *                                                     until cancelled), takes cancels so, and fails so
 *   {"listing": "repeat-token"}                       ListOperations pages as usual, but every next page
 *                                                     token is "again", which asks for page 2 again
 *   {"listing": "same-page"}                          ListOperations answers the first page whatever the
 *                                                     token, each time with a new next page token
 *   {"listing": "foreign"}                            ListOperations lists projects/victim/operations/theirs
 *                                                     (running) on every page, whatever the parent
 *
 * An API method starts its operation first and then answers `delayMs` late (a client that
 * gives up meanwhile leaves it running); with a `code` it starts none.
 */
import { Code, OperationsError, isCode } from '../errors';
import type { Status } from '../proto';
import { anyFromJson } from '../json';
import { defaultTypeRegistry, type Any } from '../proto';
import { CANCEL_MODES, type CancelMode } from './store';

/**
 * The metadata entry (gRPC) or header (REST) by which a request asks the emulator for a fault:
 * a JSON object with `delayMs`, `code`, `message`, `details`, `methods`, `times` or `pushback`,
 * e.g. `{"code": 14, "times": 2}` (UNAVAILABLE to the first 2 requests carrying it). A bad
 * value is answered with INVALID_ARGUMENT. An API method (BatchOptimizeTours,
 * OptimizeToursLongRunning) starts its operation, then answers `delayMs` late; its
 * `operation` scripts the operation it starts: `{"operation": {"runForMs": 200}}` (`null`:
 * until cancelled), with `cancelMode`, `cancelDelayMs` and an `error` (`{"code", "message",
 * "details"}`) to fail with.
 */
export const FAULT_HEADER = 'x-longrun-fault';

export interface Fault {
  readonly delayMs: number;
  /** Only requests of these methods (e.g. `WaitOperation`) get the fault; undefined: all. */
  readonly methods: readonly string[] | undefined;
  /** Only the first N requests carrying the same header value get it; undefined: all. */
  readonly times: number | undefined;
  /** The status to answer with, instead of running the method. */
  readonly status: Status | undefined;
  /** The retry pushback header value sent with that status. */
  readonly pushback: string | undefined;
  /** How the operation an API method starts behaves (its fields override the emulator's). */
  readonly operation: OperationScript | undefined;
  /** How ListOperations misbehaves (a server paging forever, or listing outside the parent). */
  readonly listing: Listing | undefined;
}

/** The ways ListOperations can misbehave, for clients' tests: see the module's comment. */
export const LISTINGS = ['repeat-token', 'same-page', 'foreign'] as const;
export type Listing = (typeof LISTINGS)[number];

/** The `operation` of a fault: how an operation an API method starts behaves. */
export interface OperationScript {
  /** Its run time in ms; null: until cancelled; undefined: the emulator's `runForMs`. */
  readonly runForMs?: number | null;
  readonly cancelMode?: CancelMode;
  readonly cancelDelayMs?: number;
  /** The error it ends with instead of its response. */
  readonly error?: Status;
}

const NO_FAULT: Fault = {
  delayMs: 0,
  methods: undefined,
  times: undefined,
  status: undefined,
  pushback: undefined,
  operation: undefined,
  listing: undefined,
};

/** Parses the header's value; a bad one is INVALID_ARGUMENT, so a test learns its mistake. */
export function parseFault(header: string | undefined): Fault {
  if (header === undefined || header === '') return NO_FAULT;
  try {
    const spec = JSON.parse(header) as unknown;
    if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) throw new TypeError('not a JSON object');
    const {
      delayMs = 0,
      code,
      message,
      details = [],
      methods,
      times,
      pushback,
      operation,
      listing,
    } = spec as Record<string, unknown>;
    if (listing !== undefined && !LISTINGS.includes(listing as Listing)) {
      throw new TypeError(`listing must be one of ${LISTINGS.join(', ')}`);
    }
    if (pushback !== undefined && typeof pushback !== 'string') throw new TypeError('pushback must be a string');
    if (typeof delayMs !== 'number' || !(delayMs >= 0)) throw new TypeError('delayMs must be a number >= 0');
    if (methods !== undefined && !(Array.isArray(methods) && methods.every((m) => typeof m === 'string'))) {
      throw new TypeError('methods must be an array of method names');
    }
    if (times !== undefined && !(typeof times === 'number' && Number.isInteger(times) && times >= 0)) {
      throw new TypeError('times must be a whole number >= 0');
    }
    const scope = {
      methods: methods as string[] | undefined,
      times: times as number | undefined,
      pushback,
      operation: operation === undefined ? undefined : parseScript(operation),
      listing: listing as Listing | undefined,
    };
    if (code === undefined) return { delayMs, ...scope, status: undefined };
    return { delayMs, ...scope, status: parseStatus(code, message, details) };
  } catch (error) {
    throw new OperationsError(Code.INVALID_ARGUMENT, `bad ${FAULT_HEADER}: ${(error as Error).message}`);
  }
}

function parseStatus(code: unknown, message: unknown, details: unknown): Status {
  if (!isCode(code) || code === Code.OK) throw new TypeError('code must be a google.rpc.Code other than OK');
  if (!Array.isArray(details)) throw new TypeError('details must be an array');
  return {
    code,
    message: typeof message === 'string' ? message : `injected ${Code[code]}`,
    details: details.map(packDetail),
  };
}

function parseScript(json: unknown): OperationScript {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new TypeError('operation must be a JSON object');
  }
  const { runForMs, cancelMode, cancelDelayMs, error } = json as Record<string, unknown>;
  const script: { -readonly [K in keyof OperationScript]: OperationScript[K] } = {};
  if (runForMs !== undefined) {
    if (runForMs !== null && !(typeof runForMs === 'number' && runForMs >= 0)) {
      throw new TypeError('operation.runForMs must be a number >= 0 or null');
    }
    script.runForMs = runForMs;
  }
  if (cancelMode !== undefined) {
    if (!CANCEL_MODES.includes(cancelMode as CancelMode)) {
      throw new TypeError(`operation.cancelMode must be one of ${CANCEL_MODES.join(', ')}`);
    }
    script.cancelMode = cancelMode as CancelMode;
  }
  if (cancelDelayMs !== undefined) {
    if (!(typeof cancelDelayMs === 'number' && cancelDelayMs >= 0)) {
      throw new TypeError('operation.cancelDelayMs must be a number >= 0');
    }
    script.cancelDelayMs = cancelDelayMs;
  }
  if (error !== undefined) {
    if (typeof error !== 'object' || error === null || Array.isArray(error)) {
      throw new TypeError('operation.error must be a JSON object');
    }
    const { code, message, details = [] } = error as Record<string, unknown>;
    script.error = parseStatus(code, message, details);
  }
  return script;
}

/** A detail in its JSON form, packed; a type the emulator doesn't know is the test's mistake. */
function packDetail(json: unknown): Any {
  const any = anyFromJson(json, defaultTypeRegistry);
  if (any.json) throw new TypeError(`unknown type ${any.typeUrl}`);
  return any;
}
