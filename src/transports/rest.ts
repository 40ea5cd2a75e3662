/**
 * The REST transport: gRPC transcoding (the API's HTTP rules) over a keep-alive undici
 * Pool, JSON in the proto3 mapping. Its failures become OperationsError here and nowhere
 * else: Google JSON errors with the same decoded details as over gRPC, and a clean
 * message and the right code for whatever else a server or a proxy answers.
 */
import type Dispatcher from 'undici/types/dispatcher';
import {
  Code,
  OperationsError,
  abortedError,
  codeFromHttpStatus,
  codeFromName,
  decodeDetails,
  localError,
  sanitizeText,
  type ErrorDetail,
} from '../errors';
import { OPTIMIZATION_V1_RULES, transcode, type HttpRules, type TranscodableRequest } from '../http-rules';
import { JsonShapeError, anyFromJson, listResponseFromJson, operationFromJson } from '../json';
import { METHOD_NAMES, defaultTypeRegistry, type MethodKey, type ResponseOf, type TypeRegistry } from '../proto';
import { listen, stopListening } from '../abort';
import { CallAuth, EMULATOR_HOST_ENV, type CredentialOptions } from '../auth';
import { proxyFor } from '../proxy';
import { InFlight, closedTransportError, endedByCloseError } from '../in-flight';
import { redactError, secretsOf } from '../redact';
import type { CloseOptions, Metadata, TlsOptions, Transport, UnaryCall } from '../transport';

/** Where and how to reach the service over REST. */
export interface RestTransportOptions extends CredentialOptions, TlsOptions {
  /**
   * Scheme, host, port and an optional path prefix. Default `LONGRUN_EMULATOR_HOST` when set
   * (then plaintext, no credentials), else `https://optimization.googleapis.com`. An `http://`
   * URL means plaintext.
   */
  readonly baseUrl?: string;
  /** Plaintext allowed. An `http://` base URL implies it. Default false. */
  readonly insecure?: boolean;
  /** The API's HTTP rule table. Default {@link OPTIMIZATION_V1_RULES}. */
  readonly rules?: HttpRules;
  /** Types to convert Any from and to JSON. Default: google.rpc details, Empty, Duration, the emulator's metadata. */
  readonly types?: TypeRegistry;
  /** Keep-alive connections to the origin at most. Default 32. */
  readonly connections?: number;
  /** Largest successful response body read, in bytes. Default 4 MiB (as grpc-js' receive limit). */
  readonly maxResponseBytes?: number;
  /**
   * The HTTP proxy to tunnel through (HTTP CONNECT, undici's ProxyAgent): an
   * `http://[user:pass@]host:port` URL, or `false` for never. Default: the environment
   * (`https_proxy`/`HTTPS_PROXY` for an `https://` base URL, `http_proxy`/`HTTP_PROXY` for
   * `http://`; `no_proxy`/`NO_PROXY` exclude hosts); see `src/proxy.ts`. Loopback targets
   * never use a proxy.
   */
  readonly proxy?: string | false;
}

/** The default endpoint of Optimization v1 over REST. */
export const DEFAULT_REST_URL = 'https://optimization.googleapis.com';
/** How much of an error body is read, at most (a proxy may send an endless one). */
export const MAX_ERROR_BODY_BYTES = 64 * 1024;
const DEFAULT_MAX_RESPONSE_BYTES = 4 * 1024 * 1024;

/** Creates a transport over a keep-alive connection pool to one origin. */
export function createRestTransport(options: RestTransportOptions = {}): Transport {
  return new RestTransport(options);
}

/** Why a call's end came: the deadline, or close() (else the caller's signal's reason). */
const DEADLINE = Symbol('deadline');
const CLOSED = Symbol('closed');

/**
 * The end of one REST exchange, as the EventEmitter-style signal undici accepts
 * (`aborted`, `reason`, `once`/`removeListener` of 'abort'): one listener, no EventTarget.
 */
class CallEnd {
  aborted = false;
  reason: unknown = undefined;
  private listener: (() => void) | undefined;

  on(_event: 'abort', listener: () => void): this {
    this.listener = listener;
    return this;
  }

  once(event: 'abort', listener: () => void): this {
    return this.on(event, listener);
  }

  removeListener(): this {
    this.listener = undefined;
    return this;
  }

  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason ?? new Error('aborted');
    const listener = this.listener;
    this.listener = undefined;
    listener?.();
  }
}

