/**
 * The native transport: google.longrunning.Operations over @grpc/grpc-js with the
 * ts-proto codecs. grpc-js' callback API is wrapped once, here, into an
 * AbortSignal-aware promise; its failures become OperationsError here and nowhere else.
 */
import { isIP } from 'node:net';
import { createSecureContext } from 'node:tls';
import * as grpc from '@grpc/grpc-js';
import {
  Code,
  OperationsError,
  abortedError,
  closedTransportError,
  detailsFromStatusBytes,
  endedByCloseError,
  isCode,
  type ErrorDetail,
} from '../errors';
import { grpcMethods, type MethodKey, type ResponseOf } from '../proto';
import { listen, stopListening } from '../abort';
import { CallAuth, EMULATOR_HOST_ENV, emulatorCredentials, targetHosts, type CredentialOptions } from '../auth';
import { OPTIMIZATION_V1_RULES, type HttpRules } from '../http-rules';
import { grpcProxyChannel } from '../proxy';
import { InFlight, awaitCredentials, type Cancellable } from '../in-flight';
import { ClosableCredentials, type IpTls } from './grpc-credentials';
import { redactError, redactOperations, secretsOf } from '../redact';
import type { CloseOptions, Metadata, ServerAddress, TlsOptions, Transport, UnaryCall } from '../transport';

/** Where and how to reach the service over gRPC. */
export interface GrpcTransportOptions extends CredentialOptions, TlsOptions {
  /**
   * A grpc-js target: `host:port`, `dns:host:port`, `ipv4:a:p,b:p`, `unix:path`. Default
   * `LONGRUN_EMULATOR_HOST` when set (then plaintext, no credentials), else
   * `optimization.googleapis.com:443`.
   */
  readonly address?: string;
  /** Plaintext (no TLS). Default false. Ignored when `credentials` is given. */
  readonly insecure?: boolean;
  /**
   * The channel's credentials, when longrun's TLS options aren't enough (overrides them and
   * `insecure`). Their TLS handshake is grpc-js' own: to an IP address it sends the IP as
   * server name, which Node 26 refuses; longrun's own TLS options (`rootCerts`, `clientCert`)
   * don't.
   */
  readonly credentials?: grpc.ChannelCredentials;
  /**
   * Wait for the channel to connect (until the call's deadline) instead of failing fast with
   * UNAVAILABLE while it can't. Default false.
   */
  readonly waitForReady?: boolean;
  /** The API's HTTP rule table; over gRPC only its name templates are used. Default Optimization v1. */
  readonly rules?: HttpRules;
  /**
   * Channels to spread calls over, round robin, each with its own connection(s). Google's front
   * end allows about 100 concurrent streams per connection: for more calls in flight, use more
   * channels. Default 1.
   */
  readonly channels?: number;
  /**
   * How each channel spreads calls over the addresses its target resolves to (`ipv4:a:p,b:p`,
   * a DNS name with several records): `pick_first` (one connection, grpc-js' default) or
   * `round_robin` (one connection per address, calls spread). Default `pick_first`.
   */
  readonly loadBalancing?: 'pick_first' | 'round_robin';
  /**
   * grpc-js channel options, passed through; they override longrun's defaults
   * ({@link DEFAULT_CHANNEL_OPTIONS}).
   */
  readonly channelOptions?: grpc.ChannelOptions;
  /**
   * The HTTP proxy to tunnel through (HTTP CONNECT): an `http://[user:pass@]host:port` URL, or
   * `false` for never. Default: the environment, as for REST but `grpc_proxy` first
   * (`grpc_proxy`, then `https_proxy`/`HTTPS_PROXY` for TLS or `http_proxy`/`HTTP_PROXY` for
   * plaintext; `no_grpc_proxy`, `no_proxy`, `NO_PROXY` exclude hosts); see `src/proxy.ts`.
   * Loopback targets never use a proxy. grpc-js never reads these variables itself
   * (`grpc.enable_http_proxy` is always 0).
   */
  readonly proxy?: string | false;
}

/** The default endpoint of Optimization v1 over gRPC. */
export const DEFAULT_GRPC_ADDRESS = 'optimization.googleapis.com:443';

