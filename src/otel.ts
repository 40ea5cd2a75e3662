/**
 * `longrun/otel`: OpenTelemetry traces and metrics of longrun's calls, as one interceptor.
 * Built on `@opentelemetry/api` (an optional peer dependency: only this entry loads it).
 *
 * ```ts
 * import { OperationsClient } from 'longrun';
 * import { openTelemetry } from 'longrun/otel';
 *
 * const client = new OperationsClient({ interceptors: [openTelemetry()] });
 * ```
 *
 * @module
 */
import { hasSubscribers } from 'node:diagnostics_channel';
import {
  ProxyTracerProvider,
  SpanKind,
  SpanStatusCode,
  context,
  createNoopMeter,
  metrics,
  propagation,
  trace,
  type Attributes,
  type Context,
  type Counter,
  type Histogram,
  type MeterProvider,
  type Tracer,
  type TracerProvider,
} from '@opentelemetry/api';
import { Code, OperationsError, codeName, localError } from './errors';
import type { Call, CallHandler, Interceptor } from './interceptors';
import { cancelOutcome, type CancelOutcome } from './outcome';
import type { Operation } from './proto';
import type { Transport } from './transport';
import { VERSION } from './version';
import { debugLine } from './debug';

/** Options of {@link openTelemetry}; all optional. */
export interface OpenTelemetryOptions {
  /** Where spans go. Default: the global TracerProvider (`trace.setGlobalTracerProvider`, the SDK's `register()`). */
  readonly tracerProvider?: TracerProvider;
  /** Where metrics go. Default: the global MeterProvider (`metrics.setGlobalMeterProvider`). */
  readonly meterProvider?: MeterProvider;
  /**
   * Whether each RPC's metadata (gRPC) or headers (REST) carry the trace context (the global
   * propagator's `traceparent`, `tracestate`, baggage...). `auto` (the default) does, except
   * over REST while something listens to undici's `undici:request:create` diagnostics channel
   * (OpenTelemetry's undici instrumentation, which injects the context of its own span there:
   * a second `traceparent` would be sent otherwise). Over gRPC, OpenTelemetry's grpc-js
   * instrumentation replaces longrun's value with its own span's, so there is always one.
   */
  readonly propagate?: boolean | 'auto';
  /**
   * Which of OpenTelemetry's RPC conventions the spans and metrics follow:
   * - `experimental` (v1.37 and before): `rpc.system`, `rpc.service`, `rpc.method` (the
   *   method alone, `CancelOperation`), `rpc.grpc.status_code` (the code's number);
   * - `stable`: `rpc.system.name`, `rpc.method` (fully qualified,
   *   `google.longrunning.Operations/CancelOperation`), `rpc.status_code` (the code's name,
   *   `NOT_FOUND`); a wait's span and `longrun.wait.duration`, not being RPCs, carry no `rpc.*`
   *   and name the method as `longrun.method`;
   * - `both`: the attributes of both, `rpc.method` fully qualified (the two share that key).
   *
   * Default: as `OTEL_SEMCONV_STABILITY_OPT_IN` says when the interceptor is made (`rpc/dup`:
   * both, `rpc`: stable), else experimental. Span and metric names are the same in all three.
   */
  readonly rpcConventions?: RpcConventions;
}

/** See {@link OpenTelemetryOptions.rpcConventions}. */
export type RpcConventions = 'experimental' | 'stable' | 'both';

/**
 * The RPC conventions `OTEL_SEMCONV_STABILITY_OPT_IN` (a comma-separated list) asks for:
 * `rpc/dup` both, `rpc` stable (`rpc/dup` wins when both are listed), else experimental.
 */
export function rpcConventionsFromEnv(
  optIn: string | undefined = process.env['OTEL_SEMCONV_STABILITY_OPT_IN'],
): RpcConventions {
  const values = (optIn ?? '').split(',').map((value) => value.trim());
  return values.includes('rpc/dup') ? 'both' : values.includes('rpc') ? 'stable' : 'experimental';
}

/** The attributes naming a procedure (`service/Method`) under `conventions`. */
function procedureAttributes(procedure: string, conventions: RpcConventions): Attributes {
  const slash = procedure.indexOf('/');
  const experimental = {
    'rpc.system': 'grpc',
    'rpc.service': procedure.slice(0, slash),
    'rpc.method': procedure.slice(slash + 1),
  };
  const stable = { 'rpc.system.name': 'grpc', 'rpc.method': procedure };
  return conventions === 'experimental'
    ? experimental
    : conventions === 'stable'
      ? stable
      : { ...experimental, ...stable };
}