class RestTransport implements Transport {
  readonly kind = 'rest';
  readonly version = undiciVersion();
  readonly rules: HttpRules;
  /** A Pool to the origin, or a ProxyAgent tunnelling to it. */
  private readonly pool: Dispatcher;
  private readonly origin: string;
  private readonly basePath: string;
  private readonly types: TypeRegistry;
  private readonly maxResponseBytes: number;
  private readonly auth: CallAuth;
  private readonly inFlight = new InFlight<CallEnd>();

  constructor(options: RestTransportOptions) {
    const emulator = options.baseUrl === undefined ? process.env[EMULATOR_HOST_ENV] : undefined;
    const base = emulator ? (/^https?:\/\//.test(emulator) ? emulator : `http://${emulator}`) : options.baseUrl;
    const url = new URL(base ?? DEFAULT_REST_URL);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      throw new TypeError(`baseUrl must be an http:// or https:// URL, got ${url.protocol}`);
    }
    if (url.search || url.hash) throw new TypeError('baseUrl must not have a query or a fragment');
    this.rules = options.rules ?? OPTIMIZATION_V1_RULES;
    this.basePath = url.pathname.replace(/\/+$/, '');
    this.types = options.types ?? defaultTypeRegistry;
    this.maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
    this.auth = new CallAuth(emulator ? { auth: 'none' } : options, [url.hostname], url.protocol === 'http:');
    const tls =
      options.rootCerts !== undefined || options.clientCert !== undefined
        ? {
            ...(options.rootCerts !== undefined && { ca: options.rootCerts }),
            ...(options.clientCert && { cert: options.clientCert.cert, key: options.clientCert.key }),
          }
        : undefined;
    const secure = url.protocol === 'https:';
    const port = Number(url.port) || (secure ? 443 : 80);
    const proxy = proxyFor({ host: url.hostname, port, secure }, { kind: 'rest', proxy: options.proxy });
    this.origin = url.origin;
    const connections = options.connections ?? 32;
    // undici is loaded with the first REST transport: a gRPC-only caller never pays for it.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const undici = require('undici') as typeof import('undici');
    // Through a proxy, TLS (and its options) is end to end with the origin, inside the tunnel.
    this.pool = proxy
      ? new undici.ProxyAgent({
          uri: proxy.origin,
          connections,
          ...(proxy.authorization !== undefined && { token: proxy.authorization }),
          ...(tls && { requestTls: tls }),
        })
      : new undici.Pool(url.origin, { connections, ...(tls && { connect: tls }) });
  }

  supports(method: MethodKey): boolean {
    return this.rules[method] !== undefined;
  }

  async unary<K extends MethodKey>(call: UnaryCall<K>): Promise<ResponseOf<K>> {
    const { signal } = call;
    if (this.inFlight.closed) throw closedTransportError();
    if (signal?.aborted) throw abortedError(signal);
    const rule = this.rules[call.method];
    if (!rule) {
      throw localError(
        Code.UNIMPLEMENTED,
        `${METHOD_NAMES[call.method]} has no HTTP rule in ${this.rules.api}: it is not available over REST (use the gRPC transport)`,
      );
    }
    const parts = transcode(rule, call.request as unknown as TranscodableRequest);
    let metadata = this.auth.apply(call.metadata);
    if (metadata instanceof Promise) {
      metadata = await metadata;
      // Credentials may have taken a while: the transport may have closed, the signal aborted.
      if (this.inFlight.closed) throw closedTransportError();
      if (signal?.aborted) throw abortedError(signal);
    }
    const headers: Record<string, string> = { accept: 'application/json', ...metadata };
    if (parts.body !== undefined) headers['content-type'] = 'application/json';
    // Google's front end bounds its own work by this (seconds), as gRPC's grpc-timeout does.
    if (call.deadline !== undefined)
      headers['x-server-timeout'] = String(Math.max(0.001, (call.deadline - Date.now()) / 1000));

    // One abort ends the whole exchange, body included: the caller's signal or the deadline.
    // (A minimal emitter, which undici accepts as a signal: an AbortController per call costs
    // about as much CPU as the rest of the call.)
    const ending = new CallEnd();
    this.inFlight.add(ending);
    const onAbort = signal && ((): void => ending.abort(signal.reason));
    if (onAbort) listen(signal as AbortSignal, onAbort);
    const timer =
      call.deadline === undefined
        ? undefined
        : setTimeout(() => ending.abort(DEADLINE), Math.max(0, call.deadline - Date.now()));
    try {
      const response = await this.pool.request({
        origin: this.origin,
        method: parts.method,
        path: this.basePath + parts.path + (parts.query ? `?${parts.query}` : ''),
        headers: headers as Metadata,
        body: parts.body ?? null,
        signal: ending,
      });
      if (response.statusCode >= 200 && response.statusCode < 300) {
        const body = await readBody(response.body, this.maxResponseBytes, response.headers['content-length']);
        return this.parseSuccess(call.method, response, body);
      }
      const body = await readBody(response.body, MAX_ERROR_BODY_BYTES, response.headers['content-length']);
      throw errorFromResponse(response, body, this.types);
    } catch (error) {
      if (ending.aborted) {
        if (ending.reason === DEADLINE) {
          throw redactError(
            new OperationsError(Code.DEADLINE_EXCEEDED, `deadline exceeded (${METHOD_NAMES[call.method]})`, {
              cause: error,
            }),
            secretsOf(headers),
          );
        }
        if (ending.reason === CLOSED) throw endedByCloseError();
        if (signal?.aborted) throw abortedError(signal, false);
      }
      throw redactError(error instanceof OperationsError ? error : fromNetworkError(error), secretsOf(headers));
    } finally {
      this.inFlight.delete(ending);
      clearTimeout(timer);
      if (onAbort) stopListening(signal as AbortSignal, onAbort);
    }
  }

