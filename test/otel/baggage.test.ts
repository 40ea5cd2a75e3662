/**
 * Trace context is best effort (RELIABILITY 40): with the W3C trace-context and baggage
 * propagators registered, baggage a propagator can't encode (an unpaired surrogate: URIError)
 * or that isn't printable ASCII once encoded (entry metadata with CR/LF, non-ASCII) is left
 * out, the traceparent still goes, and the call succeeds, on both transports.
 */
import { context, propagation, trace, type Context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { OperationsClient } from '../../src';
import { startEmulator, type Emulator } from '../../src/emulator';
import { openTelemetry } from '../../src/otel';
import { transportCases } from '../helpers/transports';

const contextManager = new AsyncLocalStorageContextManager();
const provider = new TracerProvider({
  spanProcessors: [new SimpleSpanProcessor({ exporter: new InMemorySpanExporter() })],
});
let emulator: Emulator;

beforeAll(async () => {
  context.setGlobalContextManager(contextManager.enable());
  trace.setGlobalTracerProvider(provider);
  propagation.setGlobalPropagator(
    new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }),
  );
  emulator = await startEmulator({ seed: 1 });
});
afterAll(async () => {
  await emulator.close();
  propagation.disable();
  trace.disable();
  context.disable();
});

/** A context with a recorded span and `entries` as baggage. */
function withBaggage(entries: Record<string, { value: string; metadata?: string }>): Context {
  const span = provider.getTracer('test').startSpan('app');
  const baggage = propagation.createBaggage(
    Object.fromEntries(
      Object.entries(entries).map(([key, { value, metadata }]) => [
        key,
        { value, ...(metadata !== undefined && { metadata: { toString: () => metadata } as never }) },
      ]),
    ),
  );
  return propagation.setBaggage(trace.setSpan(context.active(), span), baggage);
}

describe.each(transportCases)('over $kind', ({ make }) => {
  it.each([
    ['an unpaired surrogate (the propagator throws URIError)', { user: { value: 'ok\ud800' } }],
    ['entry metadata with CR/LF', { user: { value: 'ok', metadata: 'x\r\ninjected: 1' } }],
    ['entry metadata that is not ASCII', { user: { value: 'ok', metadata: 'prénom' } }],
  ])('baggage with %s: left out, the call succeeds', async (_what, entries) => {
    const client = new OperationsClient({ transport: make(emulator), interceptors: [openTelemetry()] });
    try {
      const before = emulator.requests.length;
      await context.with(withBaggage(entries), () => client.getOperation('projects/demo/operations/op-1'));
      const [request] = emulator.requests.slice(before);
      expect(request?.headers['traceparent']).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/);
      expect(request?.headers['baggage'] ?? '').not.toMatch(/[^\x20-\x7e]|injected/);
    } finally {
      await client.close();
    }
  });
});
