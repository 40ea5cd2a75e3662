/**
 * longrun's proto3 JSON of Any (src/json.ts), by example: each well-known type in its own
 * form, the API types by their fields, the documented forms of a type longrun doesn't know,
 * and the type registry that says what longrun knows. @bufbuild/protobuf, with the descriptor
 * set of generated/, is the reference (test/property/json-conformance checks generated values).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  create,
  createFileRegistry,
  equals,
  fromBinary,
  fromJson,
  ScalarType,
  toBinary,
  toJson,
  type DescField,
  type DescMessage,
  type JsonValue,
} from '@bufbuild/protobuf';
import { FileDescriptorSetSchema } from '@bufbuild/protobuf/wkt';
import { AsyncModelMetadata, AsyncModelMetadata_State } from '../../generated/google/cloud/optimization/v1/async_model';
import { StringValue } from '../../generated/google/protobuf/wrappers';
import { anyFromJson, anyToJson, listResponseToJson, operationFromJson, operationToJson } from '../../src/json';
import { createTypeRegistry, defaultTypeRegistry, typeUrlOf, type Any, type MessageCodec } from '../../src/proto';
import { unpack, unpackAny } from '../../src/results';

const reference = createFileRegistry(
  fromBinary(FileDescriptorSetSchema, fs.readFileSync(path.resolve(__dirname, '../../generated/descriptors.binpb'))),
);
const OperationSchema = reference.getMessage('google.longrunning.Operation')!;

/** An Any of `typeName` holding the message whose proto3 JSON is `json` (made by the reference). */
function pack(typeName: string, json: JsonValue): Any {
  const desc = reference.getMessage(typeName)!;
  return { typeUrl: typeUrlOf(typeName), value: Buffer.from(toBinary(desc, fromJson(desc, json))) };
}

const bytesOf = (any: Any): string => Buffer.from(any.value).toString('hex');

const scalarSamples: Record<ScalarType, number | bigint | boolean | string | Uint8Array> = {
  [ScalarType.DOUBLE]: 1.5,
  [ScalarType.FLOAT]: -0.25,
  [ScalarType.INT64]: -3n,
  [ScalarType.UINT64]: 3n,
  [ScalarType.INT32]: -7,
  [ScalarType.FIXED64]: 5n,
  [ScalarType.FIXED32]: 5,
  [ScalarType.BOOL]: true,
  [ScalarType.STRING]: 'x',
  [ScalarType.BYTES]: new Uint8Array([1, 2]),
  [ScalarType.UINT32]: 7,
  [ScalarType.SFIXED32]: -5,
  [ScalarType.SFIXED64]: -5n,
  [ScalarType.SINT32]: -9,
  [ScalarType.SINT64]: -9n,
};

/** A message of `desc` (by the reference) with every field set: one field of each oneof, nested messages `depth` deep. */
function sampleMessage(desc: DescMessage, depth = 3): ReturnType<typeof create> {
  const scalar = (type: ScalarType, longAsString = false) => {
    const value = scalarSamples[type];
    return longAsString && typeof value === 'bigint' ? value.toString() : value;
  };
  const single = (field: DescField, kind: 'scalar' | 'enum' | 'message' | undefined): unknown => {
    if (kind === 'scalar') return scalar(field.scalar!, 'longAsString' in field && field.longAsString);
    if (kind === 'enum') return (field.enum!.values.find((v) => v.number !== 0) ?? field.enum!.values[0]!).number;
    // The codecs hold a Timestamp field as a Date, whole milliseconds only (documented in src/json.ts).
    if (field.message!.typeName === 'google.protobuf.Timestamp') {
      return create(field.message!, { seconds: 1_700_000_000n, nanos: 123_000_000 });
    }
    return depth > 0 ? sampleMessage(field.message!, depth - 1) : undefined;
  };
  const value = (field: DescField): unknown => {
    switch (field.fieldKind) {
      case 'list': {
        const item = single(field, field.listKind);
        return item === undefined ? [] : [item];
      }
      case 'map': {
        const item = single(field, field.mapKind);
        return item === undefined ? {} : { [String(scalar(field.mapKey))]: item };
      }
      default:
        return single(field, field.fieldKind);
    }
  };
  const init: Record<string, unknown> = {};
  for (const member of desc.members) {
    const field = member.kind === 'oneof' ? member.fields[0]! : member;
    const v = value(field);
    if (v === undefined) continue;
    init[member.localName] = member.kind === 'oneof' ? { case: field.localName, value: v } : v;
  }
  return create(desc, init);
}

