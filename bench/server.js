'use strict';
/**
 * The bench server, in its own process: a minimal grpc-js server and a node:http server on
 * 127.0.0.1 (port 0 each), answering CancelOperation and GetOperation with bytes encoded
 * once at start. It doesn't decode requests or record anything, so that the clients, not
 * the server, are what is measured (longrun's emulator records every request and would be
 * the bottleneck). Prints `{"grpcPort":…,"httpPort":…}` on one line once both listen; exits
 * when its standard input closes (the parent's end) or on SIGTERM.
 */
const http = require('node:http');
const { Buffer } = require('node:buffer');
const { once } = require('node:events');
const { setTimeout } = require('node:timers');
const grpc = require('@grpc/grpc-js');
const { GRPC_PATHS, METADATA_TYPE, OPERATION_JSON, REST_ROUTES } = require('./wire');

const HOST = '127.0.0.1';
/** How long a clean shutdown may take before the process exits anyway. */
const SHUTDOWN_GRACE_MS = 2000;

/** @param {Buffer} bytes */
const identity = (bytes) => bytes;

/**
 * A unary method on raw bytes both ways.
 * @param {string} path
 * @returns {import('@grpc/grpc-js').MethodDefinition<Buffer, Buffer>}
 */
function bytesMethod(path) {
  return {
    path,
    requestStream: false,
    responseStream: false,
    requestSerialize: identity,
    requestDeserialize: identity,
    responseSerialize: identity,
    responseDeserialize: identity,
  };
}

/** @returns {Buffer} OPERATION_JSON as protobuf bytes, with ts-proto's codecs. */
function operationBytes() {
  const { Operation } = require('../dist/generated/google/longrunning/operations');
  const { ProgressMetadata } = require('../dist/generated/longrun/emulator/v1/progress');
  const { metadata } = OPERATION_JSON;
  if (!metadata['@type'].endsWith(`/${METADATA_TYPE}`)) throw new Error('metadata type mismatch');
  const progress = ProgressMetadata.encode(ProgressMetadata.fromJSON(metadata)).finish();
  const operation = Operation.fromJSON({ ...OPERATION_JSON, metadata: undefined });
  operation.metadata = { typeUrl: metadata['@type'], value: Buffer.from(progress) };
  return Buffer.from(Operation.encode(operation).finish());
}

/**
 * @returns {Promise<{ port: number, close(): void }>}
 */
async function startGrpc() {
  const server = new grpc.Server({ 'grpc.enable_channelz': 0 });
  const empty = Buffer.alloc(0);
  const operation = operationBytes();
  const service = {
    CancelOperation: bytesMethod(GRPC_PATHS.CancelOperation),
    GetOperation: bytesMethod(GRPC_PATHS.GetOperation),
  };
  server.addService(service, {
    CancelOperation: (/** @type {unknown} */ _call, /** @type {grpc.sendUnaryData<Buffer>} */ callback) =>
      callback(null, empty),
    GetOperation: (/** @type {unknown} */ _call, /** @type {grpc.sendUnaryData<Buffer>} */ callback) =>
      callback(null, operation),
  });
  const port = await new Promise((resolve, reject) => {
    server.bindAsync(`${HOST}:0`, grpc.ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    );
  });
  return { port, close: () => server.forceShutdown() };
}

/**
 * @returns {Promise<{ port: number, close(): void }>}
 */
async function startHttp() {
  const operation = Buffer.from(JSON.stringify(OPERATION_JSON));
  const emptyObject = Buffer.from('{}');
  /** @type {Map<string, Buffer>} `${verb} ${path}` -> body */
  const answers = new Map([
    [`${REST_ROUTES.CancelOperation.method} ${REST_ROUTES.CancelOperation.path}`, emptyObject],
    [`${REST_ROUTES.GetOperation.method} ${REST_ROUTES.GetOperation.path}`, operation],
  ]);
  const notFound = Buffer.from(JSON.stringify({ error: { code: 404, message: 'no such route', status: 'NOT_FOUND' } }));
  const server = http.createServer({ keepAliveTimeout: 30_000 }, (request, response) => {
    request.resume(); // the body (longrun's `{}` on cancel) is not read
    const body = answers.get(`${request.method} ${request.url}`);
    response.writeHead(body ? 200 : 404, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': (body ?? notFound).length,
    });
    response.end(body ?? notFound);
  });
  server.listen(0, HOST);
  await once(server, 'listening');
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  return {
    port: address.port,
    close() {
      server.closeAllConnections();
      server.close();
    },
  };
}

async function main() {
  const [grpcServer, httpServer] = await Promise.all([startGrpc(), startHttp()]);
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    grpcServer.close();
    httpServer.close();
    setTimeout(() => process.exit(0), SHUTDOWN_GRACE_MS).unref();
  };
  process.stdin.on('end', stop).on('error', stop).resume();
  process.on('SIGTERM', stop);
  process.stdout.write(`${JSON.stringify({ grpcPort: grpcServer.port, httpPort: httpServer.port })}\n`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
