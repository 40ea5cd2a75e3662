/**
 * The proto3 JSON mapping of the messages that carry google.protobuf.Any (Operation, Status,
 * ListOperationsResponse), with Any in its canonical `"@type"` form both ways, as
 * `@bufbuild/protobuf` (conformance-tested) writes and reads it. A type the registry knows
 * becomes the same bytes gRPC would carry, so an Operation read over REST deep-equals the one
 * read over gRPC.
 *
 * How the message in an Any is mapped, by what longrun knows of its type:
 *
 * - The well-known types with a JSON form of their own (the wrappers, Struct, Value, ListValue,
 *   Timestamp, Duration, FieldMask): `{"@type": url, "value": <its JSON>}`, e.g.
 *   `{"@type": "type.googleapis.com/google.protobuf.StringValue", "value": "done"}`, by
 *   `@bufbuild/protobuf` with its built-in descriptors, whatever the registry holds for them
 *   (they are known to every proto3 JSON implementation). Empty is `{"@type": url}`.
 * - The long-running API types of {@link defaultTypeRegistry} (Cloud Optimization, Route
 *   Optimization): by their fields, by `@bufbuild/protobuf` with longrun's descriptor set
 *   (`generated/descriptors.binpb`, in the package; read on first use, a file parsed when a type
 *   of it is first needed). The generated codecs' own JSON of these isn't canonical: a
 *   Timestamp field is a `Date` (nanoseconds lost), an enum number the code doesn't name is
 *   written `"UNRECOGNIZED"`. Without the descriptor set (a bundle that left it out), they fall
 *   back to the codecs' JSON. A codec a caller puts in place of longrun's is used as it is.
 * - longrun's other types (the google.rpc details, Empty, the emulator's ProgressMetadata) and
 *   any type a caller adds to the registry: by the codec's `toJSON` / `fromJSON`, by their fields;
 *   for longrun's own, test/property/json-conformance.property.test.ts checks that this is
 *   exactly `@bufbuild/protobuf`'s JSON (they have no Timestamp field and no enum).
 *
 * A type neither side knows is never guessed at, both ways:
 *
 * - An Any read from JSON whose type longrun doesn't know (or whose fields it can't read) keeps
 *   its JSON fields ({@link Any.json}) and is written back exactly as it came,
 *   `{"@type": url, ...fields}`: the sender's own form, which a parser that knows the type reads.
 * - An Any held as bytes whose type longrun doesn't know (or whose bytes have no JSON form: not
 *   a message of its type, a Timestamp out of range, a Value holding NaN) is written as the Any
 *   message's own fields, `{"typeUrl": url, "value": "<base64 of the bytes>"}`, with no `"@type"`.
 *   Every conformant proto3 JSON parser rejects an Any without `"@type"`, in every mode (ignoring
 *   unknown fields doesn't cover it), so none can misread the bytes, as one that knows the type
 *   would misread `{"@type": url, "value": "<base64>"}`: as the value of a wrapper, or of a field
 *   named `value`. longrun reads this form back to the same bytes, so the emulator's REST face and
 *   the REST transport lose nothing between them; a person or a script still sees the type URL.
 */
import type { DescFile, DescMessage, Registry as DescriptorRegistry, JsonValue } from '@bufbuild/protobuf';
import { descriptorSetFiles } from './descriptor-set';
import {
  API_TYPE_FILES,
  defaultTypeRegistry,
  encodeWithCodec,
  isDefaultCodec,
  type Any,
  type ListOperationsResponse,
  type MessageCodec,
  type Operation,
  type Status,
  type TypeRegistry,
} from './proto';

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

// --- @bufbuild/protobuf and the descriptors, loaded on first use (~30 ms, then a few ms a file) ---

/* eslint-disable @typescript-eslint/no-require-imports -- loaded on first use, not at start-up */
let protobufModule: typeof import('@bufbuild/protobuf') | undefined;
const protobuf = () => (protobufModule ??= require('@bufbuild/protobuf') as typeof import('@bufbuild/protobuf'));
let wktModule: typeof import('@bufbuild/protobuf/wkt') | undefined;
const wkt = () => (wktModule ??= require('@bufbuild/protobuf/wkt') as typeof import('@bufbuild/protobuf/wkt'));
/* eslint-enable @typescript-eslint/no-require-imports */

