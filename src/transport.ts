/**
 * THE interface both transports implement, and the per-call options. The client is
 * written once over it; a transport converts its own failures to OperationsError.
 */
import type { HttpRules } from './http-rules';
import type { RetryPolicy } from './retry';
import type { MethodKey, RequestOf, ResponseOf } from './proto';

export type { MethodKey, RequestOf, ResponseOf } from './proto';

/** Request metadata: gRPC metadata or HTTP headers. Keys are lower-case ASCII. */
export type Metadata = Readonly<Record<string, string>>;

/** Options of one call. */
export interface CallOptions {
  /** The call's deadline, in milliseconds from now (a gRPC deadline, or the whole HTTP exchange). */
  readonly timeoutMs?: number | undefined;
  /**
   * Aborts the RPC (not the operation). The call rejects with an OperationsError whose code is
   * CANCELLED and whose `aborted` is true; an already-aborted signal sends nothing.
   */
  readonly signal?: AbortSignal | undefined;
  /** Extra request metadata (gRPC) or headers (REST). */
  readonly metadata?: Metadata | undefined;
  /** Overrides of the client's retry policy for this call; `false`: one attempt only. */
  readonly retry?: Partial<RetryPolicy> | false | undefined;
}

/** One unary call as the client hands it to a transport: everything already resolved. */
export interface UnaryCall<K extends MethodKey> {
  /** The method to call. */
  readonly method: K;
  /** The request message; its name already validated. */
  readonly request: RequestOf<K>;
  /** Absolute deadline (`Date.now()` clock), or undefined for none. */
  readonly deadline: number | undefined;
  /** The caller's signal: its abort ends the call with CANCELLED and `aborted`. Undefined for none. */
  readonly signal: AbortSignal | undefined;
  /**
   * The call's metadata: the client's, the `x-goog-request-params` routing header, then the
   * call's own. Credentials are the transport's to add.
   */
  readonly metadata: Metadata | undefined;
}

/** A way to reach a google.longrunning.Operations service. */
export interface Transport {
  /** `grpc` or `rest`: for logs and the `x-goog-api-client` header. */
  readonly kind: string;
  /** The version of the library under the transport (grpc-js, undici), for `x-goog-api-client`. */
  readonly version: string;
  /** The API's HTTP rule table: REST routes by it; both transports' name templates come from it. */
  readonly rules: HttpRules;
  /**
   * Where calls go, for telemetry (OpenTelemetry's `server.address` and `server.port`):
   * undefined when the transport can't say (a custom one, a list of addresses).
   */
  readonly server?: ServerAddress | undefined;
  /** Whether the transport can carry `method` at all (REST: only methods with an HTTP rule). */
  supports(method: MethodKey): boolean;
  /** Runs one unary call; rejects only with OperationsError. */
  unary<K extends MethodKey>(call: UnaryCall<K>): Promise<ResponseOf<K>>;
  /**
   * Closes the transport: calls made after it fail at once (FAILED_PRECONDITION, `local`);
   * calls in flight get `graceMs` to finish, then end with CANCELLED (not `local`: they were
   * sent); then every connection is closed. Resolves once all of that is done, whatever the
   * server does. Idempotent: later calls return the first one's promise.
   */
  close(options?: CloseOptions): Promise<void>;
}

/** A transport's server: a host name or IP address, and a port when there is one (not for a Unix socket). */
export interface ServerAddress {
  /** The host name or IP address (without brackets), or a Unix socket's path. */
  readonly address: string;
  /** The port, or undefined. */
  readonly port: number | undefined;
}

/** Options of `close()`. */
export interface CloseOptions {
  /**
   * How long calls in flight may still finish before they are ended with CANCELLED, in ms.
   * Default {@link DEFAULT_CLOSE_GRACE_MS} (5 s); 0 ends them at once.
   */
  readonly graceMs?: number;
}

/** The default grace of calls in flight when a transport closes, in ms (5 s). */
export const DEFAULT_CLOSE_GRACE_MS = 5_000;

/** TLS beyond the system's roots, the same on both transports. */
export interface TlsOptions {
  /** PEM root certificates to trust instead of the system's (a private CA, a test CA). */
  readonly rootCerts?: Buffer | string;
  /** A client certificate and its key, PEM, for mutual TLS. Default none. */
  readonly clientCert?: {
    /** The client certificate (chain), PEM. */
    readonly cert: Buffer | string;
    /** Its private key, PEM. */
    readonly key: Buffer | string;
  };
}
