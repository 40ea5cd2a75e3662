'use strict';
/**
 * The clients compared ("peers"). A peer is an object with
 *   - name, transport ('grpc' or 'rest'), methods (what `call` accepts),
 *   - async setup(target): load the library and make a client (libraries are required here,
 *     not at the top of this file, so that cold start counts their loading),
 *   - call(method, batch?): one call, a promise; it rejects when the call fails. For a batch
 *     method (scenarios.js), `batch` says how many names and how many of them in flight,
 *   - close().
 * To add one, write a factory below and list it in PEERS.
 */
const { GRPC_PATHS, OPERATION_NAME, REST_ROUTES, decodeOperation, encodeNameRequest } = require('./wire');

/** @typedef {{ grpc: string, http: string }} Target the bench server: `127.0.0.1:port` and `http://127.0.0.1:port` */
/** @typedef {{ size: number, concurrency: number }} Batch names in one batch call, and how many in flight */
/** @typedef {{
 *   name: string, transport: 'grpc' | 'rest', methods: readonly string[],
 *   setup(target: Target): Promise<void>, call(method: string, batch?: Batch): Promise<unknown>,
 *   close(): Promise<void>
 * }} Peer */

/** Deadline of each call for the peers that set one (longrun's default is the same 10 s). */
const CALL_TIMEOUT_MS = 10_000;
const BOTH = Object.freeze(['CancelOperation', 'GetOperation']);
/** longrun's: BOTH, and `cancelMany` (a batch method). */
const LONGRUN = Object.freeze([...BOTH, 'CancelMany']);

/**
 * @param {string} method
 * @returns {never}
 */
function unknownMethod(method) {
  throw new Error(`unknown method ${method}`);
}

/** @returns {Peer} longrun's OperationsClient over its gRPC transport. */
function longrunGrpc() {
  return longrunPeer('longrun-grpc', 'grpc');
}

/** @returns {Peer} longrun's OperationsClient over its REST transport. */
function longrunRest() {
  return longrunPeer('longrun-rest', 'rest');
}

/**
 * How a longrun peer is traced: not at all (no interceptor), `noop` (`openTelemetry()` with no
 * SDK registered: the API's no-ops), `sdk` (`openTelemetry()` with a real SDK registered in
 * setup, before the client is made: see registerSdk).
 * @typedef {'none' | 'noop' | 'sdk'} Telemetry
 */

/**
 * @param {string} name
 * @param {'grpc' | 'rest'} transport
 * @param {Telemetry} [telemetry]
 * @returns {Peer} longrun's OperationsClient over one of its transports
 */
function longrunPeer(name, transport, telemetry = 'none') {
  /** @type {import('../dist/src').OperationsClient} */
  let client;
  /** @type {Sdk | undefined} */
  let sdk;
  /** RPCs issued (one CLIENT span each when traced), checked against the spans exported at close. */
  let rpcs = 0;
  return {
    name,
    transport,
    methods: LONGRUN,
    async setup(target) {
      if (telemetry === 'sdk') sdk = registerSdk();
      const { OperationsClient, createGrpcTransport, createRestTransport } = require('../dist/src');
      const made =
        transport === 'grpc'
          ? createGrpcTransport({ address: target.grpc, insecure: true })
          : createRestTransport({ baseUrl: target.http, insecure: true });
      if (telemetry === 'none') {
        client = new OperationsClient({ transport: made });
      } else {
        const { openTelemetry } = require('../dist/src/otel');
        client = new OperationsClient({ transport: made, interceptors: [openTelemetry()] });
      }
    },
    call(method, batch) {
      rpcs += method === 'CancelMany' && batch ? batch.size : 1;
      return longrunCall(client, method, batch);
    },
    async close() {
      await client.close();
      if (sdk) await sdk.shutdown(rpcs);
    },
  };
}

/** @returns {Peer} longrun over gRPC with `openTelemetry()` and no SDK registered (the API's no-ops). */
function longrunGrpcOtel() {
  return longrunPeer('longrun-grpc-otel', 'grpc', 'noop');
}

/** @returns {Peer} longrun over REST with `openTelemetry()` and no SDK registered (the API's no-ops). */
function longrunRestOtel() {
  return longrunPeer('longrun-rest-otel', 'rest', 'noop');
}

