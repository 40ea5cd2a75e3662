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
 */
import { Code, OperationsError, isCode } from '../errors';
import type { Status } from '../proto';
import { anyFromJson } from '../json';
import { defaultTypeRegistry, type Any } from '../proto';

/**
 * The metadata entry (gRPC) or header (REST) by which a request asks the emulator for a fault:
 * a JSON object with `delayMs`, `code`, `message`, `details`, `methods`, `times` or `pushback`,
 * e.g. `{"code": 14, "times": 2}` (UNAVAILABLE to the first 2 requests carrying it). A bad
 * value is answered with INVALID_ARGUMENT.
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
}

const NO_FAULT: Fault = { delayMs: 0, methods: undefined, times: undefined, status: undefined, pushback: undefined };

/** Parses the header's value; a bad one is INVALID_ARGUMENT, so a test learns its mistake. */
export function parseFault(header: string | undefined): Fault {
  if (header === undefined || header === '') return NO_FAULT;
  try {
    const spec = JSON.parse(header) as unknown;
    if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) throw new TypeError('not a JSON object');
    const { delayMs = 0, code, message, details = [], methods, times, pushback } = spec as Record<string, unknown>;
    if (pushback !== undefined && typeof pushback !== 'string') throw new TypeError('pushback must be a string');
    if (typeof delayMs !== 'number' || !(delayMs >= 0)) throw new TypeError('delayMs must be a number >= 0');
    if (methods !== undefined && !(Array.isArray(methods) && methods.every((m) => typeof m === 'string'))) {
      throw new TypeError('methods must be an array of method names');
    }
    if (times !== undefined && !(typeof times === 'number' && Number.isInteger(times) && times >= 0)) {
      throw new TypeError('times must be a whole number >= 0');
    }
    const scope = { methods: methods as string[] | undefined, times: times as number | undefined, pushback };
    if (code === undefined) return { delayMs, ...scope, status: undefined };
    if (!isCode(code) || code === Code.OK) throw new TypeError('code must be a google.rpc.Code other than OK');
    if (!Array.isArray(details)) throw new TypeError('details must be an array');
    return {
      delayMs,
      ...scope,
      status: {
        code,
        message: typeof message === 'string' ? message : `injected ${Code[code]}`,
        details: details.map(packDetail),
      },
    };
  } catch (error) {
    throw new OperationsError(Code.INVALID_ARGUMENT, `bad ${FAULT_HEADER}: ${(error as Error).message}`);
  }
}

/** A detail in its JSON form, packed; a type the emulator doesn't know is the test's mistake. */
function packDetail(json: unknown): Any {
  const any = anyFromJson(json, defaultTypeRegistry);
  if (any.json) throw new TypeError(`unknown type ${any.typeUrl}`);
  return any;
}
