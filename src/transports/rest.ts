/**
 * The REST transport: a thin adapter of src/rest-protocol.ts (gRPC transcoding, headers,
 * JSON, and every failure as an OperationsError) over a keep-alive undici Pool. What is
 * undici's is here: the pool or proxy, the per-call abort emitter, credentials, close().
 */
import type Dispatcher from 'undici/types/dispatcher';
import { abortedError, closedTransportError, endedByCloseError } from '../errors';
import { OPTIMIZATION_V1_RULES, type HttpRules } from '../http-rules';
import { defaultTypeRegistry, type MethodKey, type ResponseOf, type TypeRegistry } from '../proto';
import { listen, stopListening } from '../abort';
import { CallAuth, EMULATOR_HOST_ENV, emulatorCredentials, type CredentialOptions } from '../auth';
import { proxyFor } from '../proxy';
import { InFlight, awaitCredentials, type Cancellable } from '../in-flight';
import { redactError, redactOperations, secretsOf } from '../redact';
import {
  DEFAULT_MAX_RESPONSE_BYTES,
  MAX_ERROR_BODY_BYTES,
  deadlineError,
  declaredWithin,
  errorFromResponse,
  failureOf,
  isSuccess,
  parseSuccess,
  readBody,
  requestHeaders,
  requestPath,
  transcodeCall,
  type RestBody,
} from '../rest-protocol';
import type { CloseOptions, Metadata, ServerAddress, TlsOptions, Transport, UnaryCall } from '../transport';

export { MAX_ERROR_BODY_BYTES, errorFromResponse, fromNetworkError, retryAfter } from '../rest-protocol';

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

  /** close()'s end of the call, after its grace. */
  cancel(): void {
    this.abort(CLOSED);
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
  readonly server: ServerAddress;
  /** A Pool to the origin, or a ProxyAgent tunnelling to it. */
  private readonly pool: Dispatcher;
  private readonly origin: string;
  private readonly basePath: string;
  private readonly types: TypeRegistry;
  private readonly maxResponseBytes: number;
  private readonly auth: CallAuth;
  /** Calls in flight (their CallEnd), and calls waiting for their credentials. */
  private readonly inFlight = new InFlight<Cancellable>();

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
    this.auth = new CallAuth(emulatorCredentials(emulator, options), [url.hostname], url.protocol === 'http:');
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
    this.server = { address: url.hostname.replace(/^\[(.*)\]$/, '$1'), port };
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
    const parts = transcodeCall(this.rules, call);
    let metadata = this.auth.apply(call.metadata);
    if (metadata instanceof Promise) metadata = await awaitCredentials(metadata, call, this.inFlight);
    const headers = requestHeaders(parts.body, call.deadline, metadata);

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
        path: requestPath(this.basePath, parts),
        headers: headers as Metadata,
        body: parts.body ?? null,
        signal: ending,
      });
      if (isSuccess(response.statusCode)) {
        const body = await readUndiciBody(response, this.maxResponseBytes);
        const parsed = parseSuccess(call.method, response.statusCode, body, this.types, this.maxResponseBytes);
        return redactOperations(parsed, headers, this.auth.secretKeys);
      }
      throw errorFromResponse(response, await readUndiciBody(response, MAX_ERROR_BODY_BYTES), this.types);
    } catch (error) {
      if (ending.aborted) {
        if (ending.reason === DEADLINE)
          throw redactError(deadlineError(call.method, error), secretsOf(headers, this.auth.secretKeys));
        if (ending.reason === CLOSED) throw endedByCloseError();
        if (signal?.aborted) throw abortedError(signal, false);
      }
      throw redactError(failureOf(error), secretsOf(headers, this.auth.secretKeys));
    } finally {
      this.inFlight.delete(ending);
      clearTimeout(timer);
      if (onAbort) stopListening(signal as AbortSignal, onAbort);
    }
  }

  close(options?: CloseOptions): Promise<void> {
    return this.inFlight.close(
      options,
      (call) => call.cancel(),
      () => this.pool.destroy(),
    );
  }
}

/**
 * Reads at most `limit` bytes of an undici body. A declared length within the limit (the
 * usual answer) takes undici's own reader, the fast path.
 */
function readUndiciBody(response: Dispatcher.ResponseData, limit: number): Promise<RestBody> {
  return declaredWithin(response.headers['content-length'], limit)
    ? response.body.text().then(wholeBody)
    : readBody(response.body, limit);
}

function wholeBody(text: string): RestBody {
  return { text, truncated: false };
}

let cachedVersion: string | undefined;
/** undici's version, read once. */
function undiciVersion(): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (cachedVersion ??= (require('undici/package.json') as { version: string }).version);
}