/** @returns {Peer} longrun over gRPC with `openTelemetry()` and a real SDK recording every span. */
function longrunGrpcOtelSdk() {
  return longrunPeer('longrun-grpc-otel-sdk', 'grpc', 'sdk');
}

/** @returns {Peer} longrun over REST with `openTelemetry()` and a real SDK recording every span. */
function longrunRestOtelSdk() {
  return longrunPeer('longrun-rest-otel-sdk', 'rest', 'sdk');
}

/** How often the SDK's metric reader collects and exports (an SDK's default is 60 s: too rare to be measured). */
const METRIC_EXPORT_INTERVAL_MS = 1000;

/** @typedef {{ shutdown(rpcs: number): Promise<void> }} Sdk */

/**
 * Registers an OpenTelemetry SDK globally, as an application would before making its clients:
 * a TracerProvider sampling every span (AlwaysOnSampler) into a BatchSpanProcessor (its
 * defaults: batches of 512, a queue of 2048) over an exporter that counts the spans and drops
 * them (memory stays flat), the AsyncLocalStorage context manager, the W3C trace-context
 * propagator, and a MeterProvider whose PeriodicExportingMetricReader collects every
 * METRIC_EXPORT_INTERVAL_MS into an exporter that keeps the last collection only. The peer
 * runs in a process of its own, so the registration leaks into no other peer.
 * @returns {Sdk} shutdown(rpcs): flushes both, then checks that `rpcs` spans were exported and
 * that `rpc.client.call.duration` counted `rpcs` calls (so nothing was dropped or sampled out)
 */
function registerSdk() {
  const api = require('@opentelemetry/api');
  const { AsyncLocalStorageContextManager } = require('@opentelemetry/context-async-hooks');
  const { ExportResultCode, W3CTraceContextPropagator } = require('@opentelemetry/core');
  const { AlwaysOnSampler, BatchSpanProcessor, TracerProvider } = require('@opentelemetry/sdk-trace');
  const {
    AggregationTemporality,
    MeterProvider,
    PeriodicExportingMetricReader,
  } = require('@opentelemetry/sdk-metrics');
  const success = { code: ExportResultCode.SUCCESS };

  let spans = 0;
  /** @type {import('@opentelemetry/sdk-trace').SpanExporter} */
  const spanExporter = {
    export(batch, done) {
      spans += batch.length;
      done(success);
    },
    shutdown: async () => {},
  };
  /** @type {import('@opentelemetry/sdk-metrics').ResourceMetrics | undefined} */
  let lastMetrics;
  /** @type {import('@opentelemetry/sdk-metrics').PushMetricExporter} */
  const metricExporter = {
    export(metrics, done) {
      lastMetrics = metrics;
      done(success);
    },
    forceFlush: async () => {},
    selectAggregationTemporality: () => AggregationTemporality.CUMULATIVE,
    shutdown: async () => {},
  };

  const tracerProvider = new TracerProvider({
    sampler: new AlwaysOnSampler(),
    spanProcessors: [new BatchSpanProcessor({ exporter: spanExporter })],
  });
  const meterProvider = new MeterProvider({
    readers: [
      new PeriodicExportingMetricReader({ exporter: metricExporter, exportIntervalMillis: METRIC_EXPORT_INTERVAL_MS }),
    ],
  });
  const registered = [
    api.context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable()),
    api.propagation.setGlobalPropagator(new W3CTraceContextPropagator()),
    api.trace.setGlobalTracerProvider(tracerProvider),
    api.metrics.setGlobalMeterProvider(meterProvider),
  ];
  if (!registered.every(Boolean)) throw new Error('otel SDK: a global was already registered in this process');

  return {
    async shutdown(rpcs) {
      await tracerProvider.shutdown();
      await meterProvider.shutdown();
      /** @type {{ value: unknown }[]} */
      const points = (lastMetrics?.scopeMetrics ?? [])
        .flatMap((scope) => scope.metrics)
        .filter((metric) => metric.descriptor.name === 'rpc.client.call.duration')
        .flatMap((metric) => metric.dataPoints);
      const calls = points.reduce((sum, { value }) => sum + histogramCount(value), 0);
      if (spans !== rpcs || calls !== rpcs) {
        throw new Error(`otel SDK: ${rpcs} RPCs, but ${spans} spans exported and ${calls} calls in the metrics`);
      }
    },
  };
}

