/**
 * The `longrun` command as a subprocess: the emulator verb serving a client of another
 * process that nobody here wrote (grpc-js with @grpc/proto-loader reading the upstream
 * operations.proto), and the demo verb; the verbs against it and the usage errors in process.
 */
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { once } from 'node:events';
import * as path from 'node:path';
import { runCommand, runLongrun, startEmulatorProcess } from '../helpers/cli';

interface DynamicOperation {
  name: string;
  done: boolean;
  error?: { code: number; message: string } | null;
}
type UnaryFn = (request: { name: string }, callback: (error: grpc.ServiceError | null, value: unknown) => void) => void;
type DynamicClient = grpc.Client & { CancelOperation: UnaryFn; GetOperation: UnaryFn };

function loadOperationsClient(address: string): DynamicClient {
  const definition = protoLoader.loadSync('google/longrunning/operations.proto', {
    includeDirs: [path.dirname(require.resolve('google-proto-files/package.json'))],
    defaults: true,
  });
  const loaded = grpc.loadPackageDefinition(definition) as unknown as {
    google: {
      longrunning: { Operations: new (address: string, credentials: grpc.ChannelCredentials) => DynamicClient };
    };
  };
  return new loaded.google.longrunning.Operations(address, grpc.credentials.createInsecure());
}

const lines = (text: string): unknown[] =>
  text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as unknown);

function call<T>(fn: UnaryFn, client: DynamicClient, name: string): Promise<T> {
  return new Promise((resolve, reject) =>
    fn.call(client, { name }, (error, value) => (error ? reject(error) : resolve(value as T))),
  );
}

