'use strict';
/**
 * The server of `bench/matching.js`, in its own process so that only the client is measured:
 * a minimal grpc-js server on 127.0.0.1 (port 0) holding `BENCH_MATCHING_COUNT` (default
 * 200,000) running operations `projects/bench/operations/op-<i>`, one bit each. ListOperations
 * pages them (filter '' or `done = false|true`, page size default 100, at most 1000) with
 * cursor page tokens (the index after the last one returned), CancelOperation marks one done
 * (NOT_FOUND for an unknown name). Nothing is recorded. Prints `{"grpcPort":…}` once it
 * listens; when its standard input closes (or on SIGTERM) prints `{"cancels":…}` (operations
 * cancelled) and exits.
 */
const { Buffer } = require('node:buffer');
const grpc = require('@grpc/grpc-js');
const {
  CancelOperationRequest,
  ListOperationsRequest,
  ListOperationsResponse,
} = require('../dist/generated/google/longrunning/operations');

const HOST = '127.0.0.1';
const PARENT = 'projects/bench';
const PREFIX = `${PARENT}/operations/op-`;
const COUNT = Number(process.env['BENCH_MATCHING_COUNT'] ?? 200_000);
/** One byte per operation: 1 once cancelled. */
const cancelled = new Uint8Array(COUNT);
let cancels = 0;

/**
 * @template T
 * @param {string} path
 * @param {{ decode(bytes: Uint8Array): T }} request
 * @returns {import('@grpc/grpc-js').MethodDefinition<T, Buffer>}
 */
function method(path, request) {
  return {
    path: `/google.longrunning.Operations/${path}`,
    requestStream: false,
    responseStream: false,
    requestSerialize: () => Buffer.alloc(0),
    requestDeserialize: (bytes) => request.decode(bytes),
    responseSerialize: (bytes) => bytes,
    responseDeserialize: (bytes) => bytes,
  };
}

/** @param {string} filter @returns {boolean | undefined | null} the wanted `done`, undefined for all, null if unsupported */
function wantedDone(filter) {
  const trimmed = filter.trim();
  if (trimmed === '') return undefined;
  const match = /^done\s*=\s*(true|false)$/.exec(trimmed);
  return match ? match[1] === 'true' : null;
}

/** @param {import('../dist/generated/google/longrunning/operations').ListOperationsRequest} request */
function list(request) {
  const want = wantedDone(request.filter);
  if (request.name !== PARENT || want === null) return undefined;
  const size = Math.min(request.pageSize || 100, 1000);
  let i = request.pageToken === '' ? 0 : Number(request.pageToken);
  const operations = [];
  for (; i < COUNT && operations.length < size; i++) {
    const done = cancelled[i] === 1;
    if (want !== undefined && done !== want) continue;
    operations.push({
      name: `${PREFIX}${i}`,
      metadata: undefined,
      done,
      ...(done && { error: { code: 1, message: 'cancelled', details: [] } }),
    });
  }
  // A cursor: the next page starts after the last operation looked at, whatever changed since.
  let more = false;
  for (let j = i; j < COUNT; j++) {
    if (want === undefined || (cancelled[j] === 1) === want) {
      more = true;
      break;
    }
  }
  return Buffer.from(
    ListOperationsResponse.encode({ operations, nextPageToken: more ? String(i) : '', unreachable: [] }).finish(),
  );
}

async function main() {
  const server = new grpc.Server({ 'grpc.enable_channelz': 0 });
  const empty = Buffer.alloc(0);
  server.addService(
    {
      ListOperations: method('ListOperations', ListOperationsRequest),
      CancelOperation: method('CancelOperation', CancelOperationRequest),
    },
    {
      ListOperations: (/** @type {any} */ call, /** @type {grpc.sendUnaryData<Buffer>} */ callback) => {
        const page = list(call.request);
        if (page) callback(null, page);
        else callback({ code: grpc.status.INVALID_ARGUMENT, details: 'unknown parent or unsupported filter' });
      },
      CancelOperation: (/** @type {any} */ call, /** @type {grpc.sendUnaryData<Buffer>} */ callback) => {
        const name = String(call.request.name);
        const i = name.startsWith(PREFIX) ? Number(name.slice(PREFIX.length)) : NaN;
        if (!(Number.isInteger(i) && i >= 0 && i < COUNT)) {
          callback({ code: grpc.status.NOT_FOUND, details: `operation ${name} not found` });
          return;
        }
        if (cancelled[i] === 0) cancels++;
        cancelled[i] = 1;
        callback(null, empty);
      },
    },
  );
  const port = await new Promise((resolve, reject) => {
    server.bindAsync(`${HOST}:0`, grpc.ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    );
  });
  const stop = () => {
    process.stdout.write(`${JSON.stringify({ cancels })}\n`);
    server.forceShutdown();
    process.exit(0);
  };
  process.stdin.on('end', stop).on('error', stop).resume();
  process.on('SIGTERM', stop);
  process.stdout.write(`${JSON.stringify({ grpcPort: port })}\n`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
