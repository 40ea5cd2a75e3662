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
  /** @type {import('../dist/src').OperationsClient} */
  let client;
  return {
    name: 'longrun-grpc',
    transport: 'grpc',
    methods: LONGRUN,
    async setup(target) {
      const { OperationsClient, createGrpcTransport } = require('../dist/src');
      client = new OperationsClient({ transport: createGrpcTransport({ address: target.grpc, insecure: true }) });
    },
    call: (method, batch) => longrunCall(client, method, batch),
    close: () => client.close(),
  };
}

/** @returns {Peer} longrun's OperationsClient over its REST transport. */
function longrunRest() {
  /** @type {import('../dist/src').OperationsClient} */
  let client;
  return {
    name: 'longrun-rest',
    transport: 'rest',
    methods: LONGRUN,
    async setup(target) {
      const { OperationsClient, createRestTransport } = require('../dist/src');
      client = new OperationsClient({ transport: createRestTransport({ baseUrl: target.http, insecure: true }) });
    },
    call: (method, batch) => longrunCall(client, method, batch),
    close: () => client.close(),
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

/** Every peer, by name, in the order of the report. */
const PEERS = Object.freeze({
  'longrun-grpc': longrunGrpc,
  'longrun-rest': longrunRest,
  'raw-grpc-js': rawGrpc,
  'google-gax': gaxGrpc,
  'nice-grpc': niceGrpc,
  'raw-undici': rawUndici,
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

module.exports = { FLOORS, PEERS, createPeer };
