/**
 * Property tests of what servers answer: whatever a REST server or a gRPC server sends back to
 * GetOperation, the client never crashes. The call ends (no hang; jest fails a test on an
 * unhandled rejection) and either resolves with an Operation (`name` a string, `done` a
 * boolean) or rejects with an OperationsError whose code is a google.rpc code (0..16) and
 * whose message is clean: no control characters, capped.
 *
 * One server and one client per transport; each run sets the server's answer, then calls.
 */
import * as grpc from '@grpc/grpc-js';
import * as fc from 'fast-check';
import { Code, OperationsClient, OperationsError, createGrpcTransport, createRestTransport } from '../../src';
import { sanitizeText } from '../../src/errors';
import { encodeStatus, type Operation } from '../../src/proto';
import { Operation as PbOperation } from '../../generated/google/longrunning/operations';
import { startRecordingServer, type RecordingServer } from '../helpers/http-server';
import { OVERSIZED_HEADER_FAILS_NEXT_CALL, OVERSIZED_HEADER_HANGS } from '../helpers/upstream';

const NAME = 'projects/p/operations/o';
const GET_OPERATION_PATH = '/google.longrunning.Operations/GetOperation';
/** The longest message an OperationsError may have: 1,024 characters of text, the code and the marks. */
const MAX_MESSAGE = 1100;

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
/** In `u` mode a surrogate class matches only a surrogate that is not half of a pair. */
const LONE_SURROGATE = /[\ud800-\udfff]/u;

// ---------------------------------------------------------------------------------------------
// Outcomes.

type Outcome = { readonly ok: true; readonly value: Operation } | { readonly ok: false; readonly error: unknown };

async function settle(promise: Promise<Operation>): Promise<Outcome> {
  try {
    return { ok: true, value: await promise };
  } catch (error) {
    return { ok: false, error };
  }
}

function show(value: unknown): string {
  if (value instanceof Error) return `${value.constructor.name}: ${value.message}`;
  return String(value);
}

/** The property every answer must keep; returns the error of a rejection for further checks. */
function expectSafeOutcome(outcome: Outcome, ownDeadlineMessage: RegExp): OperationsError | undefined {
  if (outcome.ok) {
    expect(typeof outcome.value.name).toBe('string');
    expect(typeof outcome.value.done).toBe('boolean');
    return undefined;
  }
  const { error } = outcome;
  if (!(error instanceof OperationsError)) throw new Error(`rejected with ${show(error)}, not an OperationsError`);
  if (!(Number.isInteger(error.code) && error.code >= 0 && error.code <= 16)) {
    throw new Error(`code ${String(error.code)} is not a google.rpc code: ${error.message}`);
  }
  expect(error.message).not.toMatch(CONTROL);
  expect(error.rawMessage).not.toMatch(CONTROL);
  expect(error.message.length).toBeLessThanOrEqual(MAX_MESSAGE);
  // The name is valid: the request was sent, so the failure is the answer's, not local.
  expect(error.local).toBe(false);
  expect(error.aborted).toBe(false);
  // The server answered at once: the client's own deadline firing would mean it hung.
  expect(error.message).not.toMatch(ownDeadlineMessage);
  return error;
}

// ---------------------------------------------------------------------------------------------
// Shared arbitraries.

const json = fc.jsonValue({ maxDepth: 3 });

/** Text with everything in it: control characters, C1, astral characters, long runs. */
const wildText: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 3, arbitrary: fc.string({ unit: 'binary-ascii', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.constantFrom('', ' ', '\n', '\r\n', '\u0000', '\u001b[31mred\u001b[0m', '\u0085\u2028') },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.string({ unit: 'binary', minLength: 1, maxLength: 6 }), fc.integer({ min: 100, max: 3000 }))
      .map(([unit, times]) => unit.repeat(times)),
  },
);

const DETAIL_TYPES = [
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
  'google.protobuf.Timestamp',
  'google.protobuf.Struct',
  'google.protobuf.Value',
  'longrun.emulator.v1.ProgressMetadata',
  'example.Unknown',
];

