'use strict';
/**
 * The clients compared ("peers"). A peer is an object with
 *   - name, transport ('grpc' or 'rest'), methods (what `call` accepts),
 *   - async setup(target): load the library and make a client (libraries are required here,
 *     not at the top of this file, so that cold start counts their loading),
 *   - call(method): one call, a promise; it rejects when the call fails,
 *   - close().
 * To add one, write a factory below and list it in PEERS.
 */
const { GRPC_PATHS, OPERATION_NAME, REST_ROUTES, encodeNameRequest } = require('./wire');

/** @typedef {{ grpc: string, http: string }} Target the bench server: `127.0.0.1:port` and `http://127.0.0.1:port` */
/** @typedef {{
 *   name: string, transport: 'grpc' | 'rest', methods: readonly string[],
 *   setup(target: Target): Promise<void>, call(method: string): Promise<unknown>, close(): Promise<void>
 * }} Peer */

/** Deadline of each call for the peers that set one (longrun's default is the same 10 s). */
const CALL_TIMEOUT_MS = 10_000;
const BOTH = Object.freeze(['CancelOperation', 'GetOperation']);

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
    methods: BOTH,
    async setup(target) {
      const { OperationsClient, createGrpcTransport } = require('../dist/src');
      client = new OperationsClient({ transport: createGrpcTransport({ address: target.grpc, insecure: true }) });
    },
    call: (method) => longrunCall(client, method),
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
    methods: BOTH,
    async setup(target) {
      const { OperationsClient, createRestTransport } = require('../dist/src');
      client = new OperationsClient({ transport: createRestTransport({ baseUrl: target.http, insecure: true }) });
    },
    call: (method) => longrunCall(client, method),
    close: () => client.close(),
  };
}

/**
 * @param {import('../dist/src').OperationsClient} client
 * @param {string} method
 * @returns {Promise<unknown>}
 */
function longrunCall(client, method) {
  if (method === 'CancelOperation') return client.cancelOperation(OPERATION_NAME);
  if (method === 'GetOperation') return client.getOperation(OPERATION_NAME);
  return unknownMethod(method);
}

/** @returns {Peer} grpc-js with a hand-written method definition: the gRPC floor. */
function rawGrpc() {
  /** @type {import('@grpc/grpc-js').Client} */
  let client;
  /** @param {Buffer} bytes */
  const keepBytes = (bytes) => bytes;
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
      if (method === 'GetOperation') return request(GRPC_PATHS.GetOperation, keepBytes);
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

/** @returns {Peer} an undici Pool and the body read as text: the REST floor. */
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
      const route = REST_ROUTES[/** @type {keyof typeof REST_ROUTES} */ (method)] ?? unknownMethod(method);
      const { statusCode, body } = await pool.request(route);
      const text = await body.text();
      if (statusCode !== 200) throw new Error(`HTTP ${statusCode}: ${text.slice(0, 200)}`);
      return text;
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