/** The attributes of a status code under `conventions`. */
function statusAttributes(code: Code, conventions: RpcConventions): Attributes {
  const experimental = { 'rpc.grpc.status_code': code };
  const stable = { 'rpc.status_code': codeName(code) };
  return conventions === 'experimental'
    ? experimental
    : conventions === 'stable'
      ? stable
      : { ...experimental, ...stable };
}

/** The tracer's and meter's name (its version is longrun's). */
export const INSTRUMENTATION_NAME = 'longrun';

/** Span and metric attribute names longrun sets beyond OpenTelemetry's RPC conventions. */
export const ATTRIBUTES = Object.freeze({
  /** The operation's (or for ListOperations the parent's) resource name. */
  name: 'longrun.operation.name',
  /** `grpc` or `rest`. */
  transport: 'longrun.transport',
  /** A wait's outcome: `cancelled`, `completed`, `failed`, `unsupported`, `running`. */
  outcome: 'longrun.outcome',
  /** A retry event's attempt about to run (2, 3, ...). */
  attempt: 'longrun.attempt',
  /** A retry event's delay before that attempt, in ms. */
  delayMs: 'longrun.retry.delay_ms',
  /**
   * A wait's method (`cancelAndConfirm`, `waitForDone`) under the stable conventions, where a
   * wait, not being an RPC, carries no `rpc.*` attribute.
   */
  method: 'longrun.method',
});

/** The metric instruments' names. */
export const METRICS = Object.freeze({
  /** Histogram of each RPC's duration (all attempts), in seconds: OpenTelemetry's `rpc.client.call.duration`. */
  callDuration: 'rpc.client.call.duration',
  /** Counter of retries, by method and the code that caused them. */
  retries: 'longrun.client.retries',
  /** Counter of what cancelAndConfirm found, by outcome. */
  cancelOutcomes: 'longrun.cancel.outcomes',
  /** Histogram of each wait's duration (cancelAndConfirm, waitForDone), in seconds, by outcome. */
  waitDuration: 'longrun.wait.duration',
});

const RPC_SERVICE = 'google.longrunning.Operations';
/** Buckets of the duration histograms, in seconds: 5 ms to 5 min. */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

/** The attributes of a method over a transport, made once: its own, and those of a success. */
interface MethodAttributes {
  readonly base: Attributes;
  readonly ok: Attributes;
}

interface Instruments {
  readonly provider: MeterProvider;
  readonly callDuration: Histogram;
  readonly retries: Counter;
  readonly cancelOutcomes: Counter;
  readonly waitDuration: Histogram;
}

/**
 * An interceptor that traces and measures every call of the clients it is given to:
 * - a CLIENT span per RPC, named `google.longrunning.Operations/CancelOperation` and so on,
 *   with `rpc.system`, `rpc.service`, `rpc.method`, `server.address`, `server.port`,
 *   `rpc.grpc.status_code` (the code's number, over REST too), `longrun.operation.name` and
 *   `longrun.transport` (or the stable RPC conventions' attributes: see
 *   {@link OpenTelemetryOptions.rpcConventions}); status ERROR with the code's name on failure; each retry a `retry`
 *   event with the attempt, the delay and the code that caused it;
 * - an INTERNAL span per wait (`longrun.OperationsClient/cancelAndConfirm`,
 *   `.../waitForDone`), parent of the Cancel, Wait and Get spans it makes, with
 *   `longrun.outcome` (`cancelled`, `completed`, `failed`, `unsupported`, `running`);
 * - the trace context injected into each RPC's metadata by the global propagator;
 * - metrics: `rpc.client.call.duration` (s), `longrun.client.retries`,
 *   `longrun.cancel.outcomes`, `longrun.wait.duration` (s).
 * With no SDK registered, the API's no-ops: nothing is recorded and almost nothing is spent.
 */