const typeUrl: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...DETAIL_TYPES).map((t) => `type.googleapis.com/${t}`) },
  { weight: 1, arbitrary: fc.constantFrom(...DETAIL_TYPES) },
  {
    weight: 1,
    arbitrary: fc.constantFrom('', '/', 'type.googleapis.com/', 'constructor', '__proto__', 'toString', 'a/b/'),
  },
  { weight: 1, arbitrary: wildText },
  { weight: 1, arbitrary: json },
);

const FIELD_NAMES = [
  'value',
  'reason',
  'domain',
  'metadata',
  'retryDelay',
  'seconds',
  'nanos',
  'detail',
  'stackEntries',
  'violations',
  'fieldViolations',
  'links',
  'locale',
  'message',
  'requestId',
  'resourceType',
  'createTimeMs',
  'percentDone',
  '__proto__',
  'constructor',
  '@type',
];

const fieldValue: fc.Arbitrary<unknown> = fc.oneof(
  json,
  wildText,
  fc.double(),
  fc.integer(),
  fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }).map(String),
  fc.constantFrom('1.5s', '-3s', '1e999s', 's', '3.000000001s', 'NaN', 'Infinity', '0x10', ' 1 ', '-0', 'AAEC', '%%'),
);

/** A JSON Any: `"@type"` and fields of any type. */
const anyJson: fc.Arbitrary<unknown> = fc
  .tuple(typeUrl, fc.dictionary(fc.oneof(fc.constantFrom(...FIELD_NAMES), fc.string()), fieldValue, { maxKeys: 4 }))
  .map(([type, fields]) => ({ '@type': type, ...fields }));

const statusJson: fc.Arbitrary<unknown> = fc.record(
  {
    code: fc.oneof(fc.integer({ min: -5, max: 40 }), fc.double(), json),
    message: fc.oneof(wildText, json),
    details: fc.oneof(fc.array(fc.oneof(anyJson, json), { maxLength: 4 }), json),
  },
  { requiredKeys: [] },
);

/** An Operation in JSON, each field sometimes of the wrong type. */
const operationJson: fc.Arbitrary<Record<string, unknown>> = fc.record(
  {
    name: fc.oneof(
      { weight: 4, arbitrary: fc.string({ unit: 'binary', maxLength: 30 }) },
      { weight: 1, arbitrary: json },
    ),
    done: fc.oneof({ weight: 4, arbitrary: fc.boolean() }, { weight: 1, arbitrary: json }),
    metadata: fc.oneof({ weight: 4, arbitrary: anyJson }, { weight: 1, arbitrary: json }),
    response: fc.oneof({ weight: 4, arbitrary: anyJson }, { weight: 1, arbitrary: json }),
    error: fc.oneof({ weight: 4, arbitrary: statusJson }, { weight: 1, arbitrary: json }),
    extra: json,
  },
  { requiredKeys: [] },
);

const CODE_NAMES = Object.keys(Code).filter((key) => Number.isNaN(Number(key)));

/** A Google JSON error, each field sometimes of the wrong type. */
const googleErrorJson: fc.Arbitrary<unknown> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc
      .record(
        {
          code: fc.oneof(fc.integer({ min: 100, max: 599 }), fc.integer(), json),
          status: fc.oneof(
            fc.constantFrom(...CODE_NAMES),
            fc.constantFrom(
              'NOT_A_CODE',
              '3',
              'constructor',
              '__proto__',
              'toString',
              'hasOwnProperty',
              'not_found',
              '',
            ),
            json,
          ),
          message: fc.oneof(wildText, json),
          details: fc.oneof(fc.array(fc.oneof(anyJson, json), { maxLength: 4 }), json),
        },
        { requiredKeys: [] },
      )
      .map((error) => ({ error })),
  },
  { weight: 1, arbitrary: json.map((error) => ({ error })) },
);

// ---------------------------------------------------------------------------------------------
// REST.

