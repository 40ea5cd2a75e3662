/**
 * longrun/emulator: a real local google.longrunning.Operations server with scripted
 * operations, and the API's own long-running methods that start them, for tests, demos and
 * other clients (Google's own works against it unchanged).
 */
import * as grpc from '@grpc/grpc-js';
import type * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { OPTIMIZATION_V1_RULES, operationTemplate, parentTemplate, type HttpRules } from '../http-rules';
import { defaultTypeRegistry, type Operation } from '../proto';
import { apiOf } from './api';
import { addGrpcFace, metadataRecord, unauthenticated } from './grpc-face';
import { addReflection } from './reflection';
import { createHttpFace } from './http-face';
import { fillTemplate } from './naming';
import { Recorder, type RecordedRequest } from './recorder';
import { OperationsHandler } from './service';
import { OperationStore, type CancelMode, type OperationSpec } from './store';

export { CANCEL_MODES, DEFAULT_CANCEL_DELAY_MS, type CancelMode, type OperationSpec } from './store';
export { FAULT_HEADER } from './faults';
export type { RecordedRequest } from './recorder';

/** Default {@link EmulatorOptions.runForMs}: how long an operation an API method starts runs, in ms. */
export const DEFAULT_RUN_FOR_MS = 5000;

/** Options of {@link startEmulator}; all optional. */
export interface EmulatorOptions {
  /** The address to listen on. Default `127.0.0.1`: loopback only. */
  readonly host?: string;
  /** The gRPC port; default 0 (any free port). */
  readonly grpcPort?: number;
  /** The REST port; default 0 (any free port). */
  readonly httpPort?: number;
  /**
   * The HTTP rules the REST face routes by, and whose name template names must match. Default
   * Optimization v1. The table's `api` also says which API's long-running methods the
   * emulator serves, on both faces (gRPC, and REST by the API's HTTP rules), and which
   * metadata type its operations report:
   * - `optimization.v1` (`OPTIMIZATION_V1_RULES`): `google.cloud.optimization.v1.FleetRouting`'s
   *   `BatchOptimizeTours` (`POST /v1/{parent=projects/*}:batchOptimizeTours`, and
   *   `projects/*\/locations/*`), starting `projects/<p>/operations/<id>`; metadata
   *   `AsyncModelMetadata` (state RUNNING, then SUCCEEDED, CANCELLED or FAILED, with create and
   *   update times), response `BatchOptimizeToursResponse`;
   * - `routeoptimization.v1` (`ROUTE_OPTIMIZATION_V1_RULES`):
   *   `google.maps.routeoptimization.v1.RouteOptimization`'s `BatchOptimizeTours` and
   *   `OptimizeToursLongRunning` (`:batchOptimizeTours`, `:optimizeToursLongRunning`), starting
   *   `projects/<p>/locations/<l>/operations/<id>` (location `global` for a `projects/<p>`
   *   parent); metadata `BatchOptimizeToursMetadata` and `OptimizeToursLongRunningMetadata`,
   *   responses `BatchOptimizeToursResponse` and `OptimizeToursResponse` (its `requestLabel`
   *   the request's `label`);
   * - any other (e.g. the generic rules): no API method (UNIMPLEMENTED over gRPC; over REST,
   *   what any stray path gets), and operations report Optimization v1's `AsyncModelMetadata`.
   *
   * The API's other methods answer UNIMPLEMENTED. A `parent` that fits neither binding is
   * INVALID_ARGUMENT. Credentials and the fault header apply as to the Operations methods.
   */
  readonly rules?: HttpRules;
  /**
   * How long an operation started by the API's own long-running method runs before it
   * completes, in ms; `Infinity`: until cancelled. Default {@link DEFAULT_RUN_FOR_MS}. One
   * request overrides it with the fault header: `{"operation": {"runForMs": 200}}` (see
   * {@link FAULT_HEADER}). Seeded and created operations follow their spec instead.
   */
  readonly runForMs?: number;
  /**
   * What seeded and created operations report in `metadata` unless their spec says: `api`
   * (default), the metadata type of the API the rule table goes with (see `rules`);
   * `progress`, the emulator's own `longrun.emulator.v1.ProgressMetadata` (create time,
   * percent done, whether a cancel was requested). Operations an API method started always
   * report that method's type.
   */
  readonly metadata?: 'api' | 'progress';
  /** What CancelOperation does unless an operation's spec says otherwise. Default `honour`. */
  readonly cancelMode?: CancelMode;
  /** Delay of a `delayed` or `ignore` cancel, in ms. Default 1000. */
  readonly cancelDelayMs?: number;
  /** Serve TLS on both faces with this PEM certificate and key. Default: plaintext. */
  readonly tls?: {
    /** The server certificate (chain), PEM. */
    readonly cert: Buffer | string;
    /** Its private key, PEM. */
    readonly key: Buffer | string;
  };
  /** Require `authorization: Bearer <token>` (or the API key below); UNAUTHENTICATED otherwise. */
  readonly requireToken?: string;
  /** Require `x-goog-api-key: <key>` (or the token above); UNAUTHENTICATED otherwise. */
  readonly requireApiKey?: string;
  /**
   * More names the REST face answers to in the `Host` header (and in a same-origin `Origin`),
   * with or without a port, e.g. `optimization.test` for a test that reaches the emulator by
   * that name. Default none: only the address it listens on, under a loopback name (a request
   * for any other Host is refused 403, against DNS rebinding).
   */
  readonly allowedHosts?: readonly string[];
  /**
   * Pre-creates this many operations, running until cancelled, named `op-1` ... `op-N` in
   * project `demo` (location `global`) by the rules' name template:
   * `projects/demo/operations/op-1` under Optimization v1,
   * `projects/demo/locations/global/operations/op-1` under Route Optimization v1,
   * `operations/op-1` under the generic rules. ListOperations of their parent
   * (`projects/demo`, `projects/demo/locations/global`, `operations`) lists them.
   */
  readonly seed?: number;
}

