/**
 * longrun's proto3 JSON against @bufbuild/protobuf's (conformance-tested), for every message
 * type longrun writes: each type of the default registry inside an Any, google.rpc.Status with
 * its details, google.longrunning.Operation with metadata, response or error, and
 * ListOperationsResponse. For generated messages (made from the descriptor set of generated/,
 * so every field of every type is covered, enums with numbers the proto doesn't name included):
 *
 * - longrun's JSON of the bytes equals @bufbuild/protobuf's `toJson` of the same bytes;
 * - @bufbuild/protobuf's `fromJson` of longrun's JSON, then `toBinary`, gives back the bytes;
 * - longrun reads @bufbuild/protobuf's JSON to what it decodes from the bytes (REST = gRPC).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as fc from 'fast-check';
import {
  create,
  createFileRegistry,
  fromBinary,
  fromJson,
  ScalarType,
  toBinary,
  toJson,
  type DescEnum,
  type DescField,
  type DescMessage,
  type JsonValue,
} from '@bufbuild/protobuf';
import {
  AnySchema,
  DurationSchema,
  FieldMaskSchema,
  FileDescriptorSetSchema,
  TimestampSchema,
} from '@bufbuild/protobuf/wkt';
import {
  anyFromJson,
  anyToJson,
  listResponseToJson,
  operationFromJson,
  operationToJson,
  statusToJson,
} from '../../src/json';
import { Operation } from '../../generated/google/longrunning/operations';
import { decodeStatus, defaultTypeRegistry, grpcMethods, typeUrlOf, type Any } from '../../src/proto';

const reference = createFileRegistry(
  fromBinary(FileDescriptorSetSchema, fs.readFileSync(path.resolve(__dirname, '../../generated/descriptors.binpb'))),
);
const schema = (name: string): DescMessage => {
  const desc = reference.getMessage(name);
  if (!desc) throw new Error(`no descriptor of ${name}`);
  return desc;
};
const OperationSchema = schema('google.longrunning.Operation');
const StatusSchema = schema('google.rpc.Status');
const ListOperationsResponseSchema = schema('google.longrunning.ListOperationsResponse');

/** JSON as it travels: key order and `undefined` members gone. */
const wire = (json: unknown): JsonValue => JSON.parse(JSON.stringify(json)) as JsonValue;
const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
/** The reference's JSON of the bytes of a message of type `desc`. */
const referenceJson = (desc: DescMessage, bytes: Uint8Array): JsonValue =>
  wire(toJson(desc, fromBinary(desc, bytes), { registry: reference }));

// --- proto3 JSON of generated messages, from their descriptors ---

const text = fc.string({ unit: 'grapheme', maxLength: 8 });
/** A JSON number that stays itself through JSON (-0 comes back 0, in any implementation). */
const notNegativeZero = (n: number): boolean => !Object.is(n, -0);
const specialFloats = fc.constantFrom('NaN', 'Infinity', '-Infinity');
const INT64 = { min: -(2n ** 63n), max: 2n ** 63n - 1n };

function scalar(type: ScalarType): fc.Arbitrary<JsonValue> {
  switch (type) {
    case ScalarType.DOUBLE:
      return fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }).filter(notNegativeZero), specialFloats);
    case ScalarType.FLOAT:
      return fc.oneof(fc.float({ noNaN: true, noDefaultInfinity: true }).filter(notNegativeZero), specialFloats);
    case ScalarType.INT64:
    case ScalarType.SINT64:
    case ScalarType.SFIXED64:
      return fc.bigInt(INT64).map(String);
    case ScalarType.UINT64:
    case ScalarType.FIXED64:
      return fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map(String);
    case ScalarType.INT32:
    case ScalarType.SINT32:
    case ScalarType.SFIXED32:
      return fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });
    case ScalarType.UINT32:
    case ScalarType.FIXED32:
      return fc.integer({ min: 0, max: 2 ** 32 - 1 });
    case ScalarType.BOOL:
      return fc.boolean();
    case ScalarType.STRING:
      return text;
    case ScalarType.BYTES:
      return fc.uint8Array({ maxLength: 8 }).map((b) => Buffer.from(b).toString('base64'));
  }
}