/** What the HTTP server answers, and how it ends the exchange. */
interface HttpAnswer {
  readonly status: number;
  readonly reason: string | undefined;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string | Uint8Array;
  /** `end`: a whole answer; `cut`: the body stops short of its content-length; `drop`: no answer at all. */
  readonly ending: 'end' | 'cut' | 'drop';
}

/** A header value Node accepts: printable ASCII and tab. */
const headerText = fc.string({
  unit: fc.oneof(
    { weight: 20, arbitrary: fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 1 }) },
    { weight: 1, arbitrary: fc.constant('\t') },
  ),
  maxLength: 40,
});

const contentType: fc.Arbitrary<string | undefined> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.constantFrom(
      'application/json',
      'application/json; charset=utf-8',
      'APPLICATION/JSON',
      'application/problem+json',
      'text/json',
      'text/plain',
      'text/plain; charset=utf-8',
      'TEXT/PLAIN',
      'text/html',
      'application/octet-stream',
      'application/x-protobuf',
      'application/grpc',
      'json',
      ';',
      '',
    ),
  },
  { weight: 2, arbitrary: headerText },
  { weight: 2, arbitrary: fc.constant(undefined) },
);

const statusCode: fc.Arbitrary<number> = fc.oneof(
  { weight: 4, arbitrary: fc.constant(200) },
  {
    weight: 4,
    arbitrary: fc.constantFrom(
      ...[201, 202, 203, 204, 205, 206, 226, 299, 300, 301, 302, 303, 304, 307, 308, 400, 401, 403, 404, 408],
      ...[409, 416, 429, 499, 500, 501, 502, 503, 504, 599],
    ),
  },
  { weight: 2, arbitrary: fc.integer({ min: 200, max: 599 }) },
);

const HTML = '<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body>\u0000<h1>oops</h1></body></html>';

const restBody: fc.Arbitrary<string | Uint8Array> = fc.oneof(
  { weight: 3, arbitrary: operationJson.map((o) => JSON.stringify(o)) },
  { weight: 3, arbitrary: googleErrorJson.map((e) => JSON.stringify(e)) },
  { weight: 2, arbitrary: fc.json({ maxDepth: 3 }) },
  { weight: 2, arbitrary: fc.uint8Array({ maxLength: 512 }) },
  { weight: 2, arbitrary: wildText },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '',
      ' ',
      '\n',
      'null',
      '[]',
      '{',
      '{"name":',
      '\ufeff{}',
      '{"name":"x","done":true}',
      HTML,
    ),
  },
  {
    weight: 1,
    // Past the 64 KiB an error body is read to.
    arbitrary: fc
      .tuple(fc.constantFrom('{"error":{"message":"', 'x', '😀', '\u0000'), fc.integer({ min: 20_000, max: 40_000 }))
      .map(([head, times]) => head + 'ab😀\u0007'.repeat(times)),
  },
);

const httpAnswer: fc.Arbitrary<HttpAnswer> = fc.record({
  status: statusCode,
  reason: fc.option(headerText, { nil: undefined }),
  headers: fc
    .record(
      {
        'content-type': contentType,
        'retry-after': fc.option(
          fc.oneof(fc.nat().map(String), headerText, fc.constant('Wed, 21 Oct 2015 07:28:00 GMT')),
          {
            nil: undefined,
          },
        ),
        'content-encoding': fc.option(fc.constantFrom('gzip', 'br', 'identity', 'x'), { nil: undefined }),
        'x-random': fc.option(headerText, { nil: undefined }),
      },
      { requiredKeys: [] },
    )
    .map((headers) => {
      const defined: Record<string, string> = {};
      for (const [key, value] of Object.entries(headers)) if (value !== undefined) defined[key] = value;
      return defined;
    }),
  body: restBody,
  ending: fc.oneof(
    { weight: 12, arbitrary: fc.constant('end' as const) },
    { weight: 1, arbitrary: fc.constantFrom('cut' as const, 'drop' as const) },
  ),
});

/** A 200 with an Operation-like JSON body, answered whole. */
const operationAnswer: fc.Arbitrary<HttpAnswer> = fc.record({
  status: fc.constantFrom(200, 201),
  reason: fc.constant(undefined),
  headers: fc.constantFrom(
    { 'content-type': 'application/json' },
    { 'content-type': 'application/json; charset=utf-8' },
    {},
  ),
  body: operationJson.map((o) => JSON.stringify(o)),
  ending: fc.constant('end' as const),
});