  private parseSuccess<K extends MethodKey>(method: K, response: Dispatcher.ResponseData, body: Body): ResponseOf<K> {
    if (body.truncated) {
      throw new OperationsError(Code.RESOURCE_EXHAUSTED, `response larger than ${this.maxResponseBytes} bytes`);
    }
    let json: unknown = {};
    if (body.text.trim() !== '') {
      try {
        json = JSON.parse(body.text);
      } catch (error) {
        throw new OperationsError(
          Code.INTERNAL,
          `malformed JSON in a ${response.statusCode} response to ${METHOD_NAMES[method]}`,
          { cause: error },
        );
      }
    }
    try {
      switch (method) {
        case 'getOperation':
        case 'waitOperation':
          return operationFromJson(json, this.types) as ResponseOf<K>;
        case 'listOperations':
          return listResponseFromJson(json, this.types) as ResponseOf<K>;
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

  close(options?: CloseOptions): Promise<void> {
    return this.inFlight.close(
      options,
      (ending) => ending.abort(CLOSED),
      () => this.pool.destroy(),
    );
  }
}

interface Body {
  readonly text: string;
  /** The body was longer than the limit and was cut there. */
  readonly truncated: boolean;
}

/** Reads at most `limit` bytes; past it, stops reading and drops the connection's rest of the body. */
async function readBody(
  body: Dispatcher.ResponseData['body'],
  limit: number,
  contentLength?: string | string[],
): Promise<Body> {
  // A declared length within the limit (the usual answer): undici's own reader, the fast path.
  const declared = typeof contentLength === 'string' ? Number(contentLength) : NaN;
  if (declared >= 0 && declared <= limit) return { text: await body.text(), truncated: false };
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    if (size + chunk.length > limit) {
      chunks.push(chunk.subarray(0, limit - size));
      body.destroy();
      return { text: Buffer.concat(chunks).toString('utf8'), truncated: true };
    }
    chunks.push(chunk);
    size += chunk.length;
  }
  return { text: Buffer.concat(chunks).toString('utf8'), truncated: false };
}

/**
 * A non-2xx response as an OperationsError. A Google JSON error's `status` wins over the
 * HTTP code; its details decode as over gRPC. Other bodies (a proxy's HTML, plain text)
 * give the HTTP code's mapping and a clean message; HTML is never quoted.
 */
export function errorFromResponse(response: Dispatcher.ResponseData, body: Body, types: TypeRegistry): OperationsError {
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

interface GoogleError {
  readonly httpCode: number | undefined;
  readonly status: string | undefined;
  readonly message: string;
  readonly details: ErrorDetail[];
}

function parseGoogleError(text: string, types: TypeRegistry): GoogleError | undefined {
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

/**
 * What longrun says of a connection failure, by the codes of the error and its causes (the
 * socket's, DNS's and TLS' from Node, undici's own), never by their wording, which changes
 * between Node and undici versions. Node's original stays in `cause`.
 */
const CONNECTION_FAILURES: Readonly<Record<string, string>> = {
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

/** undici's, the socket's and TLS' failures: the connection is at fault, so UNAVAILABLE (retryable). */
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

let cachedVersion: string | undefined;
/** undici's version, read once. */
function undiciVersion(): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (cachedVersion ??= (require('undici/package.json') as { version: string }).version);
}