export function openTelemetry(options: OpenTelemetryOptions = {}): Interceptor {
  const propagate = options.propagate ?? 'auto';
  const conventions = options.rpcConventions ?? rpcConventionsFromEnv();
  if (!['experimental', 'stable', 'both'].includes(conventions)) {
    throw localError(Code.INVALID_ARGUMENT, `rpcConventions must be experimental, stable or both`);
  }
  const statusOf = (code: Code): Attributes => statusAttributes(code, conventions);
  let tracer: Tracer | undefined;
  let tracerSource: TracerProvider | undefined;
  let instruments: Instruments | undefined;
  const attributesOf = new WeakMap<Transport, Map<string, MethodAttributes>>();

  // The global providers may be registered after the interceptor is made: look them up per call.
  const tracerNow = (): Tracer => {
    const provider = options.tracerProvider ?? trace.getTracerProvider();
    if (provider !== tracerSource) {
      tracerSource = provider;
      tracer = provider.getTracer(INSTRUMENTATION_NAME, VERSION);
    }
    return tracer as Tracer;
  };
  const instrumentsNow = (): Instruments => {
    const provider = options.meterProvider ?? metrics.getMeterProvider();
    if (instruments?.provider !== provider) {
      const meter = provider.getMeter(INSTRUMENTATION_NAME, VERSION);
      const seconds = { unit: 's', advice: { explicitBucketBoundaries: DURATION_BUCKETS } };
      instruments = {
        provider,
        callDuration: meter.createHistogram(METRICS.callDuration, {
          ...seconds,
          description: 'Duration of each RPC, all its attempts included.',
        }),
        retries: meter.createCounter(METRICS.retries, { description: 'Retries of RPCs.', unit: '{retry}' }),
        cancelOutcomes: meter.createCounter(METRICS.cancelOutcomes, {
          description: 'What cancelAndConfirm found.',
          unit: '{operation}',
        }),
        waitDuration: meter.createHistogram(METRICS.waitDuration, {
          ...seconds,
          description: 'Duration of each cancelAndConfirm and waitForDone.',
        }),
      };
    }
    return instruments;
  };
  /** The attributes every span and measurement of a method over a transport shares (made once). */
  const attributesNow = (call: Call): MethodAttributes => {
    let byMethod = attributesOf.get(call.transport);
    if (!byMethod) attributesOf.set(call.transport, (byMethod = new Map()));
    let attributes = byMethod.get(call.method);
    if (!attributes) {
      const server = call.transport.server;
      // A wait is not an RPC: under the stable conventions it names its method outside rpc.*.
      const wait = !call.procedure.startsWith(RPC_SERVICE);
      const base: Attributes = Object.freeze({
        ...(wait && conventions === 'stable'
          ? { [ATTRIBUTES.method]: call.method }
          : procedureAttributes(call.procedure, conventions)),
        [ATTRIBUTES.transport]: call.transport.kind,
        ...(server && { 'server.address': server.address }),
        ...(server?.port !== undefined && { 'server.port': server.port }),
      });
      attributes = { base, ok: Object.freeze({ ...base, ...OK_STATUS[conventions] }) };
      byMethod.set(call.method, attributes);
    }
    return attributes;
  };
  const injects = (call: Call): boolean =>
    propagate === true || (propagate === 'auto' && !(call.transport.kind === 'rest' && hasSubscribers(UNDICI_CREATE)));

  /**
   * Nothing registered at all (the API's no-op tracer, meter and propagator): then the call
   * goes straight on, without a span, a measurement or an async frame of its own.
   */
  const quiet = (): boolean => {
    const provider = options.tracerProvider ?? trace.getTracerProvider();
    if (!(provider instanceof ProxyTracerProvider) || provider.getDelegate() !== NOOP_TRACER_PROVIDER) return false;
    if (instrumentsNow().callDuration !== NOOP_HISTOGRAM) return false;
    return propagate === false || propagation.fields().length === 0;
  };

  const interceptor = (next: CallHandler): CallHandler => {
    const traced = async (call: Call): Promise<unknown> => {
      const parent = context.active();
      const rpc = call.procedure.startsWith(RPC_SERVICE);
      const { base, ok } = attributesNow(call);
      const span = tracerNow().startSpan(
        call.procedure,
        { kind: rpc ? SpanKind.CLIENT : SpanKind.INTERNAL, attributes: base },
        parent,
      );
      const recording = span.isRecording();
      if (recording) span.setAttribute(ATTRIBUTES.name, call.name);
      // A span not recorded (no SDK, or sampled out) carries its parent's context: the calls
      // below run in the parent's context, and a new context is made only for a recorded span.
      const inner = recording ? trace.setSpan(parent, span) : parent;
      const meters = instrumentsNow();
      const started = performance.now();
      if (rpc) {
        if (injects(call)) injectContext(inner, call.metadata);
        call.observe({
          onRetry: ({ attempt, delayMs, error }) => {
            if (recording) {
              span.addEvent('retry', {
                [ATTRIBUTES.attempt]: attempt,
                [ATTRIBUTES.delayMs]: delayMs,
                ...statusOf(error.code),
              });
            }
            meters.retries.add(1, { ...base, ...statusOf(error.code) });
          },
        });
      }
      try {
        const result = await (recording ? context.with(inner, next, undefined, call) : next(call));
        const seconds = (performance.now() - started) / 1000;
        if (rpc) {
          if (recording) span.setAttributes(OK_STATUS[conventions]);
          meters.callDuration.record(seconds, ok);
        } else {
          const outcome = waitOutcome(call, result);
          span.setAttribute(ATTRIBUTES.outcome, outcome);
          meters.waitDuration.record(seconds, { ...base, [ATTRIBUTES.outcome]: outcome });
          if (call.method === 'cancelAndConfirm') meters.cancelOutcomes.add(1, { [ATTRIBUTES.outcome]: outcome });
        }
        return result;
      } catch (reason) {
        const error = OperationsError.from(reason);
        const seconds = (performance.now() - started) / 1000;
        const status = codeName(error.code);
        span.setStatus({ code: SpanStatusCode.ERROR, message: status });
        span.setAttribute('error.type', status);
        if (rpc) {
          const code = statusOf(error.code);
          span.setAttributes(code);
          meters.callDuration.record(seconds, { ...base, ...code, 'error.type': status });
        } else {
          meters.waitDuration.record(seconds, { ...base, 'error.type': status });
        }
        throw reason;
      } finally {
        span.end();
      }
    };
    return (call: Call): Promise<unknown> => (quiet() ? next(call) : traced(call));
  };
  return Object.assign(interceptor, { idle: quiet });
}