describe('an Any of a well-known type is written in its own JSON form', () => {
  it.each<[string, JsonValue, JsonValue]>([
    ['StringValue', 'finished anyway', 'finished anyway'],
    ['StringValue', '', ''],
    ['BytesValue', 'AQL/', 'AQL/'],
    ['BoolValue', false, false],
    ['BoolValue', true, true],
    ['Int32Value', -5, -5],
    ['UInt32Value', 4294967295, 4294967295],
    ['Int64Value', '-9223372036854775808', '-9223372036854775808'],
    ['Int64Value', 7, '7'],
    ['UInt64Value', '18446744073709551615', '18446744073709551615'],
    ['DoubleValue', 1.5, 1.5],
    ['DoubleValue', 'NaN', 'NaN'],
    ['DoubleValue', '-Infinity', '-Infinity'],
    ['FloatValue', 0.1, Math.fround(0.1)],
    ['Struct', { a: [1, 'x', null, { b: true }] }, { a: [1, 'x', null, { b: true }] }],
    ['Struct', {}, {}],
    ['Value', null, null],
    ['Value', 'x', 'x'],
    ['Value', { k: [] }, { k: [] }],
    ['ListValue', [1, 'two', false], [1, 'two', false]],
    ['Timestamp', '2024-05-01T12:34:56.123456789Z', '2024-05-01T12:34:56.123456789Z'],
    ['Timestamp', '2024-05-01T14:34:56.120+02:00', '2024-05-01T12:34:56.120Z'],
    ['Timestamp', '1969-12-31T23:59:59.5Z', '1969-12-31T23:59:59.500Z'],
    ['Timestamp', '1970-01-01T00:00:00Z', '1970-01-01T00:00:00Z'],
    ['Duration', '-1.5s', '-1.500s'],
    ['Duration', '0s', '0s'],
    ['FieldMask', 'fooBar,baz.quxQuux', 'fooBar,baz.quxQuux'],
    ['FieldMask', '', ''],
  ])('google.protobuf.%s %j -> "value": %j, and back', (type, input, value) => {
    const typeName = `google.protobuf.${type}`;
    const any = pack(typeName, input);
    const json = anyToJson(any, defaultTypeRegistry);
    expect(json).toStrictEqual({ '@type': typeUrlOf(typeName), value });
    expect(Object.keys(json)[0]).toBe('@type');
    const back = anyFromJson(JSON.parse(JSON.stringify(json)), defaultTypeRegistry);
    expect(back.json).toBeUndefined();
    expect(bytesOf(back)).toBe(bytesOf(any));
  });

  it('google.protobuf.Empty is {"@type"} alone, and back', () => {
    const any = pack('google.protobuf.Empty', {});
    expect(anyToJson(any, defaultTypeRegistry)).toStrictEqual({ '@type': typeUrlOf('google.protobuf.Empty') });
    expect(anyFromJson({ '@type': any.typeUrl }, defaultTypeRegistry)).toEqual({
      typeUrl: any.typeUrl,
      value: Buffer.alloc(0),
    });
  });

  it('the exact line of the issue: a StringValue response', () => {
    const response: Any = {
      typeUrl: typeUrlOf('google.protobuf.StringValue'),
      value: Buffer.from(StringValue.encode({ value: 'finished anyway' }).finish()),
    };
    expect(JSON.stringify(operationToJson({ name: 'operations/o', done: true, response }, defaultTypeRegistry))).toBe(
      '{"name":"operations/o","done":true,"response":{"@type":"type.googleapis.com/google.protobuf.StringValue","value":"finished anyway"}}',
    );
  });

  it('a well-known type is written in its form whatever codec the registry holds for it', () => {
    const registry = createTypeRegistry({ 'google.protobuf.StringValue': fakeCodec });
    expect(anyToJson(pack('google.protobuf.StringValue', 'x'), registry)).toEqual({
      '@type': typeUrlOf('google.protobuf.StringValue'),
      value: 'x',
    });
    expect(anyToJson(pack('google.protobuf.StringValue', 'x'), new Map())).toHaveProperty('value', 'x');
  });

  it('JSON of the wrong form for a well-known type is kept as it came, not guessed at', () => {
    const came = { '@type': typeUrlOf('google.protobuf.Timestamp'), value: 'yesterday' };
    const any = anyFromJson(came, defaultTypeRegistry);
    expect(any.json).toEqual({ value: 'yesterday' });
    expect(anyToJson(any, defaultTypeRegistry)).toEqual(came);
    const noValue = anyFromJson({ '@type': typeUrlOf('google.protobuf.StringValue') }, defaultTypeRegistry);
    expect(noValue.json).toEqual({});
  });
});