/** The well-known types whose JSON isn't their fields: always mapped by `@bufbuild/protobuf`. */
const SPECIAL_JSON = new Set([
  'google.protobuf.DoubleValue',
  'google.protobuf.FloatValue',
  'google.protobuf.Int64Value',
  'google.protobuf.UInt64Value',
  'google.protobuf.Int32Value',
  'google.protobuf.UInt32Value',
  'google.protobuf.BoolValue',
  'google.protobuf.StringValue',
  'google.protobuf.BytesValue',
  'google.protobuf.Struct',
  'google.protobuf.Value',
  'google.protobuf.ListValue',
  'google.protobuf.Timestamp',
  'google.protobuf.Duration',
  'google.protobuf.FieldMask',
]);

let wellKnown: DescriptorRegistry | undefined;
/** `@bufbuild/protobuf`'s own descriptors of the well-known types in {@link SPECIAL_JSON}. */
function wellKnownDescriptors(): DescriptorRegistry {
  if (!wellKnown) {
    const w = wkt();
    wellKnown = protobuf().createRegistry(
      w.file_google_protobuf_wrappers,
      w.file_google_protobuf_struct,
      w.file_google_protobuf_timestamp,
      w.file_google_protobuf_duration,
      w.file_google_protobuf_field_mask,
    );
  }
  return wellKnown;
}

/** The files built so far, by name; the well-known types' are @bufbuild/protobuf's own. */
let descFiles: Map<string, DescFile> | undefined;
function descFile(name: string): DescFile {
  if (!descFiles) {
    const w = wkt();
    descFiles = new Map(
      [
        w.file_google_protobuf_any,
        w.file_google_protobuf_descriptor,
        w.file_google_protobuf_duration,
        w.file_google_protobuf_empty,
        w.file_google_protobuf_field_mask,
        w.file_google_protobuf_struct,
        w.file_google_protobuf_timestamp,
        w.file_google_protobuf_wrappers,
      ].map((file) => [file.proto.name, file]),
    );
  }
  let file = descFiles.get(name);
  if (!file) {
    const bytes = descriptorSetFiles()?.get(name);
    if (!bytes) throw new Error(`no descriptor of ${name}`);
    const { createFileRegistry, fromBinary } = protobuf();
    const proto = fromBinary(wkt().FileDescriptorProtoSchema, bytes);
    // Its imports first, each built once (a proto file imports no file that imports it).
    const imports = new Map(proto.dependency.map((dependency) => [dependency, descFile(dependency)]));
    file = createFileRegistry(proto, (dependency) => imports.get(dependency)).getFile(name);
    if (!file) throw new Error(`no descriptor of ${name}`);
    descFiles.set(name, file);
  }
  return file;
}

/** The descriptors of each API type's file, by the type's name; null when the descriptor set isn't there. */
const apiDescriptors = new Map<string, DescriptorRegistry | null>();
function apiDescriptorsOf(name: string): DescriptorRegistry | null {
  let descriptors = apiDescriptors.get(name);
  if (descriptors === undefined) {
    const file = API_TYPE_FILES.get(name);
    descriptors =
      file !== undefined && descriptorSetFiles()?.has(file) ? protobuf().createRegistry(descFile(file)) : null;
    apiDescriptors.set(name, descriptors);
  }
  return descriptors;
}

/** How the message in an Any of a known type turns into JSON and back. */
type Mapping =
  | {
      /** By `@bufbuild/protobuf`, with these descriptors (which hold the type). */
      readonly descriptors: DescriptorRegistry;
    }
  | {
      /** By the codec's toJSON / fromJSON. */
      readonly codec: MessageCodec<unknown>;
    };

/** The mapping of the type `name`; undefined for a type neither the registry nor the well-known types hold. */
function mappingOf(name: string, registry: TypeRegistry): Mapping | undefined {
  if (SPECIAL_JSON.has(name)) return { descriptors: wellKnownDescriptors() };
  const codec = registry.get(name);
  if (!codec) return undefined;
  if (API_TYPE_FILES.has(name) && isDefaultCodec(name, codec)) {
    const descriptors = apiDescriptorsOf(name);
    if (descriptors?.getMessage(name)) return { descriptors };
  }
  return { codec };
}

