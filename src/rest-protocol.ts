/**
 * The REST protocol as pure functions, whatever carries the bytes: a unary call as an HTTP
 * request (gRPC transcoding by the API's HTTP rules, JSON in the proto3 mapping), and an
 * HTTP response, or a failure to get one, as a result or an OperationsError. No I/O but
 * {@link readBody}, which reads any `AsyncIterable<Uint8Array>` (undici's body, fetch's
 * `response.body`). The undici transport (src/transports/rest.ts) is a thin adapter over
 * it; so can be a transport over `fetch`.
 */
import {
  Code,
  OperationsError,
  codeFromHttpStatus,
  codeFromName,
  decodeDetails,
  localError,
  sanitizeText,
  type ErrorDetail,
} from './errors';
import {
  transcode,
  type HttpRequestParts,
  type HttpRules,
  type HttpVerb,
  type TranscodableRequest,
} from './http-rules';
import { JsonShapeError, anyFromJson, listResponseFromJson, operationFromJson } from './json';
import { METHOD_NAMES, type MethodKey, type ResponseOf, type TypeRegistry } from './proto';
import type { Metadata, UnaryCall } from './transport';

/** How much of an error body is read, at most (a proxy may send an endless one). */
export const MAX_ERROR_BODY_BYTES = 64 * 1024;
/** Largest successful response body read by default, in bytes: 4 MiB (as grpc-js' receive limit). */
export const DEFAULT_MAX_RESPONSE_BYTES = 4 * 1024 * 1024;

/** Response headers, lower-case names (Node's and undici's shape; `Object.fromEntries(fetchHeaders)` fits). */
export type RestHeaders = Readonly<Record<string, string | string[] | undefined>>;

/** What a response's status line and headers say. undici's `ResponseData` is one. */
export interface RestResponseHead {
  /** The HTTP status code. */
  readonly statusCode: number;
  /** The reason phrase, if any. */
  readonly statusText?: string | undefined;
  /** The response headers; `content-type` and `retry-after` are read. */
  readonly headers: RestHeaders;
}

/** A response body as read, up to a limit. */
export interface RestBody {
  readonly text: string;
  /** The body was longer than the limit and was cut there. */
  readonly truncated: boolean;
}

/** A whole HTTP request, for a transport without credentials to add between the steps ({@link restRequest}). */
export interface RestRequest {
  readonly method: HttpVerb;
  /** Base path, path and query, e.g. `/v1/projects/p/operations/o:cancel`. */
  readonly path: string;
  readonly headers: Record<string, string>;
  /** The JSON body, or undefined for none. */
  readonly body: string | undefined;
}

/**
 * Step 1 of a request: the call's method, path, query and body by the API's HTTP rule.
 * UNIMPLEMENTED (`local`) when the method has no rule; transcoding's INVALID_ARGUMENT for a
 * request it can't map.
 */
export function transcodeCall<K extends MethodKey>(
  rules: HttpRules,
  call: Pick<UnaryCall<K>, 'method' | 'request'>,
): HttpRequestParts {
  const rule = rules[call.method];
  if (!rule) {
    throw localError(
      Code.UNIMPLEMENTED,
      `${METHOD_NAMES[call.method]} has no HTTP rule in ${rules.api}: it is not available over REST (use the gRPC transport)`,
    );
  }
  return transcode(rule, call.request as unknown as TranscodableRequest);
}

/** Step 2: the request target, `basePath` (no trailing slash, maybe '') + path + `?query`. */
export function requestPath(basePath: string, parts: HttpRequestParts): string {
  return basePath + parts.path + (parts.query ? `?${parts.query}` : '');
}

/**
 * Step 3, once credentials are in `metadata`: the request headers. `accept`, the metadata
 * (which may override it), `content-type` when there is a body, and `x-server-timeout` (in
 * seconds, what Google's front end bounds its own work by, as gRPC's grpc-timeout) from the
 * deadline, as it stands now.
 */
export function requestHeaders(
  body: string | undefined,
  deadline: number | undefined,
  metadata: Metadata | undefined,
): Record<string, string> {
  const headers: Record<string, string> = { accept: 'application/json', ...metadata };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (deadline !== undefined) headers['x-server-timeout'] = String(Math.max(0.001, (deadline - Date.now()) / 1000));
  return headers;
}

/** Steps 1-3 at once: the whole request of `call`, its headers from `metadata` (default the call's). */
export function restRequest<K extends MethodKey>(
  rules: HttpRules,
  basePath: string,
  call: UnaryCall<K>,
  metadata: Metadata | undefined = call.metadata,
): RestRequest {
  const parts = transcodeCall(rules, call);
  return {
    method: parts.method,
    path: requestPath(basePath, parts),
    headers: requestHeaders(parts.body, call.deadline, metadata),
    body: parts.body,
  };
}

/** Whether a declared `content-length` is within `limit` (then the whole body can be read at once). */
export function declaredWithin(contentLength: string | string[] | null | undefined, limit: number): boolean {
  const declared = typeof contentLength === 'string' ? Number(contentLength) : NaN;
  return declared >= 0 && declared <= limit;
}

