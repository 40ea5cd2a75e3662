'use strict';
/**
 * What travels between the bench peers and the bench server: the operation name, the gRPC
 * method paths, the REST routes, a hand-written protobuf encoder for `{name}` requests, and
 * the Operation every GetOperation answers (as proto3 JSON; the server encodes it to bytes).
 */
const { Buffer } = require('node:buffer');

/** The one operation every call names (Optimization v1's `projects/*\/operations/*`). */
const OPERATION_NAME = 'projects/p/operations/o';

/** gRPC method paths, by method. */
const GRPC_PATHS = Object.freeze({
  CancelOperation: '/google.longrunning.Operations/CancelOperation',
  GetOperation: '/google.longrunning.Operations/GetOperation',
});

/** REST routes (Optimization v1's HTTP rules), by method. */
const REST_ROUTES = Object.freeze({
  CancelOperation: Object.freeze({ method: 'POST', path: `/v1/${OPERATION_NAME}:cancel` }),
  GetOperation: Object.freeze({ method: 'GET', path: `/v1/${OPERATION_NAME}` }),
});

const METADATA_TYPE = 'longrun.emulator.v1.ProgressMetadata';

/**
 * The Operation GetOperation answers, in the proto3 JSON mapping: a cancelled operation with
 * progress metadata, what a caller reads right after a cancel.
 */
const OPERATION_JSON = Object.freeze({
  name: OPERATION_NAME,
  metadata: { '@type': `type.googleapis.com/${METADATA_TYPE}`, createTimeMs: '1700000000000', percentDone: 40 },
  done: true,
  error: { code: 1, message: 'The operation was cancelled.' },
});

/**
 * Encodes a request whose only field is `string name = 1` (wire type 2), as
 * CancelOperationRequest and GetOperationRequest are.
 * @param {string} name
 * @returns {Buffer}
 */
function encodeNameRequest(name) {
  const length = Buffer.byteLength(name, 'utf8');
  const out = Buffer.allocUnsafe(1 + varintSize(length) + length);
  out[0] = 0x0a; // field 1, wire type 2 (length-delimited)
  const offset = writeVarint(out, 1, length);
  out.write(name, offset, 'utf8');
  return out;
}

/**
 * @param {number} value a non-negative integer below 2^31
 * @returns {number} how many bytes its varint takes
 */
function varintSize(value) {
  let size = 1;
  for (let rest = value >>> 7; rest !== 0; rest >>>= 7) size++;
  return size;
}

/**
 * Writes `value` as a varint at `offset`.
 * @param {Buffer} out
 * @param {number} offset
 * @param {number} value a non-negative integer below 2^31
 * @returns {number} the offset after it
 */
function writeVarint(out, offset, value) {
  let rest = value;
  while (rest > 0x7f) {
    out[offset++] = (rest & 0x7f) | 0x80;
    rest >>>= 7;
  }
  out[offset++] = rest;
  return offset;
}

/**
 * Throws unless `host` is the IPv4 loopback: nothing in the bench talks to anything else.
 * @param {string} host
 */
function assertLoopback(host) {
  if (host !== '127.0.0.1') throw new Error(`the bench only talks to 127.0.0.1, not ${JSON.stringify(host)}`);
}

module.exports = {
  GRPC_PATHS,
  METADATA_TYPE,
  OPERATION_JSON,
  OPERATION_NAME,
  REST_ROUTES,
  assertLoopback,
  encodeNameRequest,
};