/** An enum value by name, or a number the proto doesn't name (proto3 enums are open). */
const enumValue = (desc: DescEnum): fc.Arbitrary<JsonValue> =>
  fc.oneof(
    fc.constantFrom(...desc.values.map((v) => v.name)),
    fc.integer({ min: 100, max: 2 ** 31 - 1 }).filter((n) => !desc.values.some((v) => v.number === n)),
  );

const { json: jsonValue } = fc.letrec<{ json: JsonValue; list: JsonValue[]; object: Record<string, JsonValue> }>(
  (tie) => ({
    json: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      fc.constant(null),
      fc.boolean(),
      fc.double({ noNaN: true, noDefaultInfinity: true }).filter(notNegativeZero),
      text,
      tie('list'),
      tie('object'),
    ),
    list: fc.array(tie('json'), { maxLength: 3 }),
    object: fc.dictionary(text, tie('json'), { maxKeys: 3 }),
  }),
);

/** A lower_snake_case path that survives lowerCamelCase and back (a FieldMask's rule). */
const maskPath = fc
  .array(fc.stringMatching(/^[a-z][a-z0-9]{0,3}(_[a-z][a-z0-9]{0,3}){0,2}$/), { minLength: 1, maxLength: 3 })
  .map((segments) => segments.join('.'));

/** The well-known types whose JSON isn't their fields. */
const special = new Map<string, fc.Arbitrary<JsonValue>>([
  [
    'google.protobuf.Timestamp',
    fc
      .record({
        seconds: fc.integer({ min: -62135596800, max: 253402300799 }),
        nanos: fc.oneof(
          fc.constant(0),
          fc.nat(999).map((n) => n * 1_000_000),
          fc.nat(999_999_999),
        ),
      })
      .map(({ seconds, nanos }) =>
        toJson(TimestampSchema, create(TimestampSchema, { seconds: BigInt(seconds), nanos })),
      ),
  ],
  [
    'google.protobuf.Duration',
    fc
      .record({ seconds: fc.integer({ min: -315576000000, max: 315576000000 }), nanos: fc.nat(999_999_999) })
      .map(({ seconds, nanos }) =>
        toJson(
          DurationSchema,
          create(DurationSchema, { seconds: BigInt(seconds), nanos: seconds < 0 ? -nanos : nanos }),
        ),
      ),
  ],
  [
    'google.protobuf.FieldMask',
    fc.array(maskPath, { maxLength: 3 }).map((paths) => toJson(FieldMaskSchema, create(FieldMaskSchema, { paths }))),
  ],
  ['google.protobuf.Struct', fc.dictionary(text, jsonValue, { maxKeys: 3 })],
  ['google.protobuf.Value', jsonValue],
  ['google.protobuf.ListValue', fc.array(jsonValue, { maxLength: 3 })],
  ['google.protobuf.DoubleValue', scalar(ScalarType.DOUBLE)],
  ['google.protobuf.FloatValue', scalar(ScalarType.FLOAT)],
  ['google.protobuf.Int64Value', scalar(ScalarType.INT64)],
  ['google.protobuf.UInt64Value', scalar(ScalarType.UINT64)],
  ['google.protobuf.Int32Value', scalar(ScalarType.INT32)],
  ['google.protobuf.UInt32Value', scalar(ScalarType.UINT32)],
  ['google.protobuf.BoolValue', scalar(ScalarType.BOOL)],
  ['google.protobuf.StringValue', scalar(ScalarType.STRING)],
  ['google.protobuf.BytesValue', scalar(ScalarType.BYTES)],
]);

/** Messages nest this deep at most (the Route Optimization responses nest much deeper). */
const MAX_DEPTH = 4;
const madeArbs = new Map<string, fc.Arbitrary<JsonValue>>();

/** The proto3 JSON of a message of type `desc`: any subset of its fields, at most one per oneof. */
function message(desc: DescMessage, depth = 0): fc.Arbitrary<JsonValue> {
  const form = special.get(desc.typeName);
  if (form) return form;
  if (depth >= MAX_DEPTH) return fc.constant({});
  const key = `${desc.typeName}@${depth}`;
  let arb = madeArbs.get(key);
  if (!arb) {
    const singles: Record<string, fc.Arbitrary<JsonValue>> = {};
    for (const field of desc.fields) if (!field.oneof) singles[field.jsonName] = fieldValue(field, depth);
    const oneofs = desc.oneofs.map((oneof) =>
      fc.option(
        fc.oneof(...oneof.fields.map((f) => fieldValue(f, depth).map((v): [string, JsonValue] => [f.jsonName, v]))),
        {
          nil: undefined,
        },
      ),
    );
    const fresh = fc
      .tuple(fc.record(singles, { requiredKeys: [] }), fc.tuple(...oneofs))
      .map(
        ([fields, chosen]) =>
          ({ ...fields, ...Object.fromEntries(chosen.filter((c) => c !== undefined)) }) as JsonValue,
      );
    madeArbs.set(key, fresh);
    arb = fresh;
  }
  return arb;
}