/** A long server message full of astral characters: `head + unit.repeat(times)`, kept compact for reports. */
interface LongMessage {
  readonly head: string;
  readonly unit: string;
  readonly times: number;
}

const longMessage: fc.Arbitrary<LongMessage> = fc.record({
  head: fc.string({ unit: 'binary', maxLength: 3 }),
  unit: fc.constantFrom('😀', '𝄞', 'a😀', '\u{10ffff}'),
  times: fc.integer({ min: 100, max: 1500 }),
});

function longText({ head, unit, times }: LongMessage): string {
  return head + unit.repeat(times);
}

/** A non-2xx answer carrying a long message: in a Google JSON error, or as a text/plain body. */
interface LongMessageAnswer {
  readonly status: number;
  readonly type: 'application/json' | 'text/plain';
  readonly message: LongMessage;
}

const longMessageAnswer: fc.Arbitrary<LongMessageAnswer> = fc.record({
  status: fc.constantFrom(400, 404, 429, 500, 503),
  type: fc.constantFrom('application/json' as const, 'text/plain' as const),
  message: longMessage,
});

function longMessageHttpAnswer({ status, type, message }: LongMessageAnswer): HttpAnswer {
  const text = longText(message);
  return {
    status,
    reason: undefined,
    headers: { 'content-type': type },
    body: type === 'text/plain' ? text : JSON.stringify({ error: { code: status, message: text } }),
    ending: 'end',
  };
}

const JSON_TYPE = { 'content-type': 'application/json' };

/** A non-2xx answer with a JSON error body, its fields of random values and types. */
const errorAnswer: fc.Arbitrary<HttpAnswer> = fc.record({
  status: fc.oneof(fc.integer({ min: 300, max: 599 }), fc.constantFrom(400, 404, 500, 503)),
  reason: fc.constant(undefined),
  headers: fc.constantFrom(
    { 'content-type': 'application/json' },
    { 'content-type': 'application/json; charset=utf-8' },
  ),
  body: googleErrorJson.map((e) => JSON.stringify(e)),
  ending: fc.constant('end' as const),
});

/** Answers `res` as `answer` says; a failure here is the test's own bug, so it is kept and reported. */
function answerWith(answer: HttpAnswer, res: import('node:http').ServerResponse, serverErrors: unknown[]): void {
  try {
    if (answer.ending === 'drop') {
      res.destroy();
      return;
    }
    const bytes = Buffer.from(answer.body);
    const headers: Record<string, string> = { ...answer.headers };
    const hasBody = answer.status !== 204 && answer.status !== 304;
    if (answer.ending === 'cut' && hasBody) {
      headers['content-length'] = String(bytes.length + 1 + (bytes.length % 100));
      if (answer.reason === undefined) res.writeHead(answer.status, headers);
      else res.writeHead(answer.status, answer.reason, headers);
      res.write(bytes, () => res.destroy());
      return;
    }
    if (answer.reason === undefined) res.writeHead(answer.status, headers);
    else res.writeHead(answer.status, answer.reason, headers);
    res.end(hasBody ? bytes : undefined);
  } catch (error) {
    serverErrors.push(error);
    res.destroy();
  }
}

const REST_DEADLINE = /^DEADLINE_EXCEEDED: deadline exceeded \(GetOperation\)$/;