/**
 * Channel options longrun sets unless the caller overrides them:
 * - no service config from DNS (behaviour can't change behind the caller's back), and
 *   grpc-js' own retry policy left unset (longrun's engine retries; transparent retries stay);
 * - keepalive (gRFC A8): a ping every 30 s, only while calls are in flight, 10 s to answer,
 *   so a half-open connection fails the calls on it instead of hanging them. On a GOAWAY
 *   `too_many_pings` grpc-js logs it and doubles the interval;
 * - 4 MiB per message both ways (RESOURCE_EXHAUSTED past it);
 * - no channelz bookkeeping per call;
 * - connections of its own (a local subchannel pool): channels, and transports, to one target
 *   don't share connections, so close() closes the transport's connections at once (grpc-js'
 *   global pool keeps a connection nobody uses for up to 10 s).
 */
export const DEFAULT_CHANNEL_OPTIONS: grpc.ChannelOptions = {
  'grpc.service_config_disable_resolution': 1,
  'grpc.keepalive_time_ms': 30_000,
  'grpc.keepalive_timeout_ms': 10_000,
  'grpc.keepalive_permit_without_calls': 0,
  'grpc.max_receive_message_length': 4 * 1024 * 1024,
  'grpc.max_send_message_length': 4 * 1024 * 1024,
  'grpc.enable_channelz': 0,
  'grpc.use_local_subchannel_pool': 1,
};

const STATUS_DETAILS_KEY = 'grpc-status-details-bin';

/** Creates a transport over one grpc-js channel. */
export function createGrpcTransport(options: GrpcTransportOptions = {}): Transport {
  return new GrpcTransport(options);
}

class GrpcTransport implements Transport {
  readonly kind = 'grpc';
  readonly version = grpcVersion();
  readonly rules: HttpRules;
  readonly server: ServerAddress | undefined;
  private readonly clients: grpc.Client[];
  private next = 0;
  /** Calls in flight, and calls waiting for their credentials. */
  private readonly inFlight = new InFlight<Cancellable>();
  private readonly waitForReady: boolean;
  private readonly auth: CallAuth;
  private readonly credentials: ClosableCredentials;

  constructor(options: GrpcTransportOptions) {
    this.rules = options.rules ?? OPTIMIZATION_V1_RULES;
    this.waitForReady = options.waitForReady ?? false;
    const emulator = options.address === undefined ? process.env[EMULATOR_HOST_ENV] : undefined;
    const address = emulator || options.address || DEFAULT_GRPC_ADDRESS;
    const insecure = emulator ? true : options.insecure === true;
    this.server = serverOf(address);
    const base =
      options.credentials ??
      (insecure
        ? grpc.credentials.createInsecure()
        : grpc.credentials.createSsl(
            toBuffer(options.rootCerts),
            toBuffer(options.clientCert?.key),
            toBuffer(options.clientCert?.cert),
          ));
    const plaintext = !base._isSecure();
    // close() must be able to end connection attempts grpc-js would leave open; TLS that longrun
    // set up to one IP address is longrun's own handshake (grpc-js would send the IP as server name).
    const credentials = (this.credentials = new ClosableCredentials(
      base,
      options.credentials || plaintext ? undefined : ipTls(address, options),
    ));
    this.auth = new CallAuth(emulatorCredentials(emulator, options), targetHosts(address), plaintext);
    const tunnel = grpcProxyChannel(address, !plaintext, { proxy: options.proxy });
    const channels = options.channels ?? 1;
    if (!Number.isInteger(channels) || channels < 1 || channels > 1000) {
      throw new TypeError('channels must be a whole number from 1 to 1000');
    }
    const channelOptions: grpc.ChannelOptions = {
      ...DEFAULT_CHANNEL_OPTIONS,
      ...(options.loadBalancing === 'round_robin' && {
        'grpc.service_config': JSON.stringify({ loadBalancingConfig: [{ round_robin: {} }] }),
      }),
      ...tunnel.options,
      ...options.channelOptions,
      // longrun decides the proxy (above); grpc-js must not read the environment on its own.
      'grpc.enable_http_proxy': 0,
    };
    this.clients = Array.from({ length: channels }, () => new grpc.Client(tunnel.target, credentials, channelOptions));
  }

  supports(): boolean {
    return true;
  }

  unary<K extends MethodKey>(call: UnaryCall<K>): Promise<ResponseOf<K>> {
    if (this.inFlight.closed) return Promise.reject(closedTransportError());
    if (call.signal?.aborted) return Promise.reject(abortedError(call.signal));
    const metadata = this.auth.apply(call.metadata);
    return metadata instanceof Promise
      ? awaitCredentials(metadata, call, this.inFlight).then((m) => this.send(call, m))
      : this.send(call, metadata);
  }

