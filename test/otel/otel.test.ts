/**
 * longrun/otel with the real OpenTelemetry SDK (in-memory span exporter, a metric reader,
 * the AsyncLocalStorage context manager, W3C propagation) against the emulator, both transports.
 */
import { SpanKind, SpanStatusCode, context, metrics, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { MeterProvider, MetricReader, type DataPoint, type Histogram } from '@opentelemetry/sdk-metrics';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider, type ReadableSpan } from '@opentelemetry/sdk-trace';
import { Code, OperationsClient, VERSION } from '../../src';
import { FAULT_HEADER, startEmulator, type Emulator } from '../../src/emulator';
import { ATTRIBUTES, METRICS, openTelemetry, rpcConventionsFromEnv, type RpcConventions } from '../../src/otel';
import { rejectionOf, transportCases, uniqueName } from '../helpers/transports';

class TestReader extends MetricReader {
  protected async onShutdown(): Promise<void> {}
  protected async onForceFlush(): Promise<void> {}
}

const exporter = new InMemorySpanExporter();
const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
const reader = new TestReader();
const meterProvider = new MeterProvider({ readers: [reader] });
const contextManager = new AsyncLocalStorageContextManager();

let emulator: Emulator;
/** The suites below expect the default conventions unless they say otherwise. */
const savedOptIn = process.env['OTEL_SEMCONV_STABILITY_OPT_IN'];

beforeAll(async () => {
  delete process.env['OTEL_SEMCONV_STABILITY_OPT_IN'];
  context.setGlobalContextManager(contextManager.enable());
  trace.setGlobalTracerProvider(provider);
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  metrics.setGlobalMeterProvider(meterProvider);
  emulator = await startEmulator();
});

afterAll(async () => {
  if (savedOptIn !== undefined) process.env['OTEL_SEMCONV_STABILITY_OPT_IN'] = savedOptIn;
  await emulator.close();
  trace.disable();
  context.disable();
  propagation.disable();
  metrics.disable();
});

beforeEach(() => {
  exporter.reset();
  emulator.clearRequests();
});

const caller = trace.getTracer('caller');
const FAST_RETRY = { initialBackoffMs: 10, maxBackoffMs: 20, jitter: 0 };

/** The spans finished so far (the processor exports asynchronously: flushed first). */
async function finished(): Promise<ReadableSpan[]> {
  await provider.forceFlush();
  return exporter.getFinishedSpans();
}

async function only(name: string): Promise<ReadableSpan> {
  const spans = (await finished()).filter((span) => span.name === name);
  expect(spans).toHaveLength(1);
  return spans[0] as ReadableSpan;
}

/** The data points of a metric, read from the SDK now. */
async function points(name: string): Promise<DataPoint<number | Histogram>[]> {
  const { resourceMetrics } = await reader.collect();
  const found = resourceMetrics.scopeMetrics.flatMap((scope) => scope.metrics).find((m) => m.descriptor.name === name);
  return (found?.dataPoints ?? []) as DataPoint<number | Histogram>[];
}