describe('REST: generated answers to GetOperation never crash the client (property)', () => {
  let server: RecordingServer;
  let client: OperationsClient;
  const serverErrors: unknown[] = [];

  beforeAll(async () => {
    server = await startRecordingServer();
    client = new OperationsClient({
      transport: createRestTransport({ baseUrl: server.url, insecure: true }),
      retry: { maxAttempts: 1 },
      timeoutMs: 10_000,
    });
  });
  afterAll(async () => {
    await client.close();
    await server.close();
  });
  afterEach(() => expect(serverErrors).toEqual([]));

  async function call(answer: HttpAnswer): Promise<Outcome> {
    server.received.length = 0;
    server.respond((_req, res) => answerWith(answer, res, serverErrors));
    return settle(client.getOperation(NAME, { retry: false }));
  }

  it('any status, headers and body: an Operation or a clean OperationsError (300 runs)', async () => {
    await fc.assert(
      fc.asyncProperty(httpAnswer, async (answer) => {
        const outcome = await call(answer);
        expectSafeOutcome(outcome, REST_DEADLINE);
        if (outcome.ok) expect(answer.status >= 200 && answer.status < 300).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('a 2xx Operation JSON with fields of random types: its name and done, or INTERNAL (200 runs)', async () => {
    await fc.assert(
      fc.asyncProperty(operationAnswer, async (answer) => {
        const outcome = await call(answer);
        const error = expectSafeOutcome(outcome, REST_DEADLINE);
        const sent = JSON.parse(answer.body as string) as Record<string, unknown>;
        if (outcome.ok) {
          expect(outcome.value.name).toBe(sent['name'] ?? '');
          expect(outcome.value.done).toBe(sent['done'] ?? false);
        } else {
          expect(error?.code).toBe(Code.INTERNAL);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('a non-2xx answer is never taken for success: no resolution, no rejection with code OK (200 runs)', async () => {
    await fc.assert(
      fc.asyncProperty(errorAnswer, async (answer) => {
        const outcome = await call(answer);
        const error = expectSafeOutcome(outcome, REST_DEADLINE);
        expect(outcome.ok).toBe(false);
        expect(error?.code).not.toBe(Code.OK);
      }),
      {
        numRuns: 200,
        // Found by this property (shrunk): a JSON error whose status or code says OK.
        examples: [
          [{ status: 400, reason: undefined, headers: JSON_TYPE, body: '{"error":{"status":"OK"}}', ending: 'end' }],
          [{ status: 503, reason: undefined, headers: JSON_TYPE, body: '{"error":{"code":200}}', ending: 'end' }],
        ],
      },
    );
  });

  it('a long server message is capped without splitting a surrogate pair (100 runs)', async () => {
    await fc.assert(
      fc.asyncProperty(longMessageAnswer, async (answer) => {
        const outcome = await call(longMessageHttpAnswer(answer));
        const error = expectSafeOutcome(outcome, REST_DEADLINE);
        expect(outcome.ok).toBe(false);
        expect(LONE_SURROGATE.test(error?.message ?? '')).toBe(false);
      }),
      {
        numRuns: 100,
        // Found by this property (shrunk): the 200-character cap of a text/plain body, and the
        // 1,024-character cap of every message, cut an emoji in two.
        examples: [
          [{ status: 400, type: 'text/plain', message: { head: '', unit: 'a😀', times: 100 } }],
          [{ status: 500, type: 'application/json', message: { head: 'a', unit: '😀', times: 512 } }],
        ],
      },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// gRPC.

type GrpcAnswer =
  | { readonly kind: 'bytes'; readonly bytes: Uint8Array; readonly valid: PbOperation | undefined }
  | {
      readonly kind: 'status';
      readonly code: number;
      readonly message: string;
      readonly detailsBin: Uint8Array | undefined;
      readonly pushback: string | undefined;
    };

/** Mutations of an encoding: bytes overwritten, a cut, bytes appended. */
function mutated(bytes: fc.Arbitrary<Uint8Array>): fc.Arbitrary<Uint8Array> {
  return fc
    .tuple(
      bytes,
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }),
      fc.option(fc.nat(), { nil: undefined }),
      fc.uint8Array({ maxLength: 8 }),
    )
    .map(([original, writes, cut, tail]) => {
      const copy = Uint8Array.from(original);
      if (copy.length > 0) for (const [at, byte] of writes) copy[at % copy.length] = byte;
      const kept = cut === undefined || copy.length === 0 ? copy : copy.subarray(0, cut % copy.length);
      return Uint8Array.from([...kept, ...tail]);
    });
}

const pbAny = fc.record({
  typeUrl: fc.oneof(
    fc.constantFrom(...DETAIL_TYPES).map((t) => `type.googleapis.com/${t}`),
    fc.string({ unit: 'binary', maxLength: 20 }),
  ),
  value: fc.uint8Array({ maxLength: 40 }).map((b) => Buffer.from(b)),
});

const pbOperation: fc.Arbitrary<PbOperation> = fc.record(
  {
    name: fc.string({ unit: 'binary', maxLength: 30 }),
    done: fc.boolean(),
    metadata: pbAny,
    error: fc.record({
      code: fc.integer({ min: -5, max: 40 }),
      message: fc.string({ unit: 'binary', maxLength: 30 }),
      details: fc.array(pbAny, { maxLength: 3 }),
    }),
    response: pbAny,
  },
  { requiredKeys: ['name', 'done'] },
);

const statusBytes: fc.Arbitrary<Uint8Array> = fc
  .record({
    code: fc.integer({ min: -5, max: 40 }),
    message: fc.string({ unit: 'binary', maxLength: 30 }),
    details: fc.array(pbAny, { maxLength: 3 }),
  })
  .map((status) => encodeStatus(status));

const bytesAnswer: fc.Arbitrary<GrpcAnswer> = fc.oneof(
  {
    weight: 2,
    arbitrary: fc.uint8Array({ maxLength: 256 }).map((bytes) => ({ kind: 'bytes' as const, bytes, valid: undefined })),
  },
  {
    weight: 1,
    arbitrary: pbOperation.map((op) => ({ kind: 'bytes' as const, bytes: PbOperation.encode(op).finish(), valid: op })),
  },
  {
    weight: 2,
    arbitrary: mutated(pbOperation.map((op) => PbOperation.encode(op).finish())).map((bytes) => ({
      kind: 'bytes' as const,
      bytes,
      valid: undefined,
    })),
  },
);

/**
 * One header field may be at most 64 KiB once HPACK-encoded (nghttp2's NGHTTP2_HD_MAX_NV, compiled
 * into Node; grpc-js can't raise it), and the status message travels percent-encoded in one header
 * field: up to 12 bytes per character.
 * Messages for the main property stay under it (well past the 1,024-character cap); the
 * 'past the 64 KiB header-list limit' property below goes over it.
 */
const TRAILER_BUDGET = 48 * 1024;

/** Clamps a message so that its encoded form stays within {@link TRAILER_BUDGET}. */
function withinBudget(message: string): string {
  let text = message;
  // A cut may leave half a surrogate pair at the end, which encodeURI (grpc-js' too) can't encode.
  while (encodeURI(text).length > TRAILER_BUDGET)
    text = text.slice(0, Math.floor(text.length * 0.8)).replace(/[\ud800-\udbff]$/, '');
  return text;
}

/** A status message grpc-js can send: any text without a lone surrogate (its encodeURI would throw). */
const grpcMessage: fc.Arbitrary<string> = fc
  .oneof(
    { weight: 6, arbitrary: wildText },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.string({ unit: 'binary', minLength: 1, maxLength: 4 }), fc.integer({ min: 500, max: 20_000 }))
        .map(([unit, times]) => unit.repeat(times)),
    },
  )
  .map(withinBudget);

const statusAnswer: fc.Arbitrary<GrpcAnswer> = fc.record({
  kind: fc.constant('status' as const),
  code: fc.integer({ min: 0, max: 20 }),
  message: grpcMessage,
  detailsBin: fc.option(fc.oneof(fc.uint8Array({ maxLength: 200 }), statusBytes, mutated(statusBytes)), {
    nil: undefined,
  }),
  pushback: fc.option(fc.oneof(fc.nat().map(String), fc.string({ unit: 'grapheme-ascii', maxLength: 12 })), {
    nil: undefined,
  }),
});

const GRPC_DEADLINE = /^DEADLINE_EXCEEDED: Deadline exceeded/;

/** A grpc-js server on 127.0.0.1:0 whose GetOperation answers what `answer` says, and a client of it. */
interface GrpcHarness {
  answer: GrpcAnswer;
  readonly client: OperationsClient;
  close(): Promise<void>;
}

async function startGrpcHarness(timeoutMs: number): Promise<GrpcHarness> {
  const server = new grpc.Server();
  const harness = { answer: { kind: 'bytes', bytes: new Uint8Array(0), valid: undefined } as GrpcAnswer };
  const definition: grpc.ServiceDefinition = {
    GetOperation: {
      path: GET_OPERATION_PATH,
      requestStream: false,
      responseStream: false,
      requestSerialize: (value: Buffer) => value,
      requestDeserialize: (bytes: Buffer) => bytes,
      // The Operation the client reads is whatever bytes this run says.
      responseSerialize: () => Buffer.from(harness.answer.kind === 'bytes' ? harness.answer.bytes : []),
      responseDeserialize: (bytes: Buffer) => bytes,
    },
  };
  server.addService(definition, {
    GetOperation: (_call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => {
      const current = harness.answer;
      if (current.kind === 'bytes') {
        callback(null, Buffer.alloc(0));
        return;
      }
      const metadata = new grpc.Metadata();
      if (current.detailsBin) metadata.set('grpc-status-details-bin', Buffer.from(current.detailsBin));
      if (current.pushback !== undefined) metadata.set('grpc-retry-pushback-ms', current.pushback);
      callback({ code: current.code as grpc.status, details: current.message, metadata });
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    ),
  );
  const client = new OperationsClient({
    transport: createGrpcTransport({ address: `127.0.0.1:${port}`, insecure: true }),
    retry: { maxAttempts: 1 },
    timeoutMs,
  });
  return Object.assign(harness, {
    client,
    close: async () => {
      await client.close();
      server.forceShutdown();
    },
  });
}

async function callGrpc(harness: GrpcHarness, next: GrpcAnswer): Promise<Outcome> {
  harness.answer = next;
  return settle(harness.client.getOperation(NAME, { retry: false }));
}

/** The status the caller should see for a status the server sent (small enough to be received). */
function expectServerStatus(error: OperationsError, sent: { code: number; message: string }): void {
  if (sent.code >= 1 && sent.code <= 16) {
    expect(error.code).toBe(sent.code);
    expect(error.rawMessage).toBe(sanitizeText(sent.message || grpc.status[sent.code] || ''));
  } else if (sent.code > 16) {
    expect(error.code).toBe(Code.UNKNOWN);
  }
}

describe('gRPC: generated answers to GetOperation never crash the client (property)', () => {
  let harness: GrpcHarness;

  beforeAll(async () => {
    harness = await startGrpcHarness(10_000);
  });
  afterAll(async () => {
    await harness.close();
  });

  it('random bytes as the Operation: a decoded Operation or a clean OperationsError (300 runs)', async () => {
    await fc.assert(
      fc.asyncProperty(bytesAnswer, async (next) => {
        const outcome = await callGrpc(harness, next);
        const error = expectSafeOutcome(outcome, GRPC_DEADLINE);
        if (next.kind === 'bytes' && next.valid) {
          // A well-formed encoding decodes to what was encoded.
          expect(error).toBeUndefined();
          if (outcome.ok) {
            expect(outcome.value.name).toBe(next.valid.name);
            expect(outcome.value.done).toBe(next.valid.done);
          }
        }
        if (error) expect(error.code).toBe(Code.INTERNAL);
      }),
      { numRuns: 300 },
    );
  });

  it('random status codes 0..20, messages and status details: a clean OperationsError (300 runs)', async () => {
    await fc.assert(
      fc.asyncProperty(statusAnswer, async (next) => {
        const outcome = await callGrpc(harness, next);
        const error = expectSafeOutcome(outcome, GRPC_DEADLINE);
        expect(outcome.ok).toBe(false);
        if (next.kind === 'status' && error) expectServerStatus(error, next);
      }),
      { numRuns: 300 },
    );
  });

  it('a long status message is capped without splitting a surrogate pair (100 runs)', async () => {
    const longStatus = fc.record({ code: fc.integer({ min: 1, max: 16 }), message: longMessage });
    await fc.assert(
      fc.asyncProperty(longStatus, async ({ code, message }) => {
        const next: GrpcAnswer = {
          kind: 'status',
          code,
          message: longText(message),
          detailsBin: undefined,
          pushback: undefined,
        };
        const outcome = await callGrpc(harness, next);
        const error = expectSafeOutcome(outcome, GRPC_DEADLINE);
        expect(outcome.ok).toBe(false);
        expect(LONE_SURROGATE.test(error?.message ?? '')).toBe(false);
      }),
      {
        numRuns: 100,
        // Found by this property (shrunk): 1,025 code units, the 1,024-character cap cuts the last emoji.
        examples: [[{ code: 5, message: { head: 'a', unit: '😀', times: 512 } }]],
      },
    );
  });
});

describe('gRPC: a status past the 64 KiB header-list limit (property)', () => {
  // Its own server and client: such an answer leaves the channel unusable for a while.
  let harness: GrpcHarness;

  beforeAll(async () => {
    harness = await startGrpcHarness(1_500);
  });
  afterAll(async () => {
    await harness.close();
  });

  // On Node 20 this fails, upstream: a header field past 64 KiB once HPACK-encoded makes nghttp2 send
  // GOAWAY(COMPRESSION_ERROR) and stop reading, and Node 20's HTTP/2 client emits no event at all, so
  // grpc-js waits for the deadline (grpc/grpc-node#2399), and the channel's next calls too until grpc-js
  // reconnects; no channel option changes it. The call's deadline bounds the wait (10 s by default): the
  // call ends with DEADLINE_EXCEEDED then. Node 22 and later end the call at once (INTERNAL) and the next
  // call gets its answer. test/helpers/upstream.ts says which versions; test/faults/grpc-edges.test.ts,
  // section 2, shows each version's behaviour.
  (OVERSIZED_HEADER_HANGS ? it.failing : it)(
    `still ends the call at once, and the channel's next calls get their answer (3 runs; Node ${process.version})`,
    async () => {
      // The message's size once percent-encoded, in bytes, and what it is made of.
      const oversized = fc.record({
        code: fc.integer({ min: 1, max: 16 }),
        unit: fc.constantFrom('x', 'é', '😀', 'a b'),
        bytes: fc.integer({ min: 80 * 1024, max: 160 * 1024 }),
      });
      await fc.assert(
        fc.asyncProperty(oversized, async ({ code, unit, bytes }) => {
          const message = unit.repeat(Math.ceil(bytes / encodeURI(unit).length));
          const big: GrpcAnswer = { kind: 'status', code, message, detailsBin: undefined, pushback: undefined };
          expectSafeOutcome(await callGrpc(harness, big), GRPC_DEADLINE);
          const small = {
            kind: 'status',
            code: 5,
            message: 'not found',
            detailsBin: undefined,
            pushback: undefined,
          } as const;
          // On Node 24 and 26 the next call may meet the destroyed session: UNAVAILABLE, never sent (a retry's
          // business; the harness makes one attempt per call), and the one after it reconnects.
          let after = expectSafeOutcome(await callGrpc(harness, small), GRPC_DEADLINE);
          for (let i = 0; OVERSIZED_HEADER_FAILS_NEXT_CALL && i < 3 && after?.code === Code.UNAVAILABLE; i++) {
            expect(after.rawMessage).toMatch(/The session has been destroyed\)$/);
            await new Promise((resolve) => setTimeout(resolve, 20)); // as a retry's backoff would
            after = expectSafeOutcome(await callGrpc(harness, small), GRPC_DEADLINE);
          }
          if (after) expectServerStatus(after, small);
        }),
        {
          numRuns: 3,
          // A failure waits for the deadline: report the first one without shrinking.
          endOnFailure: true,
          // Found by this property: any status message over ~64 KiB once encoded (grpc/grpc-node#2399).
          examples: [[{ code: 5, unit: 'x', bytes: 80 * 1024 }]],
        },
      );
    },
  );
});