/** The descriptor of `name` in `descriptors`, which hold it by construction of {@link mappingOf}. */
function descriptorOf(descriptors: DescriptorRegistry, name: string): DescMessage {
  const desc = descriptors.getMessage(name);
  if (!desc) throw new Error(`no descriptor of ${name}`);
  return desc;
}

// --- Any ---

/** Standard or URL-safe base64, padded or not: the proto3 JSON forms of bytes. */
const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;

/** `{"typeUrl": url, "value": base64}`: the form an Any of a type longrun doesn't know is written in. */
function binaryForm(any: Any): JsonObject {
  const json: JsonObject = { typeUrl: any.typeUrl };
  if (any.value.length > 0) json['value'] = Buffer.from(any.value).toString('base64');
  return json;
}

/** Reads {@link binaryForm} back; undefined for anything else. */
function fromBinaryForm(json: JsonObject): Any | undefined {
  const { typeUrl, value = '' } = json;
  const keys = Object.keys(json);
  if (typeof typeUrl !== 'string' || typeUrl === '' || typeof value !== 'string' || !BASE64.test(value)) {
    return undefined;
  }
  if (!keys.every((key) => key === 'typeUrl' || key === 'value')) return undefined;
  return { typeUrl, value: Buffer.from(value, 'base64') };
}

/**
 * `{"@type": url, ...fields}` -> Any; never throws for an unknown or unreadable type (its JSON
 * is kept in `json`). Also reads `{}` (an Any with no type, as proto3 JSON writes it) and
 * longrun's `{"typeUrl", "value"}` form of an unknown type (see the module's notes).
 */
export function anyFromJson(json: unknown, registry: TypeRegistry): Any {
  const any = object(json, 'an Any');
  const typeUrl = any['@type'];
  if (typeUrl === undefined) {
    if (Object.keys(any).length === 0) return { typeUrl: '', value: Buffer.alloc(0) };
    const binary = fromBinaryForm(any);
    if (binary) return binary;
  }
  if (typeof typeUrl !== 'string' || typeUrl === '') throw new JsonShapeError('an Any has no "@type"');
  // The fields but "@type", copied by a loop (rest destructuring takes a slow path in V8);
  // "__proto__" is no proto field name, and assigning it would set the copy's prototype.
  const fields: JsonObject = {};
  for (const key of Object.keys(any)) if (key !== '@type' && key !== '__proto__') fields[key] = any[key];
  const name = typeName(typeUrl);
  const mapping = mappingOf(name, registry);
  if (mapping) {
    try {
      return { typeUrl, value: bytesFromJson(mapping, name, typeUrl, fields) };
    } catch {
      // Fields the mapping can't read: keep them as they came, below.
    }
  }
  return { typeUrl, value: Buffer.alloc(0), json: fields };
}

function bytesFromJson(mapping: Mapping, name: string, typeUrl: string, fields: JsonObject): Buffer {
  if ('codec' in mapping) return encodeWithCodec(mapping.codec, mapping.codec.fromJSON(fields));
  const { fromJson, toBinary } = protobuf();
  const desc = descriptorOf(mapping.descriptors, name);
  // As @bufbuild/protobuf reads an Any: a type with a JSON form of its own from "value".
  const json = SPECIAL_JSON.has(name) ? fields['value'] : fields;
  if (json === undefined) throw new JsonShapeError(`an Any of ${typeUrl} has no "value"`);
  return Buffer.from(toBinary(desc, fromJson(desc, json as JsonValue)));
}

/** How messages are written as JSON. */
export interface JsonWriteOptions {
  /**
   * Enum values as numbers instead of names, as Google answers a request with the system
   * parameter `$alt=json;enum-encoding=int`. For types the descriptor set knows (the API's);
   * a codec registered by the caller writes its enums its own way.
   */
  readonly enumAsInteger?: boolean;
}