describe.each(transportCases)('longrun/otel over $kind', ({ kind, make }) => {
  let client: OperationsClient;

  beforeAll(() => {
    client = new OperationsClient({ transport: make(emulator), interceptors: [openTelemetry()], retry: FAST_RETRY });
  });

  afterAll(() => client.close());

  it('a NOT_FOUND GetOperation inside a caller span: an ERROR client span, its parent the caller, its traceparent at the server', async () => {
    const name = uniqueName('otel-missing');
    const callerSpan = caller.startSpan('handler');
    const error = await context.with(trace.setSpan(context.active(), callerSpan), () =>
      rejectionOf(client.getOperation(name)),
    );
    callerSpan.end();
    expect(error.code).toBe(Code.NOT_FOUND);

    const span = await only('google.longrunning.Operations/GetOperation');
    expect(span.kind).toBe(SpanKind.CLIENT);
    expect(span.instrumentationScope).toMatchObject({ name: 'longrun', version: VERSION });
    expect(span.status).toEqual({ code: SpanStatusCode.ERROR, message: 'NOT_FOUND' });
    const server = new URL(kind === 'grpc' ? `http://${emulator.grpcAddress}` : emulator.httpUrl);
    expect(span.attributes).toMatchObject({
      'rpc.system': 'grpc',
      'rpc.service': 'google.longrunning.Operations',
      'rpc.method': 'GetOperation',
      'rpc.grpc.status_code': Code.NOT_FOUND,
      'server.address': server.hostname,
      'server.port': Number(server.port),
      [ATTRIBUTES.name]: name,
      [ATTRIBUTES.transport]: kind,
    });
    expect(span.spanContext().traceId).toBe(callerSpan.spanContext().traceId);
    expect(span.parentSpanContext?.spanId).toBe(callerSpan.spanContext().spanId);

    const received = emulator.requests.filter((r) => r.name === name);
    expect(received).toHaveLength(1);
    const [version, traceId, parentId, flags] = (received[0]?.headers['traceparent'] ?? '').split('-');
    expect({ version, traceId, parentId, flags }).toEqual({
      version: '00',
      traceId: callerSpan.spanContext().traceId,
      parentId: span.spanContext().spanId,
      flags: '01',
    });
  });

  it('cancelAndConfirm: a parent span with the outcome, the Cancel and reads as its children, and the outcome counted', async () => {
    const name = uniqueName('otel-cancel');
    emulator.createOperation({ name });
    const before = await points(METRICS.cancelOutcomes);
    const outcome = await caller.startActiveSpan('plan-changed', async (callerSpan) => {
      try {
        return await client.cancelAndConfirm(name, { pollPolicy: { initialDelayMs: 10 } });
      } finally {
        callerSpan.end();
      }
    });
    expect(outcome.outcome).toBe('cancelled');

    const wait = await only('longrun.OperationsClient/cancelAndConfirm');
    expect(wait.kind).toBe(SpanKind.INTERNAL);
    expect(wait.attributes[ATTRIBUTES.outcome]).toBe('cancelled');
    expect(wait.parentSpanContext?.spanId).toBe((await only('plan-changed')).spanContext().spanId);
    const cancel = await only('google.longrunning.Operations/CancelOperation');
    expect(cancel.parentSpanContext?.spanId).toBe(wait.spanContext().spanId);
    expect(cancel.attributes['rpc.grpc.status_code']).toBe(Code.OK);
    expect(cancel.status.code).not.toBe(SpanStatusCode.ERROR);
    const reads = (await finished()).filter(
      (s) => s.name === 'google.longrunning.Operations/GetOperation' || s.name.endsWith('/WaitOperation'),
    );
    expect(reads.length).toBeGreaterThanOrEqual(1);
    for (const read of reads) expect(read.parentSpanContext?.spanId).toBe(wait.spanContext().spanId);

    const cancelled = (list: DataPoint<number | Histogram>[]): number =>
      Number(list.find((p) => p.attributes[ATTRIBUTES.outcome] === 'cancelled')?.value ?? 0);
    expect(cancelled(await points(METRICS.cancelOutcomes)) - cancelled(before)).toBe(1);
  });

  it('retries: events with their delay on the one span of the call, counted, and the call duration recorded once', async () => {
    const name = uniqueName('otel-retry');
    emulator.createOperation({ name });
    const durations = async (): Promise<number> =>
      (await points(METRICS.callDuration))
        .filter((p) => p.attributes['rpc.method'] === 'GetOperation' && p.attributes['rpc.grpc.status_code'] === 0)
        .reduce((sum, p) => sum + (p.value as Histogram).count, 0);
    const before = await durations();
    const operation = await client.getOperation(name, {
      metadata: { [FAULT_HEADER]: JSON.stringify({ code: Code.UNAVAILABLE, times: 2, message: name }) },
    });
    expect(operation.name).toBe(name);

    const span = await only('google.longrunning.Operations/GetOperation');
    expect(span.status.code).not.toBe(SpanStatusCode.ERROR);
    const retries = span.events.filter((event) => event.name === 'retry');
    expect(retries.map((event) => event.attributes?.[ATTRIBUTES.attempt])).toEqual([2, 3]);
    for (const event of retries) {
      expect(event.attributes?.['rpc.grpc.status_code']).toBe(Code.UNAVAILABLE);
      expect(event.attributes?.[ATTRIBUTES.delayMs]).toBeGreaterThanOrEqual(10);
    }
    expect((await durations()) - before).toBe(1);
    const retryPoints = (await points(METRICS.retries)).filter(
      (p) => p.attributes['rpc.method'] === 'GetOperation' && p.attributes[ATTRIBUTES.transport] === kind,
    );
    expect(retryPoints.reduce((sum, p) => sum + Number(p.value), 0)).toBeGreaterThanOrEqual(2);
  });

  it('propagate: false sends no trace context, and the span is still recorded', async () => {
    const quiet = new OperationsClient({
      transport: make(emulator),
      interceptors: [openTelemetry({ propagate: false })],
    });
    try {
      const name = uniqueName('otel-quiet');
      emulator.createOperation({ name });
      await caller.startActiveSpan('handler', async (span) => {
        await quiet.getOperation(name);
        span.end();
      });
      expect(emulator.requests.find((r) => r.name === name)?.headers['traceparent']).toBeUndefined();
      expect((await only('google.longrunning.Operations/GetOperation')).parentSpanContext?.spanId).toBe(
        (await only('handler')).spanContext().spanId,
      );
    } finally {
      await quiet.close();
    }
  });
});