/** A codec of another make, to see when the registry's codec writes the JSON. */
const fakeCodec: MessageCodec<unknown> = {
  encode: () => ({ finish: () => Uint8Array.of(8, 1) }),
  decode: () => ({ fake: true }),
  fromJSON: () => ({ fake: true }),
  toJSON: () => ({ fake: 'yes' }),
};

describe('the long-running API types, by their fields as proto3 JSON has them', () => {
  const typeName = 'google.cloud.optimization.v1.AsyncModelMetadata';

  it('AsyncModelMetadata: enum by name, Timestamps to the nanosecond, defaults left out', () => {
    const any = pack(typeName, { state: 'SUCCEEDED', createTime: '2024-05-01T12:34:56.123456789Z' });
    const json = anyToJson(any, defaultTypeRegistry);
    expect(json).toStrictEqual({
      '@type': typeUrlOf(typeName),
      state: 'SUCCEEDED',
      createTime: '2024-05-01T12:34:56.123456789Z',
    });
    expect(bytesOf(anyFromJson(json, defaultTypeRegistry))).toBe(bytesOf(any));
  });

  it('an enum number the proto does not name is written as the number, not "UNRECOGNIZED"', () => {
    const any = { typeUrl: typeUrlOf(typeName), value: Buffer.from([8, 42]) };
    expect(anyToJson(any, defaultTypeRegistry)).toStrictEqual({ '@type': typeUrlOf(typeName), state: 42 });
  });

  it('bytes of the generated codec (a Date) read as the generated codec wrote them', () => {
    const encoded = AsyncModelMetadata.encode({
      state: AsyncModelMetadata_State.RUNNING,
      stateMessage: 'half way',
      createTime: new Date(Date.UTC(2024, 4, 1, 12, 0, 0, 250)),
    }).finish();
    const value = Buffer.from(encoded);
    expect(anyToJson({ typeUrl: typeUrlOf(typeName), value }, defaultTypeRegistry)).toStrictEqual({
      '@type': typeUrlOf(typeName),
      state: 'RUNNING',
      stateMessage: 'half way',
      createTime: '2024-05-01T12:00:00.250Z',
    });
  });

  it('Route Optimization: OptimizeToursResponse, int64 as strings, Durations as "s"', () => {
    const name = 'google.maps.routeoptimization.v1.OptimizeToursResponse';
    const fields = {
      routes: [{ vehicleIndex: 2, vehicleLabel: 'v', routeTotalCost: 12.5, metrics: { totalDuration: '3600s' } }],
      metrics: { usedVehicleCount: 1, totalCost: 12.5, costs: { 'model.vehicles.cost_per_hour': 3 } },
    };
    const json = anyToJson(pack(name, fields), defaultTypeRegistry);
    expect(json).toEqual({ '@type': typeUrlOf(name), ...fields });
  });

  it("a codec a caller puts in place of longrun's writes its own JSON", () => {
    const registry = createTypeRegistry({ [typeName]: fakeCodec });
    expect(anyToJson(pack(typeName, { state: 'RUNNING' }), registry)).toEqual({
      '@type': typeUrlOf(typeName),
      fake: 'yes',
    });
  });

  it('unpack and unpackAny decode it with no setup, over gRPC (bytes) or REST (JSON) alike', () => {
    const any = pack(typeName, { state: 'FAILED', updateTime: '2024-05-01T12:00:00Z' });
    const expected = { state: AsyncModelMetadata_State.FAILED, updateTime: new Date('2024-05-01T12:00:00Z') };
    expect(unpack(any, typeName, AsyncModelMetadata)).toMatchObject(expected);
    expect(unpackAny(any)).toMatchObject({ type: typeName, value: expected });
    // Read by a transport whose registry didn't know the type: kept as JSON, still unpacked.
    const kept = anyFromJson(anyToJson(any, defaultTypeRegistry), new Map());
    expect(kept.json).toBeDefined();
    expect(unpack(kept, typeName, AsyncModelMetadata)).toMatchObject(expected);
    expect(unpackAny(kept)).toMatchObject({ type: typeName, value: expected });
  });

  it('unpack of a StringValue', () => {
    const any = pack('google.protobuf.StringValue', 'finished anyway');
    expect(unpack(any, 'google.protobuf.StringValue', StringValue)).toEqual({ value: 'finished anyway' });
    expect(unpackAny(any)).toEqual({ type: 'google.protobuf.StringValue', value: { value: 'finished anyway' } });
  });
});