/**
 * @param {import('../dist/src').OperationsClient} client
 * @param {string} method
 * @param {Batch} [batch]
 * @returns {Promise<unknown>}
 */
function longrunCall(client, method, batch) {
  if (method === 'CancelOperation') return client.cancelOperation(OPERATION_NAME);
  if (method === 'GetOperation') return client.getOperation(OPERATION_NAME);
  if (method === 'CancelMany' && batch) return cancelBatch(client, batch);
  return unknownMethod(method);
}

/** Arrays of OPERATION_NAME, by length: made once, every batch of a length reads the same one. */
const NAME_LISTS = new Map();

/**
 * Drains `client.cancelMany` over `size` names (all OPERATION_NAME, as the single calls name)
 * at `concurrency` in flight; throws at the first name that isn't `requested`.
 * @param {import('../dist/src').OperationsClient} client
 * @param {Batch} batch
 * @returns {Promise<number>} the results read
 */
async function cancelBatch(client, { size, concurrency }) {
  /** @type {readonly string[] | undefined} */
  let names = NAME_LISTS.get(size);
  if (!names) NAME_LISTS.set(size, (names = Object.freeze(new Array(size).fill(OPERATION_NAME))));
  let results = 0;
  for await (const result of client.cancelMany(names, { concurrency })) {
    if (result.outcome !== 'requested') {
      const why = 'error' in result && result.error ? `: ${result.error.message}` : '';
      throw new Error(`cancelMany: ${result.name} ${result.outcome}${why}`);
    }
    results++;
  }
  if (results !== size) throw new Error(`cancelMany: ${results} results for ${size} names`);
  return results;
}

/**
 * @returns {Peer} grpc-js with a hand-written method definition, encoder and Operation decoder
 * (wire.js): the gRPC floor.
 */
function rawGrpc() {
  /** @type {import('@grpc/grpc-js').Client} */
  let client;
  const ignoreEmpty = () => ({});
  const request = (/** @type {string} */ path, /** @type {(bytes: Buffer) => unknown} */ decode) =>
    new Promise((resolve, reject) => {
      client.makeUnaryRequest(path, encodeNameRequest, decode, OPERATION_NAME, (error, response) =>
        error ? reject(error) : resolve(response),
      );
    });
  return {
    name: 'raw-grpc-js',
    transport: 'grpc',
    methods: BOTH,
    async setup(target) {
      const grpc = require('@grpc/grpc-js');
      client = new grpc.Client(target.grpc, grpc.credentials.createInsecure());
    },
    call(method) {
      if (method === 'CancelOperation') return request(GRPC_PATHS.CancelOperation, ignoreEmpty);
      if (method === 'GetOperation') return request(GRPC_PATHS.GetOperation, decodeOperation);
      return unknownMethod(method);
    },
    async close() {
      client.close();
    },
  };
}

/** @returns {Peer} google-gax's OperationsClient over gRPC, without credentials. */
function gaxGrpc() {
  /** @type {any} */
  let client;
  const options = { timeout: CALL_TIMEOUT_MS };
  return {
    name: 'google-gax',
    transport: 'grpc',
    methods: BOTH,
    async setup(target) {
      const { GoogleAuth, googleAuthLibrary, grpc, lro } = require('google-gax');
      const colon = target.grpc.lastIndexOf(':');
      const auth = new GoogleAuth({ authClient: new googleAuthLibrary.PassThroughClient() });
      client = lro({ auth }).operationsClient({
        servicePath: target.grpc.slice(0, colon),
        port: Number(target.grpc.slice(colon + 1)),
        sslCreds: grpc.credentials.createInsecure(),
        'grpc.enable_http_proxy': 0,
      });
    },
    call(method) {
      if (method === 'CancelOperation') return client.cancelOperation({ name: OPERATION_NAME }, options);
      if (method === 'GetOperation') return client.getOperation({ name: OPERATION_NAME }, options);
      return unknownMethod(method);
    },
    async close() {
      await client.close();
    },
  };
}