/**
 * Reads at most `limit` bytes of a body as UTF-8. Past the limit it stops, and the iterator's
 * `return()` drops the rest (undici destroys the stream, fetch cancels it).
 */
export async function readBody(body: AsyncIterable<Uint8Array>, limit: number): Promise<RestBody> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of body) {
    if (size + chunk.length > limit) {
      chunks.push(chunk.subarray(0, limit - size));
      return { text: Buffer.concat(chunks).toString('utf8'), truncated: true };
    }
    chunks.push(chunk);
    size += chunk.length;
  }
  return { text: Buffer.concat(chunks).toString('utf8'), truncated: false };
}

/** Whether a status is a success, to be read with {@link parseSuccess}, else with {@link errorFromResponse}. */
export function isSuccess(statusCode: number): boolean {
  return statusCode >= 200 && statusCode < 300;
}

/**
 * A 2xx body as `method`'s response. A body cut at `maxResponseBytes` is RESOURCE_EXHAUSTED;
 * malformed JSON, or JSON not of the response's shape, INTERNAL. An empty body is `{}`.
 */
export function parseSuccess<K extends MethodKey>(
  method: K,
  statusCode: number,
  body: RestBody,
  types: TypeRegistry,
  maxResponseBytes: number,
): ResponseOf<K> {
  if (body.truncated) {
    throw new OperationsError(Code.RESOURCE_EXHAUSTED, `response larger than ${maxResponseBytes} bytes`);
  }
  let json: unknown = {};
  if (body.text.trim() !== '') {
    try {
      json = JSON.parse(body.text);
    } catch {
      // No cause: the parser's message quotes the body (an echoed token, a proxy's HTML page).
      throw new OperationsError(Code.INTERNAL, `malformed JSON in a ${statusCode} response to ${METHOD_NAMES[method]}`);
    }
  }
  try {
    switch (method) {
      case 'getOperation':
      case 'waitOperation':
        return operationFromJson(json, types) as ResponseOf<K>;
      case 'listOperations':
        return listResponseFromJson(json, types) as ResponseOf<K>;
      default:
        return {} as ResponseOf<K>;
    }
  } catch (error) {
    if (error instanceof JsonShapeError) {
      throw new OperationsError(Code.INTERNAL, `unexpected response to ${METHOD_NAMES[method]}: ${error.message}`, {
        cause: error,
      });
    }
    throw error;
  }
}

/**
 * A non-2xx response as an OperationsError. A Google JSON error's `status` wins over the
 * HTTP code; its details decode as over gRPC. Other bodies (a proxy's HTML, plain text)
 * give the HTTP code's mapping and a clean message; HTML is never quoted.
 */
export function errorFromResponse(response: RestResponseHead, body: RestBody, types: TypeRegistry): OperationsError {
  const status = response.statusCode;
  const contentType = String(response.headers['content-type'] ?? '').toLowerCase();
  const google = contentType.includes('json') && !body.truncated ? parseGoogleError(body.text, types) : undefined;
  if (google) {
    let code = codeFromName(google.status) ?? codeFromHttpStatus(google.httpCode ?? status);
    // A failure is never OK, whatever its body says.
    if (code === Code.OK) code = codeFromHttpStatus(status);
    return new OperationsError(code, google.message || `HTTP ${status}`, {
      details: google.details,
      retryPushbackMs: retryAfter(response.headers['retry-after']),
    });
  }
  // No JSON error: a proxy or a server that doesn't know the route. A 404 there means the
  // method isn't served at that path (UNIMPLEMENTED), not that the operation is missing.
  const code = status === 404 ? Code.UNIMPLEMENTED : codeFromHttpStatus(status);
  const kind = contentType.split(';')[0]?.trim() || 'no content type';
  let message = `HTTP ${status}${response.statusText ? ` ${response.statusText}` : ''} (${kind} body)`;
  if (kind === 'text/plain' && body.text.trim() !== '') message += `: ${sanitizeText(body.text, 200)}`;
  return new OperationsError(code, message, { retryPushbackMs: retryAfter(response.headers['retry-after']) });
}

/** `Retry-After` as a pushback: seconds or an HTTP date -> ms; garbage -> -1 (do not retry); absent -> undefined. */
export function retryAfter(header: string | string[] | undefined): number | undefined {
  if (header === undefined) return undefined;
  const text = (Array.isArray(header) ? header[0] : header)?.trim() ?? '';
  if (/^\d{1,9}$/.test(text)) return Number(text) * 1000;
  // An HTTP date (RFC 9110: IMF-fixdate, "Sun, 06 Nov 1994 08:49:37 GMT"); nothing looser.
  const date = /^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/.test(text) ? Date.parse(text) : NaN;
  return Number.isNaN(date) ? -1 : Math.max(0, date - Date.now());
}