function fieldValue(field: DescField, depth: number): fc.Arbitrary<JsonValue> {
  switch (field.fieldKind) {
    case 'scalar':
      return scalar(field.scalar);
    case 'enum':
      return enumValue(field.enum);
    case 'message':
      return message(field.message, depth + 1);
    case 'list': {
      const element =
        field.listKind === 'scalar'
          ? scalar(field.scalar)
          : field.listKind === 'enum'
            ? enumValue(field.enum)
            : message(field.message, depth + 1);
      return fc.array(element, { maxLength: 3 });
    }
    case 'map': {
      const keys =
        field.mapKey === ScalarType.STRING
          ? text
          : field.mapKey === ScalarType.BOOL
            ? fc.constantFrom('true', 'false')
            : scalar(field.mapKey).map(String);
      const values =
        field.mapKind === 'scalar'
          ? scalar(field.scalar)
          : field.mapKind === 'enum'
            ? enumValue(field.enum)
            : message(field.message, depth + 1);
      return fc.dictionary(keys, values, { maxKeys: 3 });
    }
  }
}

/** The bytes of a generated message of type `name`. */
const bytesOf = (name: string, depth = 0): fc.Arbitrary<Uint8Array> =>
  message(schema(name), depth).map((json) => toBinary(schema(name), fromJson(schema(name), json)));

/** The bytes of a generated google.protobuf.Any of one of the types longrun knows. */
const TYPES = [...defaultTypeRegistry.keys()];
const anyOf = (names: readonly string[], depth: number): fc.Arbitrary<{ typeUrl: string; value: Uint8Array }> =>
  fc.constantFrom(...names).chain((name) => bytesOf(name, depth).map((value) => ({ typeUrl: typeUrlOf(name), value })));

const API_TYPES = TYPES.filter((name) => name.startsWith('google.cloud.') || name.startsWith('google.maps.'));
const DETAIL_TYPES = TYPES.filter((name) => name.startsWith('google.rpc.'));

// --- the properties ---

describe('each type longrun knows, inside an Any: the JSON of @bufbuild/protobuf', () => {
  it.each(TYPES)('%s', (name) => {
    const runs = API_TYPES.includes(name) ? 40 : 150;
    fc.assert(
      fc.property(bytesOf(name), (value) => {
        const any: Any = { typeUrl: typeUrlOf(name), value: Buffer.from(value) };
        const ours = wire(anyToJson(any, defaultTypeRegistry));
        const theirs = wire(toJson(AnySchema, create(AnySchema, any), { registry: reference }));
        expect(ours).toEqual(theirs);
        // Their reader gives back the bytes longrun wrote from...
        expect(hex(fromJson(AnySchema, ours, { registry: reference }).value)).toBe(hex(value));
        // ...and longrun reads their JSON to the same message (a map entry's default key or
        // value may be left out of the bytes or not: both are the message).
        const read = anyFromJson(theirs, defaultTypeRegistry);
        expect(read.json).toBeUndefined();
        expect(referenceJson(schema(name), read.value)).toEqual(referenceJson(schema(name), value));
      }),
      { numRuns: runs },
    );
  });
});

const statusArb = fc.record({
  code: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
  message: text,
  details: fc.array(anyOf(TYPES, 2), { maxLength: 3 }),
});

const operationArb = fc.record({
  name: text,
  done: fc.boolean(),
  metadata: fc.option(anyOf(TYPES, 2), { nil: undefined }),
  result: fc.oneof(
    fc.constant({ case: undefined }),
    statusArb.map((s) => ({
      case: 'error' as const,
      value: create(StatusSchema, { ...s, details: s.details.map((d) => create(AnySchema, d)) }),
    })),
    anyOf(TYPES, 2).map((a) => ({ case: 'response' as const, value: create(AnySchema, a) })),
  ),
});
type OperationInit = typeof operationArb extends fc.Arbitrary<infer T> ? T : never;
const operationMessage = (op: OperationInit) =>
  create(OperationSchema, {
    name: op.name,
    done: op.done,
    metadata: op.metadata && create(AnySchema, op.metadata),
    result: op.result,
  });

