'use strict';
/**
 * What travels between the bench peers and the bench server: the operation name, the gRPC
 * method paths, the REST routes, a hand-written protobuf encoder for `{name}` requests and
 * decoder for Operations (raw grpc-js's), and the Operation every GetOperation answers (as
 * proto3 JSON; the server encodes it to bytes).
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

/** @typedef {{ typeUrl: string, value: Buffer }} DecodedAny */
/** @typedef {{ code: number, message: string, details: DecodedAny[] }} DecodedStatus */
/** @typedef {{
 *   name: string, metadata: DecodedAny | undefined, done: boolean,
 *   error: DecodedStatus | undefined, response: DecodedAny | undefined
 * }} DecodedOperation */

const EMPTY = Buffer.alloc(0);

/**
 * A cursor over protobuf bytes, from `pos` to `end`: just what decoding an Operation takes.
 * Bytes fields are views into the input, not copies (as ts-proto's and protobufjs' are).
 */
class ProtoReader {
  /**
   * @param {Buffer} bytes
   * @param {number} [pos]
   * @param {number} [end]
   */
  constructor(bytes, pos = 0, end = bytes.length) {
    this.bytes = bytes;
    this.pos = pos;
    this.end = end;
  }

  /** @returns {boolean} whether every byte has been read */
  done() {
    return this.pos >= this.end;
  }

  /** @returns {number} a varint's low 32 bits as an int32 (what int32 fields and bools take) */
  varint() {
    let value = 0;
    for (let shift = 0; shift < 70; shift += 7) {
      if (this.pos >= this.end) throw new RangeError('protobuf: truncated varint');
      const byte = this.bytes[this.pos++];
      if (shift < 32) value |= (byte & 0x7f) << shift;
      if (byte < 0x80) return value;
    }
    throw new RangeError('protobuf: varint longer than 10 bytes');
  }

  /** @returns {number} a tag or a length: the varint as an unsigned 32-bit number */
  uint32() {
    return this.varint() >>> 0;
  }

  /**
   * Moves past `length` bytes.
   * @param {number} length
   * @returns {number} where they start
   */
  advance(length) {
    const start = this.pos;
    if (length > this.end - start) throw new RangeError('protobuf: truncated field');
    this.pos = start + length;
    return start;
  }

  /** @returns {ProtoReader} a length-delimited field's bytes, to read as a message */
  message() {
    const length = this.uint32();
    const start = this.advance(length);
    return new ProtoReader(this.bytes, start, start + length);
  }

  /** @returns {string} a length-delimited field as UTF-8 */
  string() {
    const length = this.uint32();
    const start = this.advance(length);
    return this.bytes.toString('utf8', start, start + length);
  }

  /** @returns {Buffer} a length-delimited field's bytes (a view) */
  bytesField() {
    const length = this.uint32();
    const start = this.advance(length);
    return this.bytes.subarray(start, start + length);
  }

  /**
   * Skips the value of a field this decoder doesn't know, by its wire type.
   * @param {number} tag the field's tag, already read
   */
  skip(tag) {
    if (tag >>> 3 === 0) throw new RangeError('protobuf: field number 0');
    switch (tag & 7) {
      case 0: // varint
        this.varint();
        return;
      case 1: // 64-bit
        this.advance(8);
        return;
      case 2: // length-delimited
        this.advance(this.uint32());
        return;
      case 3: // group (deprecated): fields up to the end-group tag of the same field number
        for (;;) {
          if (this.done()) throw new RangeError('protobuf: unterminated group');
          const inner = this.uint32();
          if ((inner & 7) === 4 && inner >>> 3 === tag >>> 3) return;
          this.skip(inner);
        }
      case 5: // 32-bit
        this.advance(4);
        return;
      default: // 4 (an end-group without its start), 6, 7
        throw new RangeError(`protobuf: wire type ${tag & 7} where a field was expected`);
    }
  }
}

/**
 * Decodes a google.longrunning.Operation into a plain object, by hand (raw grpc-js's decoder).
 * A field of a known number but another wire type is skipped, as ts-proto's decoders do; a
 * message field seen twice keeps the last (ts-proto's too); `error` and `response` are a oneof.
 * @param {Buffer} bytes
 * @returns {DecodedOperation}
 */
function decodeOperation(bytes) {
  const reader = new ProtoReader(bytes);
  /** @type {DecodedOperation} */
  const operation = { name: '', metadata: undefined, done: false, error: undefined, response: undefined };
  while (!reader.done()) {
    const tag = reader.uint32();
    switch (tag) {
      case 0x0a: // 1 name, string
        operation.name = reader.string();
        break;
      case 0x12: // 2 metadata, Any
        operation.metadata = decodeAny(reader.message());
        break;
      case 0x18: // 3 done, bool
        operation.done = reader.varint() !== 0;
        break;
      case 0x22: // 4 error, google.rpc.Status
        operation.error = decodeStatus(reader.message());
        operation.response = undefined;
        break;
      case 0x2a: // 5 response, Any
        operation.response = decodeAny(reader.message());
        operation.error = undefined;
        break;
      default:
        reader.skip(tag);
    }
  }
  return operation;
}

/**
 * google.protobuf.Any: 1 type_url string, 2 value bytes.
 * @param {ProtoReader} reader
 * @returns {DecodedAny}
 */
function decodeAny(reader) {
  /** @type {DecodedAny} */
  const any = { typeUrl: '', value: EMPTY };
  while (!reader.done()) {
    const tag = reader.uint32();
    if (tag === 0x0a) any.typeUrl = reader.string();
    else if (tag === 0x12) any.value = reader.bytesField();
    else reader.skip(tag);
  }
  return any;
}

/**
 * google.rpc.Status: 1 code int32, 2 message string, 3 details repeated Any.
 * @param {ProtoReader} reader
 * @returns {DecodedStatus}
 */
function decodeStatus(reader) {
  /** @type {DecodedStatus} */
  const status = { code: 0, message: '', details: [] };
  while (!reader.done()) {
    const tag = reader.uint32();
    if (tag === 0x08) status.code = reader.varint();
    else if (tag === 0x12) status.message = reader.string();
    else if (tag === 0x1a) status.details.push(decodeAny(reader.message()));
    else reader.skip(tag);
  }
  return status;
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
  decodeOperation,
  encodeNameRequest,
};