/** A Google JSON error body (`{"error": {...}}`), its details decoded. */
export interface GoogleError {
  readonly httpCode: number | undefined;
  readonly status: string | undefined;
  readonly message: string;
  readonly details: ErrorDetail[];
}

/** A Google JSON error, or undefined when `text` isn't one. A detail without `@type` is left out. */
export function parseGoogleError(text: string, types: TypeRegistry): GoogleError | undefined {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return undefined;
  }
  const error = typeof json === 'object' && json !== null ? (json as Record<string, unknown>)['error'] : undefined;
  if (typeof error !== 'object' || error === null || Array.isArray(error)) return undefined;
  const { code, status, message, details } = error as Record<string, unknown>;
  const decoded: ErrorDetail[] = [];
  if (Array.isArray(details)) {
    for (const detail of details) {
      try {
        decoded.push(...decodeDetails([anyFromJson(detail, types)]));
      } catch {
        // A detail without "@type" can't be typed: leave it out rather than fail the error.
      }
    }
  }
  return {
    httpCode: typeof code === 'number' ? code : undefined,
    status: typeof status === 'string' ? status : undefined,
    message: typeof message === 'string' ? message : '',
    details: decoded,
  };
}

/** The error of a call its deadline ended (whatever the transport was doing then: the `cause`). */
export function deadlineError(method: MethodKey, cause?: unknown): OperationsError {
  return new OperationsError(Code.DEADLINE_EXCEEDED, `deadline exceeded (${METHOD_NAMES[method]})`, { cause });
}

/**
 * What longrun says of a connection failure, by the codes of the error and its causes (the
 * socket's, DNS's and TLS' from Node, undici's own), never by their wording, which changes
 * between Node and undici versions. Node's original stays in `cause`.
 */
export const CONNECTION_FAILURES: Readonly<Record<string, string>> = {
  ECONNRESET: 'connection reset by the server',
  EPIPE: 'connection reset by the server',
  UND_ERR_SOCKET: 'connection closed by the server',
  UND_ERR_CLOSED: 'connection closed',
  ECONNREFUSED: 'connection refused',
  ETIMEDOUT: 'connection timed out',
  UND_ERR_CONNECT_TIMEOUT: 'connection timed out',
  ENOTFOUND: 'host name not found',
  EAI_AGAIN: 'host name lookup failed',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ERR_TLS_CERT_ALTNAME_INVALID: "TLS: the server's certificate is not for this host",
  CERT_HAS_EXPIRED: "TLS: the server's certificate has expired",
  DEPTH_ZERO_SELF_SIGNED_CERT: "TLS: the server's certificate is not trusted",
  SELF_SIGNED_CERT_IN_CHAIN: "TLS: the server's certificate is not trusted",
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: "TLS: the server's certificate is not trusted",
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: "TLS: the server's certificate is not trusted",
};

/** The string `code`s of an error and its causes, outermost first. */
function errorCodes(error: unknown): string[] {
  const codes: string[] = [];
  for (let e = error, depth = 0; e !== null && typeof e === 'object' && depth < 4; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') codes.push(code);
    e = (e as { cause?: unknown }).cause;
  }
  return codes;
}

/**
 * undici's, the socket's and TLS' failures (fetch's too: Node's fetch is undici, its
 * `TypeError: fetch failed` carries them as `cause`): the connection is at fault, so
 * UNAVAILABLE (retryable).
 */
export function fromNetworkError(error: unknown): OperationsError {
  const codes = errorCodes(error);
  const outer = codes[0];
  if (outer === 'UND_ERR_HEADERS_TIMEOUT' || outer === 'UND_ERR_BODY_TIMEOUT') {
    return new OperationsError(Code.DEADLINE_EXCEEDED, `no answer in time (${outer})`, { cause: error });
  }
  // A bad argument (a header value undici refuses) is the caller's, and nothing was sent.
  if (outer !== undefined && (outer === 'UND_ERR_INVALID_ARG' || outer.startsWith('ERR_INVALID'))) {
    return new OperationsError(Code.INVALID_ARGUMENT, error instanceof Error ? error.message : String(error), {
      cause: error,
      local: true,
    });
  }
  // Socket, DNS, TLS (certificate) and undici's own connection errors all carry a code: the
  // innermost known one says best what happened (undici's "socket closed" wraps Node's reset).
  if (outer !== undefined) {
    const known = [...codes].reverse().find((code) => Object.hasOwn(CONNECTION_FAILURES, code));
    const what = known === undefined ? 'connection failed' : CONNECTION_FAILURES[known];
    const code = known ?? outer;
    return new OperationsError(Code.UNAVAILABLE, `${what} (${code})`, { cause: error });
  }
  return new OperationsError(Code.INTERNAL, error instanceof Error ? error.message : String(error), { cause: error });
}

/** A failure of an exchange as an OperationsError: one already is, anything else by {@link fromNetworkError}. */
export function failureOf(error: unknown): OperationsError {
  return error instanceof OperationsError ? error : fromNetworkError(error);
}