describe('the messages that carry Any: the JSON of @bufbuild/protobuf', () => {
  it('google.rpc.Status, details of any type longrun knows', () => {
    fc.assert(
      fc.property(statusArb, (status) => {
        const bytes = toBinary(
          StatusSchema,
          create(StatusSchema, { ...status, details: status.details.map((d) => create(AnySchema, d)) }),
        );
        const ours = wire(statusToJson(decodeStatus(bytes), defaultTypeRegistry));
        expect(ours).toEqual(wire(toJson(StatusSchema, fromBinary(StatusSchema, bytes), { registry: reference })));
        expect(hex(toBinary(StatusSchema, fromJson(StatusSchema, ours, { registry: reference })))).toBe(hex(bytes));
      }),
      { numRuns: 100 },
    );
  });

  it('google.rpc.Status with one of every google.rpc detail type', () => {
    fc.assert(
      fc.property(fc.tuple(...DETAIL_TYPES.map((name) => anyOf([name], 0))), (details) => {
        const bytes = toBinary(
          StatusSchema,
          create(StatusSchema, { code: 9, message: 'failed', details: details.map((d) => create(AnySchema, d)) }),
        );
        const status = decodeStatus(bytes);
        expect(status.details.map((d) => d.typeUrl)).toEqual(DETAIL_TYPES.map(typeUrlOf));
        const ours = wire(statusToJson(status, defaultTypeRegistry));
        expect(ours).toEqual(wire(toJson(StatusSchema, fromBinary(StatusSchema, bytes), { registry: reference })));
        expect(hex(toBinary(StatusSchema, fromJson(StatusSchema, ours, { registry: reference })))).toBe(hex(bytes));
      }),
      { numRuns: 50 },
    );
    expect(DETAIL_TYPES).toHaveLength(10);
  });

  it('google.longrunning.Operation: metadata, and a response or an error', () => {
    fc.assert(
      fc.property(operationArb, (op) => {
        const bytes = toBinary(OperationSchema, operationMessage(op));
        const decoded = grpcMethods.getOperation.deserialize(Buffer.from(bytes));
        const ours = wire(operationToJson(decoded, defaultTypeRegistry));
        const theirs = wire(toJson(OperationSchema, fromBinary(OperationSchema, bytes), { registry: reference }));
        expect(ours).toEqual(theirs);
        expect(hex(toBinary(OperationSchema, fromJson(OperationSchema, ours, { registry: reference })))).toBe(
          hex(bytes),
        );
        // Read over REST, the Operation is the one gRPC decodes.
        const read = operationFromJson(theirs, defaultTypeRegistry);
        expect(read.name).toBe(decoded.name);
        expect(referenceJson(OperationSchema, Operation.encode(read).finish())).toEqual(theirs);
      }),
      { numRuns: 150 },
    );
  });

  it('google.longrunning.ListOperationsResponse', () => {
    const listArb = fc.record({
      operations: fc.array(operationArb.map(operationMessage), { maxLength: 3 }),
      nextPageToken: text,
      unreachable: fc.array(text, { maxLength: 2 }),
    });
    fc.assert(
      fc.property(listArb, (list) => {
        const bytes = toBinary(ListOperationsResponseSchema, create(ListOperationsResponseSchema, list));
        const ours = wire(
          listResponseToJson(grpcMethods.listOperations.deserialize(Buffer.from(bytes)), defaultTypeRegistry),
        );
        const theirs = toJson(ListOperationsResponseSchema, fromBinary(ListOperationsResponseSchema, bytes), {
          registry: reference,
        });
        expect(ours).toEqual(wire(theirs));
        const back = toBinary(
          ListOperationsResponseSchema,
          fromJson(ListOperationsResponseSchema, ours, { registry: reference }),
        );
        expect(hex(back)).toBe(hex(bytes));
      }),
      { numRuns: 50 },
    );
  });

  it('the API types longrun knows are the ones in its descriptor set', () => {
    expect(API_TYPES).toHaveLength(8);
    for (const name of TYPES) expect(reference.getMessage(name)).toBeDefined();
  });
});