describe('a type longrun does not know', () => {
  /** A type the reference knows and longrun doesn't: its reader would misread a guess. */
  const typeName = 'google.cloud.optimization.v1.OptimizeToursRequest';
  const any = pack(typeName, { parent: 'projects/p', label: 'x' });

  it('held as bytes: written {"typeUrl", "value": base64}, with no "@type"', () => {
    expect(defaultTypeRegistry.has(typeName)).toBe(false);
    expect(anyToJson(any, defaultTypeRegistry)).toStrictEqual({
      typeUrl: typeUrlOf(typeName),
      value: Buffer.from(any.value).toString('base64'),
    });
  });

  it('a conformant parser rejects that form, even one that knows the type and ignores unknown fields', () => {
    const json = operationToJson({ name: 'operations/o', done: true, response: any }, defaultTypeRegistry);
    for (const ignoreUnknownFields of [false, true]) {
      expect(() => fromJson(OperationSchema, json as JsonValue, { registry: reference, ignoreUnknownFields })).toThrow(
        /@type/,
      );
    }
  });

  it('longrun reads that form back to the same bytes', () => {
    const back = anyFromJson(anyToJson(any, defaultTypeRegistry), defaultTypeRegistry);
    expect(back).toEqual({ typeUrl: any.typeUrl, value: Buffer.from(any.value) });
    expect(anyFromJson({ typeUrl: 'type.googleapis.com/x.Y' }, defaultTypeRegistry)).toEqual({
      typeUrl: 'type.googleapis.com/x.Y',
      value: Buffer.alloc(0),
    });
  });

  it('an object that only looks like that form is no Any', () => {
    for (const json of [
      { typeUrl: 'type.googleapis.com/x.Y', value: 'not base64!' },
      { typeUrl: 'type.googleapis.com/x.Y', value: 'AA==', extra: 1 },
      { typeUrl: '', value: 'AA==' },
      { value: 'AA==' },
    ]) {
      expect(() => anyFromJson(json, defaultTypeRegistry)).toThrow(/no "@type"/);
    }
  });

  it('bytes of a known type that are not a message of it are written as bytes too', () => {
    const broken = { typeUrl: typeUrlOf('google.protobuf.StringValue'), value: Buffer.from([0x0a, 0x05, 0x61]) };
    expect(anyToJson(broken, defaultTypeRegistry)).toStrictEqual({ typeUrl: broken.typeUrl, value: 'CgVh' });
    // 2^39 - 1 seconds: past the 10,000 years a Duration may span, so it has no JSON form.
    const tooLong = {
      typeUrl: typeUrlOf('google.protobuf.Duration'),
      value: Buffer.from([8, 255, 255, 255, 255, 255, 15]),
    };
    expect(anyToJson(tooLong, defaultTypeRegistry)).toStrictEqual({ typeUrl: tooLong.typeUrl, value: 'CP//////Dw==' });
  });

  it('read as JSON: kept as it came and written back exactly so', () => {
    const came = { '@type': 'type.googleapis.com/example.v1.Mystery', a: 1, nested: { b: ['c'] } };
    const any = anyFromJson(came, defaultTypeRegistry);
    expect(any.json).toEqual({ a: 1, nested: { b: ['c'] } });
    expect(anyToJson(any, defaultTypeRegistry)).toStrictEqual(came);
  });

  it('an Any with no type is {} both ways, as proto3 JSON has it', () => {
    expect(anyToJson({ typeUrl: '', value: Buffer.alloc(0) }, defaultTypeRegistry)).toStrictEqual({});
    expect(anyFromJson({}, defaultTypeRegistry)).toEqual({ typeUrl: '', value: Buffer.alloc(0) });
    expect(anyToJson({ typeUrl: '', value: Buffer.from([1]) }, defaultTypeRegistry)).toStrictEqual({
      typeUrl: '',
      value: 'AQ==',
    });
  });
});