/** A running emulator: its addresses, the requests it received, and its operations. */
export interface Emulator {
  /** `host:port` of the gRPC face, for `createGrpcTransport({ address, insecure: true })`. */
  readonly grpcAddress: string;
  /** `http://host:port` of the REST face, for `createRestTransport({ baseUrl })`. */
  readonly httpUrl: string;
  /** The last requests the emulator received (10,000 at most), oldest first. */
  readonly requests: readonly RecordedRequest[];
  /** How many requests it received since it started or the last {@link Emulator.clearRequests}. */
  readonly requestCount: number;
  /** Creates a running operation that follows `spec`. */
  createOperation(spec?: OperationSpec): Operation;
  /** The operation's current state (NOT_FOUND as an OperationsError). */
  getOperation(name: string): Operation;
  /**
   * Forgets the recorded requests and sets {@link Emulator.requestCount} back to 0. A fault's
   * `times` keeps counting per header value for the emulator's life: give each test its own value.
   */
  clearRequests(): void;
  /** Removes every operation; returns how many there were. */
  reset(): number;
  /** Stops listening; calls in flight get a short grace period. Idempotent. */
  close(): Promise<void>;
}

/** Starts the emulator; resolves once it listens. */
export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const host = options.host ?? '127.0.0.1';
  const rules = options.rules ?? OPTIMIZATION_V1_RULES;
  const template = operationTemplate(rules);
  const runForMs = options.runForMs ?? DEFAULT_RUN_FOR_MS;
  if (!(runForMs >= 0)) throw new TypeError(`runForMs must be >= 0 (Infinity: until cancelled), got ${runForMs}`);
  const api = apiOf(rules);
  const store = new OperationStore({
    nameTemplate: template.source,
    ...(options.cancelMode && { cancelMode: options.cancelMode }),
    ...(options.cancelDelayMs !== undefined && { cancelDelayMs: options.cancelDelayMs }),
    ...(api && { apiMetadata: api.metadata }),
    ...(options.metadata && { metadata: options.metadata }),
  });
  for (let i = 1; i <= (options.seed ?? 0); i++) store.create({ name: fillTemplate(template, 'demo', `op-${i}`) });
  const recorder = new Recorder();
  const handler = new OperationsHandler(
    store,
    recorder,
    parentTemplate(rules),
    {
      ...(options.requireToken !== undefined && { token: options.requireToken }),
      ...(options.requireApiKey !== undefined && { apiKey: options.requireApiKey }),
    },
    api && { api, runForMs },
  );
  const server = new grpc.Server();
  addGrpcFace(server, store, handler, api);
  addReflection(server, api ? [serviceNameOf(api.service)] : [], (metadata) =>
    handler.authenticated(metadataRecord(metadata)) ? undefined : unauthenticated(),
  );
  const { tls } = options;
  const serverCredentials = tls
    ? grpc.ServerCredentials.createSsl(
        null,
        [{ private_key: toBuffer(tls.key), cert_chain: toBuffer(tls.cert) }],
        false,
      )
    : grpc.ServerCredentials.createInsecure();
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(hostPort(host, options.grpcPort ?? 0), serverCredentials, (error, bound) =>
      error ? reject(error) : resolve(bound),
    ),
  );
  const httpServer = createHttpFace(handler, rules, defaultTypeRegistry, tls, api, options.allowedHosts);
  try {
    await new Promise<void>((resolve, reject) => {
      httpServer.once('error', reject);
      httpServer.listen(options.httpPort ?? 0, host, () => resolve());
    });
  } catch (error) {
    server.forceShutdown();
    throw error;
  }
  const httpPort = (httpServer.address() as AddressInfo).port;
  let closing: Promise<void> | undefined;
  return {
    grpcAddress: hostPort(host, port),
    httpUrl: `${tls ? 'https' : 'http'}://${hostPort(host, httpPort)}`,
    get requests() {
      return recorder.requests;
    },
    get requestCount() {
      return recorder.count;
    },
    createOperation: (spec) => store.create(spec),
    getOperation: (name) => store.get(name),
    clearRequests: () => recorder.clear(),
    reset: () => store.reset(),
    close: () => (closing ??= Promise.all([shutdown(server), closeHttp(httpServer)]).then(() => undefined)),
  };
}

function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** Graceful shutdown, forced after a second. */
function shutdown(server: grpc.Server): Promise<void> {
  return new Promise((resolve) => {
    const force = setTimeout(() => server.forceShutdown(), 1000);
    server.tryShutdown(() => {
      clearTimeout(force);
      resolve();
    });
  });
}

/** Stops accepting, closes idle keep-alive connections, and the rest after a second. */
function closeHttp(server: http.Server): Promise<void> {
  return new Promise((resolve) => {
    const force = setTimeout(() => server.closeAllConnections(), 1000);
    server.close(() => {
      clearTimeout(force);
      resolve();
    });
    server.closeIdleConnections();
  });
}

function toBuffer(value: Buffer | string): Buffer {
  return Buffer.isBuffer(value) ? value : Buffer.from(value);
}

/** A gRPC service's full name, from the path of its first method (`/pkg.Service/Method`). */
function serviceNameOf(service: grpc.ServiceDefinition): string {
  const first = Object.values(service)[0] as grpc.MethodDefinition<unknown, unknown> | undefined;
  return first ? first.path.slice(1, first.path.lastIndexOf('/')) : '';
}
