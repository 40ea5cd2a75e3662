/**
 * The APIs' own long-running methods on the emulator, as their clients reach them: over gRPC
 * with the generated clients, over REST by their HTTP rules; the operations they start are
 * then read and cancelled with longrun's OperationsClient.
 */
import * as grpc from '@grpc/grpc-js';
import { AsyncModelMetadata, AsyncModelMetadata_State } from '../../generated/google/cloud/optimization/v1/async_model';
import {
  FleetRoutingClient,
  OptimizeToursRequest as FleetOptimizeToursRequest,
} from '../../generated/google/cloud/optimization/v1/fleet_routing';
import type { Operation as GeneratedOperation } from '../../generated/google/longrunning/operations';
import {
  OptimizeToursRequest,
  OptimizeToursResponse,
  RouteOptimizationClient,
} from '../../generated/google/maps/routeoptimization/v1/route_optimization_service';
import { ProgressMetadata } from '../../generated/longrun/emulator/v1/progress';
import {
  Code,
  GENERIC_RULES,
  OperationsClient,
  ROUTE_OPTIMIZATION_V1_RULES,
  createGrpcTransport,
  createRestTransport,
  createTypeRegistry,
  type HttpRules,
  type MessageCodec,
  type Operation,
} from '../../src';
import { startEmulator, type Emulator, type EmulatorOptions } from '../../src/emulator';
import { FAULT_HEADER } from '../../src/emulator/faults';

const ASYNC_MODEL_METADATA = 'type.googleapis.com/google.cloud.optimization.v1.AsyncModelMetadata';
const FLEET_BATCH_RESPONSE = 'type.googleapis.com/google.cloud.optimization.v1.BatchOptimizeToursResponse';
const ROUTE = 'type.googleapis.com/google.maps.routeoptimization.v1.';
const PROGRESS_METADATA = 'type.googleapis.com/longrun.emulator.v1.ProgressMetadata';

/** The REST client must know the API's types to turn their JSON back into bytes. */
const types = createTypeRegistry({
  'google.cloud.optimization.v1.AsyncModelMetadata': AsyncModelMetadata as MessageCodec<unknown>,
});

const fast = { initialDelayMs: 10, maxDelayMs: 30 };

/** A unary call of a generated client, as a promise. */
type Unary<Req> = (
  request: Req,
  metadata: grpc.Metadata,
  options: Partial<grpc.CallOptions>,
  callback: (error: grpc.ServiceError | null, response: GeneratedOperation) => void,
) => grpc.ClientUnaryCall;

function call<Req>(
  method: Unary<Req>,
  client: grpc.Client,
  request: Req,
  headers: Record<string, string> = {},
  options: Partial<grpc.CallOptions> = {},
): Promise<GeneratedOperation> {
  const metadata = new grpc.Metadata();
  for (const [key, value] of Object.entries(headers)) metadata.set(key, value);
  return new Promise((resolve, reject) =>
    method.call(client, request, metadata, options, (error, response) => (error ? reject(error) : resolve(response))),
  );
}

async function failure(promise: Promise<unknown>): Promise<grpc.ServiceError> {
  try {
    await promise;
  } catch (error) {
    return error as grpc.ServiceError;
  }
  throw new Error('expected the call to fail');
}

function asyncModel(op: { metadata?: { typeUrl: string; value: Uint8Array } | undefined }): AsyncModelMetadata {
  expect(op.metadata?.typeUrl).toBe(ASYNC_MODEL_METADATA);
  return AsyncModelMetadata.decode(op.metadata?.value ?? new Uint8Array());
}

function fault(json: unknown): Record<string, string> {
  return { [FAULT_HEADER]: JSON.stringify(json) };
}