/**
 * Any -> `{"@type": url, ...fields}` (or `{"@type": url, "value": <JSON>}` for a well-known
 * type with a JSON form of its own); an Any kept as JSON is written as it came; one of a type
 * longrun doesn't know, or whose bytes have no JSON form, as `{"typeUrl": url, "value": base64}`.
 */
export function anyToJson(any: Any, registry: TypeRegistry, options: JsonWriteOptions = {}): JsonObject {
  if (any.json) return { '@type': any.typeUrl, ...any.json };
  if (any.typeUrl === '') return any.value.length === 0 ? {} : binaryForm(any);
  const name = typeName(any.typeUrl);
  const mapping = mappingOf(name, registry);
  if (mapping) {
    try {
      return { '@type': any.typeUrl, ...jsonOfBytes(mapping, name, any.value, options) };
    } catch {
      // Bytes with no JSON form: written as bytes, below.
    }
  }
  return binaryForm(any);
}

/** The message's JSON fields (`{"value": ...}` for a well-known type with a JSON form of its own). */
function jsonOfBytes(mapping: Mapping, name: string, bytes: Uint8Array, options: JsonWriteOptions): JsonObject {
  if ('codec' in mapping) {
    const json = mapping.codec.toJSON(mapping.codec.decode(bytes));
    return isObject(json) ? json : { value: json };
  }
  const { fromBinary, toJson } = protobuf();
  const desc = descriptorOf(mapping.descriptors, name);
  const json = toJson(desc, fromBinary(desc, bytes), {
    registry: mapping.descriptors,
    enumAsInteger: options.enumAsInteger === true,
  });
  return SPECIAL_JSON.has(name) ? { value: json } : object(json, name);
}

/**
 * The message of an Any kept as JSON (`any.json`), decoded with `codec`: through its bytes when
 * longrun can make them, so that it is the message gRPC would have carried; else by the
 * codec's `fromJSON`.
 */
export function messageFromAnyJson<T>(
  any: Any & { readonly json: Readonly<Record<string, unknown>> },
  codec: MessageCodec<T>,
  registry: TypeRegistry = defaultTypeRegistry,
): T {
  const read = anyFromJson({ ...any.json, '@type': any.typeUrl }, registry);
  return read.json ? codec.fromJSON(any.json) : codec.decode(read.value);
}

// --- the messages that carry Any ---

export function statusFromJson(json: unknown, registry: TypeRegistry): Status {
  const { code = 0, message = '', details = [] } = object(json, 'a Status');
  if (typeof code !== 'number' || typeof message !== 'string' || !Array.isArray(details)) {
    throw new JsonShapeError('a Status has fields of the wrong type');
  }
  return { code, message, details: details.map((d) => anyFromJson(d, registry)) };
}

export function statusToJson(status: Status, registry: TypeRegistry, options: JsonWriteOptions = {}): JsonObject {
  const json: JsonObject = {};
  if (status.code !== 0) json['code'] = status.code;
  if (status.message !== '') json['message'] = status.message;
  if (status.details.length > 0) json['details'] = status.details.map((d) => anyToJson(d, registry, options));
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

/** An Operation in proto3 JSON: fields at their default values (an empty name, `done` false) left out. */
export function operationToJson(
  operation: Operation,
  registry: TypeRegistry,
  options: JsonWriteOptions = {},
): JsonObject {
  const json: JsonObject = {};
  if (operation.name !== '') json['name'] = operation.name;
  if (operation.metadata) json['metadata'] = anyToJson(operation.metadata, registry, options);
  if (operation.done) json['done'] = true;
  if (operation.error) json['error'] = statusToJson(operation.error, registry, options);
  else if (operation.response) json['response'] = anyToJson(operation.response, registry, options);
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

/** A ListOperationsResponse in proto3 JSON: an empty page is `{}`. */
export function listResponseToJson(
  response: ListOperationsResponse,
  registry: TypeRegistry,
  options: JsonWriteOptions = {},
): JsonObject {
  const json: JsonObject = {};
  if (response.operations.length > 0) {
    json['operations'] = response.operations.map((o) => operationToJson(o, registry, options));
  }
  if (response.nextPageToken !== '') json['nextPageToken'] = response.nextPageToken;
  if (response.unreachable.length > 0) json['unreachable'] = response.unreachable;
  return json;
}