/** @returns {Peer} nice-grpc with ts-proto's grpc-js service definition. */
function niceGrpc() {
  /** @type {import('nice-grpc').Channel} */
  let channel;
  /** @type {any} */
  let client;
  return {
    name: 'nice-grpc',
    transport: 'grpc',
    methods: BOTH,
    async setup(target) {
      const { createChannel, createClient } = require('nice-grpc');
      const { OperationsService } = require('../dist/generated/google/longrunning/operations');
      channel = createChannel(target.grpc);
      client = createClient(OperationsService, channel);
    },
    call(method) {
      if (method === 'CancelOperation') return client.cancelOperation({ name: OPERATION_NAME });
      if (method === 'GetOperation') return client.getOperation({ name: OPERATION_NAME });
      return unknownMethod(method);
    },
    async close() {
      channel.close();
    },
  };
}

/**
 * The requests raw undici makes, by method. CancelOperation's transcoded request is the JSON
 * `{}` (HTTP rule `body: "*"`: every field but `name`, which is in the path), sent as longrun's
 * REST transport (and google-gax's REST fallback) sends it.
 */
const UNDICI_REQUESTS = Object.freeze({
  CancelOperation: Object.freeze({
    ...REST_ROUTES.CancelOperation,
    headers: Object.freeze({ 'content-type': 'application/json' }),
    body: '{}',
  }),
  GetOperation: REST_ROUTES.GetOperation,
});

/** @returns {Peer} an undici Pool, JSON request bodies and responses parsed by JSON.parse: the REST floor. */
function rawUndici() {
  /** @type {import('undici').Pool} */
  let pool;
  return {
    name: 'raw-undici',
    transport: 'rest',
    methods: BOTH,
    async setup(target) {
      const { Pool } = require('undici');
      pool = new Pool(target.http);
    },
    async call(method) {
      const request = UNDICI_REQUESTS[/** @type {keyof typeof UNDICI_REQUESTS} */ (method)] ?? unknownMethod(method);
      const { statusCode, body } = await pool.request(request);
      const text = await body.text();
      if (statusCode !== 200) throw new Error(`HTTP ${statusCode}: ${text.slice(0, 200)}`);
      return JSON.parse(text);
    },
    close: () => pool.close(),
  };
}

/**
 * @param {unknown} value a data point's value
 * @returns {number} a histogram's count; 0 for anything else
 */
function histogramCount(value) {
  const count = typeof value === 'object' && value !== null && 'count' in value ? value.count : 0;
  return typeof count === 'number' ? count : 0;
}

/** Every peer, by name, in the order of the report. */
const PEERS = Object.freeze({
  'longrun-grpc': longrunGrpc,
  'longrun-rest': longrunRest,
  'raw-grpc-js': rawGrpc,
  'google-gax': gaxGrpc,
  'nice-grpc': niceGrpc,
  'raw-undici': rawUndici,
  'longrun-grpc-otel': longrunGrpcOtel,
  'longrun-grpc-otel-sdk': longrunGrpcOtelSdk,
  'longrun-rest-otel': longrunRestOtel,
  'longrun-rest-otel-sdk': longrunRestOtelSdk,
});

/**
 * The traced longrun peers, each with the plain longrun peer it is compared with (same
 * transport) and how it is traced: `noop` (no SDK registered) or `sdk` (a real one).
 * @type {Readonly<Record<string, { plain: string, telemetry: 'noop' | 'sdk' }>>}
 */
const OTEL_PEERS = Object.freeze({
  'longrun-grpc-otel': { plain: 'longrun-grpc', telemetry: 'noop' },
  'longrun-grpc-otel-sdk': { plain: 'longrun-grpc', telemetry: 'sdk' },
  'longrun-rest-otel': { plain: 'longrun-rest', telemetry: 'noop' },
  'longrun-rest-otel-sdk': { plain: 'longrun-rest', telemetry: 'sdk' },
});

/** The floor each transport is compared with. */
const FLOORS = Object.freeze({ grpc: 'raw-grpc-js', rest: 'raw-undici' });

/**
 * @param {string} name
 * @returns {Peer}
 */
function createPeer(name) {
  const factory = PEERS[/** @type {keyof typeof PEERS} */ (name)];
  if (!factory) throw new Error(`unknown peer ${JSON.stringify(name)}; known: ${Object.keys(PEERS).join(', ')}`);
  return factory();
}

module.exports = { FLOORS, OTEL_PEERS, PEERS, createPeer };