describe.each(transportCases)('OpenTelemetry RPC conventions over $kind', ({ kind, make }) => {
  const EXPERIMENTAL = ['rpc.system', 'rpc.service', 'rpc.grpc.status_code'];
  const STABLE = ['rpc.system.name', 'rpc.status_code'];

  /** The span and the duration point of one NOT_FOUND GetOperation and one OK one, under `rpcConventions`. */
  async function getSpans(rpcConventions?: RpcConventions) {
    const client = new OperationsClient({
      transport: make(emulator),
      interceptors: [openTelemetry(rpcConventions === undefined ? {} : { rpcConventions })],
    });
    try {
      const missing = uniqueName('otel-conv-missing');
      const present = uniqueName('otel-conv-present');
      emulator.createOperation({ name: present });
      await rejectionOf(client.getOperation(missing));
      await client.getOperation(present);
      const spans = (await finished()).filter((span) => span.name === 'google.longrunning.Operations/GetOperation');
      const byName = (name: string) => spans.find((span) => span.attributes[ATTRIBUTES.name] === name)!.attributes;
      const durations = (await points(METRICS.callDuration)).map((p) => p.attributes);
      return { failed: byName(missing), ok: byName(present), durations };
    } finally {
      await client.close();
    }
  }

  it('stable: rpc.system.name, a fully qualified rpc.method, rpc.status_code by name; none of the experimental ones', async () => {
    const { failed, ok, durations } = await getSpans('stable');
    expect(failed).toMatchObject({
      'rpc.system.name': 'grpc',
      'rpc.method': 'google.longrunning.Operations/GetOperation',
      'rpc.status_code': 'NOT_FOUND',
      'error.type': 'NOT_FOUND',
    });
    expect(ok).toMatchObject({ 'rpc.status_code': 'OK' });
    for (const key of EXPERIMENTAL) {
      expect(failed).not.toHaveProperty([key]);
      expect(ok).not.toHaveProperty([key]);
    }
    expect(durations).toContainEqual(
      expect.objectContaining({
        [ATTRIBUTES.transport]: kind,
        'rpc.system.name': 'grpc',
        'rpc.method': 'google.longrunning.Operations/GetOperation',
        'rpc.status_code': 'NOT_FOUND',
        'error.type': 'NOT_FOUND',
      }),
    );
  });

  it('stable: a wait, not an RPC, names its method as longrun.method and carries no rpc.* attribute', async () => {
    const client = new OperationsClient({
      transport: make(emulator),
      interceptors: [openTelemetry({ rpcConventions: 'stable' })],
    });
    try {
      const name = uniqueName('otel-conv-wait');
      emulator.createOperation({ name });
      expect((await client.cancelAndConfirm(name)).outcome).toBe('cancelled');
      const wait = await only('longrun.OperationsClient/cancelAndConfirm');
      expect(wait.attributes).toMatchObject({
        [ATTRIBUTES.method]: 'cancelAndConfirm',
        [ATTRIBUTES.outcome]: 'cancelled',
      });
      expect(Object.keys(wait.attributes).filter((key) => key.startsWith('rpc.'))).toEqual([]);
      const durations = (await points(METRICS.waitDuration)).map((p) => p.attributes);
      expect(durations).toContainEqual(
        expect.objectContaining({ [ATTRIBUTES.method]: 'cancelAndConfirm', [ATTRIBUTES.transport]: kind }),
      );
    } finally {
      await client.close();
    }
  });

  it('both: the attributes of each convention, rpc.method fully qualified', async () => {
    const { failed } = await getSpans('both');
    expect(failed).toMatchObject({
      'rpc.system': 'grpc',
      'rpc.service': 'google.longrunning.Operations',
      'rpc.grpc.status_code': Code.NOT_FOUND,
      'rpc.system.name': 'grpc',
      'rpc.status_code': 'NOT_FOUND',
      'rpc.method': 'google.longrunning.Operations/GetOperation',
    });
  });

  it('the default follows OTEL_SEMCONV_STABILITY_OPT_IN when the interceptor is made; without it, experimental', async () => {
    const saved = process.env['OTEL_SEMCONV_STABILITY_OPT_IN'];
    try {
      process.env['OTEL_SEMCONV_STABILITY_OPT_IN'] = 'http, rpc';
      const stable = await getSpans();
      expect(stable.failed).toMatchObject({ 'rpc.status_code': 'NOT_FOUND' });
      expect(stable.failed).not.toHaveProperty(['rpc.grpc.status_code']);
      delete process.env['OTEL_SEMCONV_STABILITY_OPT_IN'];
      exporter.reset();
      const experimental = await getSpans();
      expect(experimental.failed).toMatchObject({
        'rpc.method': 'GetOperation',
        'rpc.grpc.status_code': Code.NOT_FOUND,
      });
      for (const key of STABLE) expect(experimental.failed).not.toHaveProperty([key]);
    } finally {
      if (saved === undefined) delete process.env['OTEL_SEMCONV_STABILITY_OPT_IN'];
      else process.env['OTEL_SEMCONV_STABILITY_OPT_IN'] = saved;
    }
  });
});

describe('rpcConventionsFromEnv and a bad rpcConventions (pure)', () => {
  it.each([
    [undefined, 'experimental'],
    ['', 'experimental'],
    ['http', 'experimental'],
    ['rpcx, rpc/dupe', 'experimental'],
    ['rpc', 'stable'],
    [' http , rpc ', 'stable'],
    ['rpc/dup', 'both'],
    ['rpc,rpc/dup', 'both'],
  ])('%j: %s', (value, expected) => {
    expect(rpcConventionsFromEnv(value)).toBe(expected);
  });

  it('an unknown rpcConventions is INVALID_ARGUMENT', () => {
    expect(() => openTelemetry({ rpcConventions: 'newest' as RpcConventions })).toThrow(
      expect.objectContaining({ code: Code.INVALID_ARGUMENT }),
    );
  });
});
