/**
 * longrun/otel alongside OpenTelemetry's own grpc-js and undici instrumentations, registered
 * the way an application does (require hooks, which jest's module registry bypasses): the
 * scenario runs as a plain Node process on the built package, `fixtures/instrumented.js`,
 * and prints its finished spans and the requests the emulator received.
 */
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { SpanKind } from '@opentelemetry/api';

interface SpanRecord {
  readonly name: string;
  readonly kind: SpanKind;
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string | null;
  readonly attributes: Record<string, unknown>;
  readonly status: { readonly code: number; readonly message?: string };
  readonly scope: string;
}

interface RequestRecord {
  readonly transport: 'grpc' | 'rest';
  readonly method: string;
  readonly traceparent: string | null;
}

interface Output {
  readonly results: Record<string, { readonly outcome: string }>;
  readonly spans: readonly SpanRecord[];
  readonly requests: readonly RequestRecord[];
}

const FIXTURE = path.join(__dirname, 'fixtures', 'instrumented.js');
const ATTEMPT_SCOPE = {
  grpc: '@opentelemetry/instrumentation-grpc',
  rest: '@opentelemetry/instrumentation-undici',
} as const;
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}$/;

async function runFixture(propagate?: 'true'): Promise<Output> {
  const { stdout } = await promisify(execFile)(process.execPath, propagate ? [FIXTURE, propagate] : [FIXTURE], {
    cwd: path.join(__dirname, '..', '..'),
    timeout: 60_000,
    encoding: 'utf8',
  });
  const lines = stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]!) as Output;
}

let auto: Output;
let forced: Output;

beforeAll(async () => {
  [auto, forced] = await Promise.all([runFixture(), runFixture('true')]);
}, 90_000);

describe.each(['grpc', 'rest'] as const)('with OpenTelemetry instrumentations registered, over %s', (kind) => {
  /** The caller's span, longrun's spans of this transport, and the instrumentation's attempt spans. */
  const scene = () => {
    const caller = auto.spans.find((span) => span.scope === 'app' && span.name === `caller ${kind}`);
    expect(caller).toBeDefined();
    const longrun = auto.spans.filter(
      (span) => span.scope === 'longrun' && span.attributes['longrun.transport'] === kind,
    );
    const wait = longrun.find((span) => span.name === 'longrun.OperationsClient/cancelAndConfirm');
    expect(wait).toBeDefined();
    const rpcs = longrun.filter((span) => span.kind === SpanKind.CLIENT);
    const attempts = auto.spans.filter((span) => span.scope === ATTEMPT_SCOPE[kind] && span.kind === SpanKind.CLIENT);
    const requests = auto.requests.filter((request) => request.transport === kind);
    return { caller: caller!, wait: wait!, rpcs, attempts, requests };
  };

  test("each attempt span nests under longrun's span of its RPC, under the caller (or the wait)", () => {
    const { caller, wait, rpcs, attempts } = scene();
    expect(caller.parentSpanId).toBeNull();
    expect(wait.kind).toBe(SpanKind.INTERNAL);
    expect(wait.parentSpanId).toBe(caller.spanId);
    // getOperation, then the wait's cancel and at least one read.
    const direct = rpcs.filter((span) => span.parentSpanId === caller.spanId);
    expect(direct.map((span) => span.name)).toEqual(['google.longrunning.Operations/GetOperation']);
    const waitRpcs = rpcs.filter((span) => span.parentSpanId !== caller.spanId);
    expect(waitRpcs.length).toBeGreaterThanOrEqual(2);
    expect(waitRpcs.map((span) => span.name)).toContain('google.longrunning.Operations/CancelOperation');
    for (const span of waitRpcs) expect(span.parentSpanId).toBe(wait.spanId);

    // One attempt span per RPC (no retries here), each a child of that RPC's longrun span.
    expect(attempts).toHaveLength(rpcs.length);
    for (const rpc of rpcs) {
      const children = attempts.filter((span) => span.parentSpanId === rpc.spanId);
      expect(children).toHaveLength(1);
      if (kind === 'grpc') expect(children[0]!.name).toBe(`grpc.${rpc.name}`);
    }
    for (const span of [wait, ...rpcs, ...attempts]) expect(span.traceId).toBe(caller.traceId);
  });

  test("each request carries one traceparent: the attempt span's, in the caller's trace", () => {
    const { caller, rpcs, attempts, requests } = scene();
    expect(requests).toHaveLength(rpcs.length);
    const seen = new Set<string>();
    for (const request of requests) {
      expect(request.traceparent).not.toBeNull();
      expect(request.traceparent).not.toContain(',');
      const match = TRACEPARENT.exec(request.traceparent!);
      expect(match).not.toBeNull();
      const [, traceId, parentId] = match!;
      expect(traceId).toBe(caller.traceId);
      expect(rpcs.map((span) => span.spanId)).not.toContain(parentId);
      const attempt = attempts.find((span) => span.spanId === parentId);
      expect(attempt).toBeDefined();
      // The attempt of this very request: its RPC is the request's method.
      const rpc = rpcs.find((span) => span.spanId === attempt!.parentSpanId);
      expect(rpc?.attributes['rpc.method']).toBe(request.method);
      seen.add(parentId!);
    }
    expect(seen.size).toBe(requests.length);
  });

  test('the cancelAndConfirm span records longrun.outcome = cancelled', () => {
    const { wait } = scene();
    expect(auto.results[kind]).toEqual({ outcome: 'cancelled' });
    expect(wait.attributes['longrun.outcome']).toBe('cancelled');
    expect(wait.status.code).not.toBe(2); // SpanStatusCode.ERROR
  });
});

test("control: propagate: true over REST sends a second traceparent, which 'auto' avoids", () => {
  const rest = forced.requests.filter((request) => request.transport === 'rest');
  expect(rest.length).toBeGreaterThan(0);
  for (const request of rest) expect(request.traceparent!.split(',')).toHaveLength(2);
  // Over gRPC the instrumentation replaces longrun's value: one either way.
  const grpc = forced.requests.filter((request) => request.transport === 'grpc');
  expect(grpc.length).toBeGreaterThan(0);
  for (const request of grpc) expect(request.traceparent).toMatch(TRACEPARENT);
});
