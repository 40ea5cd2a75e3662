/**
 * The proto3 JSON mapping of the messages that carry google.protobuf.Any (Operation, Status,
 * ListOperationsResponse), with Any in its canonical `"@type"` form both ways. A type the
 * registry knows becomes the same bytes gRPC would carry, so an Operation read over REST
 * deep-equals the one read over gRPC; an unknown type keeps its JSON (see `Any.json`).
 * Everything else is the generated codecs' own JSON mapping.
 */
import {
  encodeWithCodec,
  type Any,
  type ListOperationsResponse,
  type Operation,
  type Status,
  type TypeRegistry,
} from './proto';

/** Well-known types whose JSON isn't an object: packed as `{"@type": ..., "value": <their JSON>}`. */
const VALUE_FORM = new Set([
  'google.protobuf.Duration',
  'google.protobuf.Timestamp',
  'google.protobuf.FieldMask',
  'google.protobuf.Struct',
  'google.protobuf.Value',
  'google.protobuf.ListValue',
  'google.protobuf.DoubleValue',
  'google.protobuf.FloatValue',
  'google.protobuf.Int64Value',
  'google.protobuf.UInt64Value',
  'google.protobuf.Int32Value',
  'google.protobuf.UInt32Value',
  'google.protobuf.BoolValue',
  'google.protobuf.StringValue',
  'google.protobuf.BytesValue',
]);

/** The malformed-JSON failure; the transport turns it into an OperationsError. */
export class JsonShapeError extends Error {
  override readonly name = 'JsonShapeError';
}

type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function object(value: unknown, what: string): JsonObject {
  if (!isObject(value)) throw new JsonShapeError(`${what} is not a JSON object`);
  return value;
}

function typeName(typeUrl: string): string {
  return typeUrl.slice(typeUrl.lastIndexOf('/') + 1);
}

/** `{"@type": url, ...fields}` -> Any; never throws for an unknown or undecodable type. */
export function anyFromJson(json: unknown, registry: TypeRegistry): Any {
  const any = object(json, 'an Any');
  const typeUrl = any['@type'];
  if (typeof typeUrl !== 'string' || typeUrl === '') throw new JsonShapeError('an Any has no "@type"');
  // The fields but "@type", copied by a loop (rest destructuring takes a slow path in V8);
  // "__proto__" is no proto field name, and assigning it would set the copy's prototype.
  const fields: JsonObject = {};
  for (const key of Object.keys(any)) if (key !== '@type' && key !== '__proto__') fields[key] = any[key];
  const name = typeName(typeUrl);
  const codec = registry.get(name);
  if (codec) {
    try {
      const message = codec.fromJSON(VALUE_FORM.has(name) ? fields['value'] : fields);
      return { typeUrl, value: encodeWithCodec(codec, message) };
    } catch {
      // Fields the codec can't read: keep them as they came, below.
    }
  }
  return { typeUrl, value: Buffer.alloc(0), json: fields };
}

/** Any -> `{"@type": url, ...fields}`; an unknown binary type is written as `{"@type", "value": base64}`. */
export function anyToJson(any: Any, registry: TypeRegistry): JsonObject {
  if (any.json) return { '@type': any.typeUrl, ...any.json };
  const name = typeName(any.typeUrl);
  const codec = registry.get(name);
  if (!codec) return { '@type': any.typeUrl, value: Buffer.from(any.value).toString('base64') };
  const json = codec.toJSON(codec.decode(any.value));
  return VALUE_FORM.has(name) || !isObject(json)
    ? { '@type': any.typeUrl, value: json }
    : { '@type': any.typeUrl, ...json };
}

export function statusFromJson(json: unknown, registry: TypeRegistry): Status {
  const { code = 0, message = '', details = [] } = object(json, 'a Status');
  if (typeof code !== 'number' || typeof message !== 'string' || !Array.isArray(details)) {
    throw new JsonShapeError('a Status has fields of the wrong type');
  }
  return { code, message, details: details.map((d) => anyFromJson(d, registry)) };
}

export function statusToJson(status: Status, registry: TypeRegistry): JsonObject {
  const json: JsonObject = {};
  if (status.code !== 0) json['code'] = status.code;
  if (status.message !== '') json['message'] = status.message;
  if (status.details.length > 0) json['details'] = status.details.map((d) => anyToJson(d, registry));
  return json;
}

export function operationFromJson(json: unknown, registry: TypeRegistry): Operation {
  const { name = '', done = false, metadata, error, response } = object(json, 'an Operation');
  if (typeof name !== 'string' || typeof done !== 'boolean')
    throw new JsonShapeError('an Operation has fields of the wrong type');
  const operation: Operation = { name, done };
  if (metadata !== undefined && metadata !== null) operation.metadata = anyFromJson(metadata, registry);
  if (error !== undefined && error !== null) operation.error = statusFromJson(error, registry);
  else if (response !== undefined && response !== null) operation.response = anyFromJson(response, registry);
  return operation;
}

export function operationToJson(operation: Operation, registry: TypeRegistry): JsonObject {
  const json: JsonObject = { name: operation.name };
  if (operation.metadata) json['metadata'] = anyToJson(operation.metadata, registry);
  if (operation.done) json['done'] = true;
  if (operation.error) json['error'] = statusToJson(operation.error, registry);
  else if (operation.response) json['response'] = anyToJson(operation.response, registry);
  return json;
}

export function listResponseFromJson(json: unknown, registry: TypeRegistry): ListOperationsResponse {
  const { operations = [], nextPageToken = '', unreachable = [] } = object(json, 'a ListOperationsResponse');
  if (
    !Array.isArray(operations) ||
    typeof nextPageToken !== 'string' ||
    !Array.isArray(unreachable) ||
    !unreachable.every((u) => typeof u === 'string')
  ) {
    throw new JsonShapeError('a ListOperationsResponse has fields of the wrong type');
  }
  return {
    operations: operations.map((o) => operationFromJson(o, registry)),
    nextPageToken,
    unreachable: unreachable as string[],
  };
}

export function listResponseToJson(response: ListOperationsResponse, registry: TypeRegistry): JsonObject {
  const json: JsonObject = { operations: response.operations.map((o) => operationToJson(o, registry)) };
  if (response.nextPageToken !== '') json['nextPageToken'] = response.nextPageToken;
  if (response.unreachable.length > 0) json['unreachable'] = response.unreachable;
  return json;
}