  private send<K extends MethodKey>(call: UnaryCall<K>, metadata: Metadata | undefined): Promise<ResponseOf<K>> {
    const { signal } = call;
    // Credentials may have taken a while: the transport may have closed, the signal aborted.
    if (this.inFlight.closed) return Promise.reject(closedTransportError());
    if (signal?.aborted) return Promise.reject(abortedError(signal));
    const method = grpcMethods[call.method];
    const clients = this.clients;
    const client =
      clients.length === 1 ? (clients[0] as grpc.Client) : (clients[this.next++ % clients.length] as grpc.Client);
    const inFlight = this.inFlight;
    const { secretKeys } = this.auth;
    return new Promise<ResponseOf<K>>((resolve, reject) => {
      let onAbort: (() => void) | undefined;
      let grpcCall: grpc.ClientUnaryCall;
      try {
        grpcCall = client.makeUnaryRequest(
          method.path,
          method.serialize,
          method.deserialize,
          call.request,
          toGrpcMetadata(metadata, this.waitForReady),
          { deadline: call.deadline ?? Infinity },
          (error, response) => {
            inFlight.delete(grpcCall);
            if (onAbort) stopListening(signal as AbortSignal, onAbort);
            if (error) reject(failure(error, signal, metadata, secretKeys, inFlight.ending));
            else if (response === undefined) reject(new OperationsError(Code.INTERNAL, 'empty response'));
            else resolve(redactOperations(response, metadata, secretKeys));
          },
        );
      } catch (error) {
        // grpc-js throws synchronously on what it refuses to send (a metadata value, a closed channel).
        reject(redactError(OperationsError.from(error, Code.INTERNAL), secretsOf(metadata, this.auth.secretKeys)));
        return;
      }
      inFlight.add(grpcCall);
      if (signal) {
        onAbort = () => grpcCall.cancel();
        listen(signal, onAbort);
      }
    });
  }

  close(options?: CloseOptions): Promise<void> {
    return this.inFlight.close(
      options,
      (call) => call.cancel(),
      () => {
        for (const client of this.clients) client.close();
        // The grace is over: connections still open carry only calls being ended now.
        this.credentials.destroyAll();
      },
    );
  }
}

function toGrpcMetadata(metadata: Metadata | undefined, waitForReady: boolean): grpc.Metadata {
  const result = waitForReady ? new grpc.Metadata({ waitForReady }) : new grpc.Metadata();
  if (metadata) for (const key in metadata) result.set(key, metadata[key] as string);
  return result;
}

/**
 * The error a failed call rejects with: the caller's abort, close()'s end of the call, or
 * the server's status, with the credentials the call sent removed from all of it.
 */
function failure(
  error: grpc.ServiceError,
  signal: AbortSignal | undefined,
  metadata: Metadata | undefined,
  secretKeys: readonly string[],
  endedByClose: boolean,
): OperationsError {
  if (error.code === grpc.status.CANCELLED && signal?.aborted) return abortedError(signal, false);
  // After close()'s grace, whatever ends a call (its cancel, its connection destroyed) is close().
  if (endedByClose) return endedByCloseError();
  return redactError(fromServiceError(error), secretsOf(metadata, secretKeys));
}

/**
 * A call cut below gRPC and never answered, which the REST transport sees as a reset socket
 * (UNAVAILABLE, retried: every Operations method is safe to repeat). grpc-js (1.10-1.14)
 * tells these apart only by text:
 * - CANCELLED "Call cancelled": the peer reset the stream with CANCEL (a server shutting down,
 *   a proxy whose backend died), or a dropped connection in grpc-js up to 1.11. The caller's
 *   own abort is handled before; longrun cancels calls on no other occasion but close().
 * - INTERNAL "... Session closed with error code N": a GOAWAY with an error, then the
 *   connection closed; INTERNAL "... The session has been destroyed": the call met a
 *   connection already gone and was never sent.
 * From grpc-js 1.12 a dropped connection is UNAVAILABLE already ("Connection dropped").
 * A stream ended without a status (RST_STREAM NO_ERROR) stays INTERNAL: it looks exactly like
 * a truncated answer, which the server may have acted on.
 */
function isCutConnection(error: grpc.ServiceError): boolean {
  if (error.code === grpc.status.CANCELLED) return error.details === 'Call cancelled';
  return (
    error.code === grpc.status.INTERNAL &&
    (/ Session closed with error code \d+$/.test(error.details) || error.details.endsWith(SESSION_DESTROYED))
  );
}