/** The attributes of OK under each convention, made once. */
const OK_STATUS: Readonly<Record<RpcConventions, Attributes>> = {
  experimental: Object.freeze(statusAttributes(Code.OK, 'experimental')),
  stable: Object.freeze(statusAttributes(Code.OK, 'stable')),
  both: Object.freeze(statusAttributes(Code.OK, 'both')),
};

/** The API's own no-op tracer provider (a ProxyTracerProvider's delegate until an SDK registers). */
const NOOP_TRACER_PROVIDER = new ProxyTracerProvider().getDelegate();
/** The API's no-op histogram: what every meter of the no-op meter provider makes. */
const NOOP_HISTOGRAM = createNoopMeter().createHistogram(METRICS.callDuration);

/** A metadata key and a value a call can send (the client refuses any other). */
const METADATA_KEY = /^[0-9a-z_.-]+$/;
const METADATA_VALUE = /^[\x20-\x7e]*$/;

/**
 * The trace context into a call's metadata, best effort (RELIABILITY 40): a propagator that
 * throws (the W3C baggage one, given an unpaired surrogate) leaves it all out, and an entry
 * that isn't a metadata key and printable ASCII (baggage with CR/LF or non-ASCII) is left out
 * alone; a NODE_DEBUG=longrun line says which, never its value. Tracing never fails a call.
 */
function injectContext(active: Context, metadata: Record<string, string>): void {
  const carrier: Record<string, string> = {};
  try {
    propagation.inject(active, carrier);
  } catch (error) {
    debugLine(
      'otel trace context left out: the propagator threw %s',
      error instanceof Error ? error.name : typeof error,
    );
    return;
  }
  for (const key of Object.keys(carrier)) {
    const value = carrier[key];
    if (typeof value === 'string' && METADATA_KEY.test(key) && METADATA_VALUE.test(value)) metadata[key] = value;
    else debugLine('otel trace context %s left out: not a metadata key and printable ASCII', JSON.stringify(key));
  }
}

/** undici's diagnostics channel of a request being created, where its instrumentation injects. */
const UNDICI_CREATE = 'undici:request:create';

/** What a wait's result says: its outcome, or for waitForDone what its last read found. */
function waitOutcome(call: Call, result: unknown): CancelOutcome['outcome'] {
  return call.method === 'cancelAndConfirm'
    ? (result as CancelOutcome).outcome
    : cancelOutcome(result as Operation).outcome;
}