describe('longrun emulator', () => {
  it('serves seeded operations that another process cancels and confirms; stops cleanly on SIGTERM', async () => {
    const { child, address } = await startEmulatorProcess(['--grpc-port', '0', '--seed', '3']);
    try {
      expect(address.grpc).toMatch(/^127\.0\.0\.1:\d+$/);
      const client = loadOperationsClient(address.grpc as string);
      const name = 'projects/demo/operations/op-2';
      const before = await call<DynamicOperation>(client.GetOperation, client, name);
      expect(before.done).toBe(false);
      await call(client.CancelOperation, client, name);
      const after = await call<DynamicOperation>(client.GetOperation, client, name);
      expect(after.done).toBe(true);
      expect(after.error?.code).toBe(1);
      const other = await call<DynamicOperation>(client.GetOperation, client, 'projects/demo/operations/op-3');
      expect(other.done).toBe(false);
      const missing = await call(client.GetOperation, client, 'projects/demo/operations/op-4').catch(
        (e: grpc.ServiceError) => e,
      );
      expect((missing as grpc.ServiceError).code).toBe(grpc.status.NOT_FOUND);
      client.close();
    } finally {
      child.kill('SIGTERM');
    }
    const [code] = await once(child, 'exit');
    expect(code).toBe(0);
  });

  it('serves REST too: POST :cancel answers {}, a following GET shows done with error.code 1', async () => {
    const { child, address } = await startEmulatorProcess(['--grpc-port', '0', '--http-port', '0', '--seed', '3']);
    try {
      expect(address.http).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const cancel = await fetch(`${address.http}/v1/projects/demo/operations/op-1:cancel`, { method: 'POST' });
      expect(cancel.status).toBe(200);
      expect(await cancel.json()).toEqual({});
      const get = await fetch(`${address.http}/v1/projects/demo/operations/op-1`);
      const op = (await get.json()) as { done?: boolean; error?: { code: number } };
      expect(op.done).toBe(true);
      expect(op.error?.code).toBe(1);
      const missing = await fetch(`${address.http}/v1/projects/demo/operations/op-9`);
      expect(missing.status).toBe(404);
      expect(await missing.json()).toMatchObject({ error: { code: 404, status: 'NOT_FOUND' } });
    } finally {
      child.kill('SIGTERM');
    }
    const [code] = await once(child, 'exit');
    expect(code).toBe(0);
  });

  it('takes the cancel mode for every operation', async () => {
    const { child, address } = await startEmulatorProcess(['--seed', '1', '--cancel', 'unimplemented']);
    try {
      const client = loadOperationsClient(address.grpc as string);
      const error = await call(client.CancelOperation, client, 'projects/demo/operations/op-1').catch(
        (e: grpc.ServiceError) => e,
      );
      expect((error as grpc.ServiceError).code).toBe(grpc.status.UNIMPLEMENTED);
      client.close();
    } finally {
      child.kill('SIGINT');
    }
    const [code] = await once(child, 'exit');
    expect(code).toBe(0);
  });

  it('--api route-optimization: names under a location, its methods and metadata; the verbs take --api too', async () => {
    const { child, address } = await startEmulatorProcess([
      '--api',
      'route-optimization',
      '--seed',
      '2',
      '--run-for',
      'forever',
      '--http-port',
      '0',
    ]);
    try {
      const op1 = 'projects/demo/locations/global/operations/op-1';
      const api = ['--api', 'route-optimization', '--insecure', '--json'];
      const grpcFlags = [...api, '--endpoint', address.grpc as string];
      const restFlags = [...api, '--endpoint', address.http as string, '--transport', 'rest'];
      const seeded = await runCommand(['get', op1, ...grpcFlags]);
      expect(seeded.code).toBe(0);
      expect(JSON.parse(seeded.stdout)).toMatchObject({
        name: op1,
        metadata: { '@type': 'type.googleapis.com/google.maps.routeoptimization.v1.BatchOptimizeToursMetadata' },
      });
      // Without --api, the command takes Optimization v1's names: this one is refused, exit 2.
      // LONGRUN_EMULATOR_HOST stands for --endpoint with --api too.
      const viaEnv = await runCommand(['get', op1, '--api', 'route-optimization', '--json'], {
        env: { LONGRUN_EMULATOR_HOST: address.grpc as string },
      });
      expect(viaEnv.code).toBe(0);
      expect(JSON.parse(viaEnv.stdout)).toMatchObject({ name: op1 });
      const refused = await runCommand(['get', op1, '--endpoint', address.grpc as string, '--insecure']);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toMatch(/expected projects\/\*\/operations\/\*/);
      // Route Optimization's own method starts an operation that runs until cancelled (--run-for forever).
      const started = await fetch(`${address.http}/v1/projects/demo/locations/eu:optimizeToursLongRunning`, {
        method: 'POST',
        body: '{}',
      });
      expect(started.status).toBe(200);
      const { name } = (await started.json()) as { name: string };
      expect(name).toMatch(/^projects\/demo\/locations\/eu\/operations\//);
      const still = await runCommand(['wait', name, ...restFlags, '--timeout', '1s']);
      expect(still.code).toBe(1);
      const running = JSON.parse(still.stdout) as Record<string, unknown>;
      expect(running['name']).toBe(name);
      expect(running).not.toHaveProperty('done'); // proto3 JSON leaves false out
      const cancelled = await runCommand(['cancel', '--parent', 'projects/demo/locations/eu', ...restFlags, '--wait']);
      expect(cancelled.code).toBe(0);
      expect(lines(cancelled.stdout)).toEqual([{ name, outcome: 'cancelled' }]);
    } finally {
      child.kill('SIGTERM');
    }
    const [code] = await once(child, 'exit');
    expect(code).toBe(0);
  });

  it('--run-for bounds what the API method starts; --metadata progress for seeded operations', async () => {
    const { child, address } = await startEmulatorProcess([
      '--seed',
      '1',
      '--run-for',
      '200ms',
      '--metadata',
      'progress',
    ]);
    try {
      const flags = ['--endpoint', address.grpc as string, '--insecure', '--json'];
      const seeded = await runCommand(['get', 'projects/demo/operations/op-1', ...flags]);
      expect(JSON.parse(seeded.stdout)).toMatchObject({
        metadata: { '@type': 'type.googleapis.com/longrun.emulator.v1.ProgressMetadata' },
      });
      const started = await fetch(`${address.http}/v1/projects/demo:batchOptimizeTours`, {
        method: 'POST',
        body: '{}',
      });
      const { name } = (await started.json()) as { name: string };
      // Done well before the default 5 s: --run-for 200ms was applied.
      const waited = await runCommand(['wait', name, ...flags, '--timeout', '3s']);
      expect(waited.code).toBe(0);
      expect(JSON.parse(waited.stdout)).toMatchObject({
        name,
        done: true,
        metadata: {
          '@type': 'type.googleapis.com/google.cloud.optimization.v1.AsyncModelMetadata',
          state: 'SUCCEEDED',
        },
        response: { '@type': 'type.googleapis.com/google.cloud.optimization.v1.BatchOptimizeToursResponse' },
      });
    } finally {
      child.kill('SIGTERM');
    }
    await once(child, 'exit');
  });

  it.each([
    [['emulator', '--bogus'], /unknown option '--bogus'/],
    [['emulator', '--run-for', 'soon'], /expected a duration such as 500ms, 30s or 1m, 0, or forever/],
    [['emulator', '--api', 'maps'], /Allowed choices are optimization, route-optimization, generic/],
    [['emulator', '--metadata', 'verbose'], /Allowed choices are api, progress/],
    [['emulator', '--cancel', 'sometimes'], /Allowed choices are honour, delayed, ignore, unimplemented/],
    [['emulator', '--grpc-port', 'eighty'], /expected a port number/],
    [['frobnicate'], /unknown command/],
  ])('usage errors exit 2 with a one-line hint: %j', async (args, hint) => {
    const result = await runCommand(args);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(hint);
    expect(result.stdout).toBe('');
  });
});

describe('longrun demo', () => {
  it('cancels an operation on the embedded emulator, confirms it, exits 0', async () => {
    const result = await runLongrun(['demo']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/get +done=false/);
    expect(result.stdout).toMatch(/cancel +CancelOperation accepted/);
    expect(result.stdout).toMatch(/get +done=true error\.code=1 \(CANCELLED\)/);
    expect(result.stdout).toMatch(/confirmed over gRPC: /);
    expect(result.stdout).toMatch(/confirmed over REST: /);
  });
});