async function post(emulator: Emulator, path: string, body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${emulator.httpUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

interface Clients {
  readonly grpc: OperationsClient;
  readonly rest: OperationsClient;
}

function operationsClients(emulator: Emulator, rules?: HttpRules): Clients {
  const withRules = rules ? { rules } : {};
  return {
    grpc: new OperationsClient({
      transport: createGrpcTransport({ address: emulator.grpcAddress, insecure: true, ...withRules }),
      pollPolicy: fast,
    }),
    rest: new OperationsClient({
      transport: createRestTransport({ baseUrl: emulator.httpUrl, insecure: true, types, ...withRules }),
      pollPolicy: fast,
    }),
  };
}

describe('Optimization v1: FleetRouting.BatchOptimizeTours', () => {
  let emulator: Emulator;
  let fleet: FleetRoutingClient;
  let clients: Clients;
  const batch = (parent: string, headers?: Record<string, string>, options?: Partial<grpc.CallOptions>) =>
    call(fleet.batchOptimizeTours, fleet, { parent, modelConfigs: [] }, headers, options);

  beforeAll(async () => {
    emulator = await startEmulator({ runForMs: 60_000 });
    fleet = new FleetRoutingClient(emulator.grpcAddress, grpc.credentials.createInsecure());
    clients = operationsClients(emulator);
  });
  afterAll(async () => {
    fleet.close();
    await clients.grpc.close();
    await clients.rest.close();
    await emulator.close();
  });

  describe('over gRPC', () => {
    it('starts a running operation with AsyncModelMetadata, which a cancel makes CANCELLED', async () => {
      const before = Date.now();
      const started = await batch('projects/p1');
      expect(started.name).toMatch(/^projects\/p1\/operations\/\d+$/);
      expect(started.done).toBe(false);
      const running = asyncModel(started);
      expect(running.state).toBe(AsyncModelMetadata_State.RUNNING);
      expect(running.createTime?.getTime()).toBeGreaterThanOrEqual(before - 1);
      expect(running.updateTime).toEqual(running.createTime);

      const recorded = emulator.requests.at(-1);
      expect(recorded).toMatchObject({ transport: 'grpc', method: 'BatchOptimizeTours', name: 'projects/p1' });

      const outcome = await clients.grpc.cancelAndConfirm(started.name);
      expect(outcome.outcome).toBe('cancelled');
      const cancelled = await clients.grpc.getOperation(started.name);
      expect(cancelled.error?.code).toBe(Code.CANCELLED);
      expect(cancelled.response).toBeUndefined();
      const metadata = asyncModel(cancelled);
      expect(metadata.state).toBe(AsyncModelMetadata_State.CANCELLED);
      expect(metadata.createTime).toEqual(running.createTime);
      expect(metadata.updateTime?.getTime()).toBeGreaterThanOrEqual(running.createTime?.getTime() ?? Infinity);
    });

    it('is still running after its first reads (runForMs)', async () => {
      const started = await batch('projects/p1');
      await new Promise((resolve) => setTimeout(resolve, 50));
      const op = await clients.grpc.getOperation(started.name);
      expect(op.done).toBe(false);
      expect(asyncModel(op).state).toBe(AsyncModelMetadata_State.RUNNING);
    });

    it('left to finish, ends SUCCEEDED with a BatchOptimizeToursResponse', async () => {
      const started = await batch('projects/p1', fault({ operation: { runForMs: 80 } }));
      const created = asyncModel(started).createTime?.getTime() ?? NaN;
      const done = await clients.grpc.waitForDone(started.name, { timeoutMs: 5000 });
      expect(done.done).toBe(true);
      expect(done.error).toBeUndefined();
      expect(done.response?.typeUrl).toBe(FLEET_BATCH_RESPONSE);
      const metadata = asyncModel(done);
      expect(metadata.state).toBe(AsyncModelMetadata_State.SUCCEEDED);
      expect(metadata.updateTime?.getTime()).toBe(created + 80);
    });

    it('scripted to fail, ends FAILED with its error', async () => {
      const started = await batch(
        'projects/p1',
        fault({ operation: { runForMs: 0, error: { code: 8, message: 'out of solver time' } } }),
      );
      expect(started.done).toBe(true);
      const op = await clients.grpc.getOperation(started.name);
      expect(op.error).toMatchObject({ code: Code.RESOURCE_EXHAUSTED, message: 'out of solver time' });
      const metadata = asyncModel(op);
      expect(metadata.state).toBe(AsyncModelMetadata_State.FAILED);
      expect(metadata.stateMessage).toBe('out of solver time');
    });

    it('takes a scripted cancel mode', async () => {
      const started = await batch('projects/p1', fault({ operation: { cancelMode: 'unimplemented' } }));
      const outcome = await clients.grpc.cancelAndConfirm(started.name);
      expect(outcome.outcome).toBe('unsupported');
      expect(asyncModel(outcome.operation).state).toBe(AsyncModelMetadata_State.RUNNING);
    });

    it('takes the locations binding, naming the operation by its project', async () => {
      const started = await batch('projects/p2/locations/us-central1');
      expect(started.name).toMatch(/^projects\/p2\/operations\/\d+$/);
      expect(emulator.requests.at(-1)?.name).toBe('projects/p2/locations/us-central1');
      expect((await clients.grpc.getOperation(started.name)).done).toBe(false);
    });

    it.each([
      '',
      'projects',
      'projects/',
      'folders/f',
      'projects/p/operations/o',
      'projects/p/locations',
      'projects/../x',
    ])('refuses parent %j with INVALID_ARGUMENT', async (parent) => {
      const error = await failure(batch(parent));
      expect(error.code).toBe(grpc.status.INVALID_ARGUMENT);
      expect(error.details).toMatch(/parent/);
    });

    it('answers UNIMPLEMENTED to the methods it does not serve', async () => {
      const request = FleetOptimizeToursRequest.fromPartial({ parent: 'projects/p1' });
      const error = await new Promise<grpc.ServiceError | null>((resolve) =>
        fleet.optimizeTours(request, (e) => resolve(e)),
      );
      expect(error?.code).toBe(grpc.status.UNIMPLEMENTED);
    });

    it('applies a fault status instead, starting nothing', async () => {
      const listed = async () => (await clients.grpc.listOperationsPage('projects/p3', { pageSize: 1000 })).operations;
      const error = await failure(batch('projects/p3', fault({ code: 14, methods: ['BatchOptimizeTours'] })));
      expect(error.code).toBe(grpc.status.UNAVAILABLE);
      expect(await listed()).toEqual([]);
      // Scoped to other methods, the fault leaves this one alone.
      await batch('projects/p3', fault({ code: 14, methods: ['GetOperation'] }));
      expect(await listed()).toHaveLength(1);
    });

    it('answers delayMs late, the operation started already (a client that gives up leaves it running)', async () => {
      const error = await failure(
        batch('projects/p4', fault({ delayMs: 400 }), { deadline: new Date(Date.now() + 100) }),
      );
      expect(error.code).toBe(grpc.status.DEADLINE_EXCEEDED);
      const { operations } = await clients.grpc.listOperationsPage('projects/p4');
      expect(operations).toHaveLength(1);
      expect(operations[0]?.done).toBe(false);
      const started = Date.now();
      const late = await batch('projects/p4', fault({ delayMs: 150 }));
      expect(Date.now() - started).toBeGreaterThanOrEqual(140);
      expect(late.name).toMatch(/^projects\/p4\/operations\/\d+$/);
    });

    it('refuses a bad operation script with INVALID_ARGUMENT', async () => {
      const error = await failure(batch('projects/p1', fault({ operation: { runForMs: -1 } })));
      expect(error.code).toBe(grpc.status.INVALID_ARGUMENT);
      expect(error.details).toMatch(/runForMs/);
    });
  });

  describe('over REST', () => {
    it('starts an operation by POST /v1/projects/*:batchOptimizeTours; a cancel makes it CANCELLED', async () => {
      const { status, json } = await post(emulator, '/v1/projects/r1:batchOptimizeTours', { modelConfigs: [] });
      expect(status).toBe(200);
      const name = json['name'] as string;
      expect(name).toMatch(/^projects\/r1\/operations\/\d+$/);
      expect(json['done']).toBeUndefined();
      const metadata = json['metadata'] as Record<string, unknown>;
      expect(metadata['@type']).toBe(ASYNC_MODEL_METADATA);
      expect(metadata['state']).toBe('RUNNING');
      expect(Date.parse(metadata['createTime'] as string)).toBeGreaterThan(0);
      expect(emulator.requests.at(-1)).toMatchObject({
        transport: 'rest',
        method: 'BatchOptimizeTours',
        name: 'projects/r1',
      });

      const outcome = await clients.rest.cancelAndConfirm(name);
      expect(outcome.outcome).toBe('cancelled');
      expect(asyncModel(outcome.operation).state).toBe(AsyncModelMetadata_State.CANCELLED);
      const read = await fetch(`${emulator.httpUrl}/v1/${name}`);
      const after = (await read.json()) as Record<string, Record<string, unknown>>;
      expect(after['metadata']?.['state']).toBe('CANCELLED');
      expect(after['error']?.['code']).toBe(1);
    });

    it('$alt=json;enum-encoding=int (what google-gax sends) gets enums as numbers; without it, names', async () => {
      const alt = `?$alt=${encodeURIComponent('json;enum-encoding=int')}`;
      const started = await post(emulator, `/v1/projects/r9:batchOptimizeTours${alt}`, {});
      expect(started.status).toBe(200);
      expect(started.json['metadata']).toMatchObject({
        '@type': ASYNC_MODEL_METADATA,
        state: AsyncModelMetadata_State.RUNNING,
      });
      const name = started.json['name'] as string;
      const read = async (query: string) =>
        (
          (await (await fetch(`${emulator.httpUrl}/v1/${name}${query}`)).json()) as Record<
            string,
            Record<string, unknown>
          >
        )['metadata']?.['state'];
      expect(await read(alt)).toBe(AsyncModelMetadata_State.RUNNING);
      expect(await read('?$alt=json')).toBe('RUNNING');
      expect(await read('')).toBe('RUNNING');
      const listed = (await (
        await fetch(`${emulator.httpUrl}/v1/projects/r9/operations${alt}`, { method: 'POST' })
      ).json()) as {
        operations: { metadata: { state: unknown } }[];
      };
      expect(listed.operations.map((o) => o.metadata.state)).toEqual([AsyncModelMetadata_State.RUNNING]);
      await clients.rest.cancelOperation(name);
    });

    it('takes the locations binding', async () => {
      const { status, json } = await post(emulator, '/v1/projects/r2/locations/europe-west1:batchOptimizeTours', {});
      expect(status).toBe(200);
      expect(json['name']).toMatch(/^projects\/r2\/operations\/\d+$/);
    });

    it('reads the same operation as gRPC does', async () => {
      const { json } = await post(
        emulator,
        '/v1/projects/r1:batchOptimizeTours',
        {},
        fault({ operation: { runForMs: 0 } }),
      );
      const name = json['name'] as string;
      const [overGrpc, overRest] = await Promise.all([
        clients.grpc.getOperation(name),
        clients.rest.getOperation(name),
      ]);
      expect(overGrpc.response?.typeUrl).toBe(FLEET_BATCH_RESPONSE);
      expect(asyncModel(overGrpc).state).toBe(AsyncModelMetadata_State.SUCCEEDED);
      expect(overRest.metadata).toEqual(overGrpc.metadata);
      expect(overRest.name).toBe(overGrpc.name);
      expect(overRest.done).toBe(true);
      expect((json['response'] as Record<string, unknown>)['@type']).toBe(FLEET_BATCH_RESPONSE);
    });

    it('refuses a bad parent with 400 INVALID_ARGUMENT', async () => {
      const { status, json } = await post(emulator, '/v1/projects/r1/zones/z:batchOptimizeTours', {});
      expect(status).toBe(400);
      expect((json['error'] as Record<string, unknown>)['status']).toBe('INVALID_ARGUMENT');
    });

    it('refuses a body that is not a JSON object', async () => {
      const { status } = await post(emulator, '/v1/projects/r1:batchOptimizeTours', [1]);
      expect(status).toBe(400);
    });

    it('serves no Route Optimization method', async () => {
      const response = await fetch(`${emulator.httpUrl}/v1/projects/r1:optimizeToursLongRunning`, {
        method: 'POST',
        body: '{}',
      });
      expect(response.status).toBe(404);
    });
  });

  describe('operations it did not start', () => {
    it('report AsyncModelMetadata: RUNNING, then CANCELLED', async () => {
      const op = emulator.createOperation({ name: 'projects/seeded/operations/a' });
      expect(asyncModel(op).state).toBe(AsyncModelMetadata_State.RUNNING);
      await clients.grpc.cancelOperation(op.name);
      expect(asyncModel(emulator.getOperation(op.name)).state).toBe(AsyncModelMetadata_State.CANCELLED);
    });

    it('report ProgressMetadata only on request', async () => {
      const op = emulator.createOperation({ name: 'projects/seeded/operations/b', metadata: 'progress' });
      expect(op.metadata?.typeUrl).toBe(PROGRESS_METADATA);
      const progress = ProgressMetadata.decode(op.metadata?.value ?? new Uint8Array());
      expect(Number(progress.createTimeMs)).toBeGreaterThan(0);
      expect(progress.cancelRequested).toBe(false);
    });
  });
});

describe('Route Optimization v1: RouteOptimization.BatchOptimizeTours and OptimizeToursLongRunning', () => {
  let emulator: Emulator;
  let route: RouteOptimizationClient;
  let clients: Clients;

  beforeAll(async () => {
    emulator = await startEmulator({ rules: ROUTE_OPTIMIZATION_V1_RULES, runForMs: 60_000, seed: 1 });
    route = new RouteOptimizationClient(emulator.grpcAddress, grpc.credentials.createInsecure());
    clients = operationsClients(emulator, ROUTE_OPTIMIZATION_V1_RULES);
  });
  afterAll(async () => {
    route.close();
    await clients.grpc.close();
    await clients.rest.close();
    await emulator.close();
  });

  it('BatchOptimizeTours starts an operation under the location, cancelled by longrun', async () => {
    const started = await call(route.batchOptimizeTours, route, {
      parent: 'projects/p/locations/eu',
      modelConfigs: [],
    });
    expect(started.name).toMatch(/^projects\/p\/locations\/eu\/operations\/\d+$/);
    expect(started.metadata?.typeUrl).toBe(`${ROUTE}BatchOptimizeToursMetadata`);
    expect(emulator.requests.at(-1)).toMatchObject({ method: 'BatchOptimizeTours', name: 'projects/p/locations/eu' });
    const outcome = await clients.grpc.cancelAndConfirm(started.name);
    expect(outcome.outcome).toBe('cancelled');
    expect(outcome.operation.metadata?.typeUrl).toBe(`${ROUTE}BatchOptimizeToursMetadata`);
  });

  it('BatchOptimizeTours left to finish answers a BatchOptimizeToursResponse', async () => {
    const started = await call(
      route.batchOptimizeTours,
      route,
      { parent: 'projects/p/locations/eu', modelConfigs: [] },
      fault({ operation: { runForMs: 30 } }),
    );
    const done = await clients.grpc.waitForDone(started.name, { timeoutMs: 5000 });
    expect(done.response?.typeUrl).toBe(`${ROUTE}BatchOptimizeToursResponse`);
  });

  it('OptimizeToursLongRunning with a project parent runs in location global, echoing the label', async () => {
    const request = OptimizeToursRequest.fromPartial({ parent: 'projects/p', label: 'run-7' });
    const started = await call(route.optimizeToursLongRunning, route, request, fault({ operation: { runForMs: 0 } }));
    expect(started.name).toMatch(/^projects\/p\/locations\/global\/operations\/\d+$/);
    expect(started.metadata?.typeUrl).toBe(`${ROUTE}OptimizeToursLongRunningMetadata`);
    const done = await clients.grpc.getOperation(started.name);
    expect(done.response?.typeUrl).toBe(`${ROUTE}OptimizeToursResponse`);
    expect(OptimizeToursResponse.decode(done.response?.value ?? new Uint8Array()).requestLabel).toBe('run-7');
  });

  it('refuses a bad parent with INVALID_ARGUMENT', async () => {
    for (const parent of ['projects/p/locations', 'projects/p/locations/eu/operations/x', 'locations/eu']) {
      const request = OptimizeToursRequest.fromPartial({ parent });
      const error = await failure(call(route.optimizeToursLongRunning, route, request));
      expect(error.code).toBe(grpc.status.INVALID_ARGUMENT);
    }
  });

  it('over REST, by both bindings', async () => {
    const first = await post(emulator, '/v1/projects/p/locations/asia:optimizeToursLongRunning', { label: 'L' });
    expect(first.status).toBe(200);
    expect(first.json['name']).toMatch(/^projects\/p\/locations\/asia\/operations\/\d+$/);
    expect((first.json['metadata'] as Record<string, unknown>)['@type']).toBe(
      `${ROUTE}OptimizeToursLongRunningMetadata`,
    );
    const second = await post(emulator, '/v1/projects/p:batchOptimizeTours', {}, fault({ operation: { runForMs: 0 } }));
    expect(second.json['name']).toMatch(/^projects\/p\/locations\/global\/operations\/\d+$/);
    expect(second.json['done']).toBe(true);
    expect((second.json['response'] as Record<string, unknown>)['@type']).toBe(`${ROUTE}BatchOptimizeToursResponse`);
    expect((await clients.rest.cancelAndConfirm(first.json['name'] as string)).outcome).toBe('cancelled');
    const bad = await post(emulator, '/v1/projects/p/locations/:batchOptimizeTours', {});
    expect(bad.status).toBe(400);
  });

  it('seeded operations report BatchOptimizeToursMetadata', () => {
    const seeded = emulator.getOperation('projects/demo/locations/global/operations/op-1');
    expect(seeded.metadata?.typeUrl).toBe(`${ROUTE}BatchOptimizeToursMetadata`);
  });

  it('FleetRouting is not served', async () => {
    const fleet = new FleetRoutingClient(emulator.grpcAddress, grpc.credentials.createInsecure());
    try {
      const error = await failure(call(fleet.batchOptimizeTours, fleet, { parent: 'projects/p', modelConfigs: [] }));
      expect(error.code).toBe(grpc.status.UNIMPLEMENTED);
    } finally {
      fleet.close();
    }
  });
});

describe('emulator options', () => {
  const emulators: Emulator[] = [];
  const start = async (options: EmulatorOptions) => {
    const emulator = await startEmulator(options);
    emulators.push(emulator);
    return emulator;
  };
  afterAll(() => Promise.all(emulators.map((e) => e.close())));

  it('runForMs sets how long API-started operations run; credentials are required as for Operations', async () => {
    const emulator = await start({ runForMs: 0, requireToken: 'secret' });
    const fleet = new FleetRoutingClient(emulator.grpcAddress, grpc.credentials.createInsecure());
    try {
      const batch = (headers: Record<string, string>) =>
        call(fleet.batchOptimizeTours, fleet, { parent: 'projects/p', modelConfigs: [] }, headers);
      expect((await failure(batch({}))).code).toBe(grpc.status.UNAUTHENTICATED);
      const rest = await post(emulator, '/v1/projects/p:batchOptimizeTours', {});
      expect(rest.status).toBe(401);
      const op = await batch({ authorization: 'Bearer secret' });
      expect(op.done).toBe(true);
      expect(op.response?.typeUrl).toBe(FLEET_BATCH_RESPONSE);
      expect(asyncModel(op).state).toBe(AsyncModelMetadata_State.SUCCEEDED);
    } finally {
      fleet.close();
    }
  });

  it('refuses a negative runForMs', async () => {
    await expect(startEmulator({ runForMs: -1 })).rejects.toThrow(/runForMs/);
  });

  it("metadata: 'progress' makes seeded and created operations report ProgressMetadata, not API-started ones", async () => {
    const emulator = await start({ metadata: 'progress', seed: 1 });
    expect(emulator.getOperation('projects/demo/operations/op-1').metadata?.typeUrl).toBe(PROGRESS_METADATA);
    expect(emulator.createOperation({}).metadata?.typeUrl).toBe(PROGRESS_METADATA);
    expect(emulator.createOperation({ metadata: 'api' }).metadata?.typeUrl).toBe(ASYNC_MODEL_METADATA);
    const { json } = await post(emulator, '/v1/projects/p:batchOptimizeTours', {});
    expect((json['metadata'] as Record<string, unknown>)['@type']).toBe(ASYNC_MODEL_METADATA);
  });

  it('the generic rules serve no API method; operations report AsyncModelMetadata', async () => {
    const emulator = await start({ rules: GENERIC_RULES, seed: 1 });
    const op: Operation = emulator.getOperation('operations/op-1');
    expect(asyncModel(op).state).toBe(AsyncModelMetadata_State.RUNNING);
    const fleet = new FleetRoutingClient(emulator.grpcAddress, grpc.credentials.createInsecure());
    try {
      const error = await failure(call(fleet.batchOptimizeTours, fleet, { parent: 'projects/p', modelConfigs: [] }));
      expect(error.code).toBe(grpc.status.UNIMPLEMENTED);
    } finally {
      fleet.close();
    }
    const response = await fetch(`${emulator.httpUrl}/v1/projects/p:batchOptimizeTours`, {
      method: 'POST',
      body: '{}',
    });
    // The path is then an Operations method's with a bad name (400), as any other stray path is.
    expect(response.status).toBe(400);
    await response.text();
    expect(emulator.requests.map((r) => r.method)).not.toContain('BatchOptimizeTours');
  });
});