describe('the messages that carry Any leave out fields at their defaults', () => {
  it('an Operation with no name and not done is {}', () => {
    expect(operationToJson({ name: '', done: false }, defaultTypeRegistry)).toStrictEqual({});
    expect(operationFromJson({}, defaultTypeRegistry)).toEqual({ name: '', done: false });
  });

  it('an empty page is {}', () => {
    expect(listResponseToJson({ operations: [], nextPageToken: '', unreachable: [] }, defaultTypeRegistry)).toEqual({});
  });

  it('what the reference writes for the same bytes', () => {
    const op = {
      name: 'operations/o',
      done: true,
      metadata: pack('longrun.emulator.v1.ProgressMetadata', { createTimeMs: '1700000000000', percentDone: 40 }),
      response: pack('google.protobuf.Value', { a: 1 }),
    };
    const json = operationToJson(op, defaultTypeRegistry);
    const bytes = toBinary(OperationSchema, fromJson(OperationSchema, json as JsonValue, { registry: reference }));
    expect(toJson(OperationSchema, fromBinary(OperationSchema, bytes), { registry: reference })).toEqual(json);
  });
});

describe('the default type registry', () => {
  const names = [
    'google.rpc.ErrorInfo',
    'google.rpc.RetryInfo',
    'google.rpc.DebugInfo',
    'google.rpc.QuotaFailure',
    'google.rpc.PreconditionFailure',
    'google.rpc.BadRequest',
    'google.rpc.RequestInfo',
    'google.rpc.ResourceInfo',
    'google.rpc.Help',
    'google.rpc.LocalizedMessage',
    'google.protobuf.Empty',
    'google.protobuf.Duration',
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
    'google.protobuf.FieldMask',
    'longrun.emulator.v1.ProgressMetadata',
    'google.cloud.optimization.v1.AsyncModelMetadata',
    'google.cloud.optimization.v1.BatchOptimizeToursResponse',
    'google.maps.routeoptimization.v1.BatchOptimizeToursMetadata',
    'google.maps.routeoptimization.v1.BatchOptimizeToursResponse',
    'google.maps.routeoptimization.v1.OptimizeToursLongRunningMetadata',
    'google.maps.routeoptimization.v1.OptimizeToursResponse',
    'google.maps.routeoptimization.v1.OptimizeToursUriMetadata',
    'google.maps.routeoptimization.v1.OptimizeToursUriResponse',
  ];

  it('knows the error details, the well-known types, the API types and ProgressMetadata', () => {
    expect([...defaultTypeRegistry.keys()].sort()).toEqual([...names].sort());
    for (const name of names) expect(reference.getMessage(name)).toBeDefined();
  });

  it.each(names)('the codec of %s decodes what the reference encodes, every field set, and encodes it back', (name) => {
    const schema = reference.getMessage(name)!;
    const codec = defaultTypeRegistry.get(name)!;
    const original = sampleMessage(schema);
    const bytes = toBinary(schema, original);
    expect(bytes.length > 0).toBe(schema.fields.length > 0); // Empty and the field-less API types encode to nothing
    const reparsed = fromBinary(schema, codec.encode(codec.decode(bytes)).finish());
    expect(reparsed).toEqual(original); // for a readable diff; equals() is the check
    expect(equals(schema, original, reparsed)).toBe(true);
  });

  it("createTypeRegistry keeps them and adds the caller's", () => {
    const registry = createTypeRegistry({ 'example.v1.Custom': fakeCodec });
    expect(registry.size).toBe(names.length + 1);
    for (const name of names) expect(registry.get(name)).toBe(defaultTypeRegistry.get(name));
    expect(anyToJson({ typeUrl: typeUrlOf('example.v1.Custom'), value: Buffer.from([8, 1]) }, registry)).toEqual({
      '@type': typeUrlOf('example.v1.Custom'),
      fake: 'yes',
    });
  });
});