/**
 * The end of grpc-js' message for a call picked onto an HTTP/2 session Node had already
 * destroyed (seen on Node 26 after a protocol error): the stream was never opened.
 */
const SESSION_DESTROYED = 'The session has been destroyed';

/** Converts a grpc-js ServiceError, decoding `grpc-status-details-bin` when present. */
function fromServiceError(error: grpc.ServiceError): OperationsError {
  if (isCutConnection(error)) {
    return new OperationsError(Code.UNAVAILABLE, `connection lost (${error.details})`, { cause: error });
  }
  // grpc-js answers a call that ended with OK but no message as UNIMPLEMENTED "No message
  // received"; the server implemented the method and then broke the stream: INTERNAL.
  if (error.code === grpc.status.UNIMPLEMENTED && error.details === 'No message received') {
    return new OperationsError(Code.INTERNAL, 'the server ended the call without a response message', { cause: error });
  }
  const code = isCode(error.code) ? error.code : Code.UNKNOWN;
  const message = error.details || grpc.status[error.code] || 'unknown error';
  // The code and message of the trailers win over those inside the details (gRPC spec).
  let details: ErrorDetail[] = [];
  const bin = error.metadata?.get(STATUS_DETAILS_KEY)[0];
  if (bin instanceof Buffer) {
    try {
      details = detailsFromStatusBytes(bin);
    } catch {
      // Undecodable details: the status still reaches the caller, without them.
    }
  }
  return new OperationsError(code, message, { details, cause: error, retryPushbackMs: pushback(error.metadata) });
}

let cachedVersion: string | undefined;
/** grpc-js' version, read once. */
function grpcVersion(): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (cachedVersion ??= (require('@grpc/grpc-js/package.json') as { version: string }).version);
}

/**
 * gRFC A6's `grpc-retry-pushback-ms`: a non-negative integer is the delay to wait exactly;
 * anything else present means "do not retry" (-1); absent, undefined.
 */
export function pushback(metadata: grpc.Metadata | undefined): number | undefined {
  const value = metadata?.get('grpc-retry-pushback-ms')[0];
  if (value === undefined) return undefined;
  const text = String(value);
  return /^\d{1,10}$/.test(text) ? Number(text) : -1;
}

/**
 * The TLS longrun does itself for a target that is one IP address (`127.0.0.1:443`,
 * `[::1]:443`, `ipv4:10.0.0.1:443`), unless `grpc.ssl_target_name_override` names the
 * server; undefined for a name (grpc-js' own TLS sends it as server name, as it should).
 */
function ipTls(address: string, options: GrpcTransportOptions): IpTls | undefined {
  const hosts = targetHosts(address);
  const ip = hosts.length === 1 ? (hosts[0] as string) : '';
  if (isIP(ip) === 0 || options.channelOptions?.['grpc.ssl_target_name_override'] !== undefined) return undefined;
  const secureContext = createSecureContext({
    ...(options.rootCerts !== undefined && { ca: options.rootCerts }),
    ...(options.clientCert && { cert: options.clientCert.cert, key: options.clientCert.key }),
  });
  return { ip, secureContext };
}

function toBuffer(value: Buffer | string | undefined): Buffer | null {
  return value === undefined ? null : Buffer.isBuffer(value) ? value : Buffer.from(value);
}

/**
 * The server of a grpc-js target, for telemetry: `host:port`, `dns:[//authority/]host:port`,
 * `[v6]:port`, `ipv4:`/`ipv6:` with one address, `unix:path`; undefined for a list of
 * addresses or a scheme it doesn't know.
 */
export function serverOf(target: string): ServerAddress | undefined {
  if (target.startsWith('unix:'))
    return { address: target.slice(target.startsWith('unix://') ? 7 : 5), port: undefined };
  let rest = target.replace(/^dns:(\/\/[^/]*\/)?/, '').replace(/^ipv[46]:/, '');
  if (rest.includes(',') || /^[a-z][a-z0-9+.-]*:\/\//i.test(rest)) return undefined;
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(rest);
  if (bracketed) return { address: bracketed[1] as string, port: bracketed[2] ? Number(bracketed[2]) : 443 };
  if (isIP(rest) === 6) return { address: rest, port: 443 };
  const colon = rest.lastIndexOf(':');
  const port = colon >= 0 && /^\d+$/.test(rest.slice(colon + 1)) ? Number(rest.slice(colon + 1)) : undefined;
  if (colon >= 0 && port !== undefined) rest = rest.slice(0, colon);
  return rest === '' ? undefined : { address: rest, port: port ?? 443 };
}
