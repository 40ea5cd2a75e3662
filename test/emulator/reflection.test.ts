/** The emulator's gRPC server reflection: `buf curl` with no schema flags, and the protocol itself. */
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { fromBinary } from '@bufbuild/protobuf';
import { FileDescriptorProtoSchema } from '@bufbuild/protobuf/wkt';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { ROUTE_OPTIMIZATION_V1_RULES } from '../../src';
import { startEmulator, type Emulator } from '../../src/emulator';
import { REFLECTED_SERVICES } from '../../src/emulator/reflection';

const BUF = path.resolve(__dirname, '../../node_modules/.bin/buf');
const OP = 'projects/demo/operations/op-1';

async function bufCurl(...args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)(
    BUF,
    ['curl', '--protocol', 'grpc', '--http2-prior-knowledge', ...args],
    {
      timeout: 20_000,
    },
  );
  return stdout;
}

const FLEET_ROUTING = 'google.cloud.optimization.v1.FleetRouting';

describe('gRPC server reflection', () => {
  let emulator: Emulator;
  let url: string;

  beforeAll(async () => {
    emulator = await startEmulator({ seed: 1 });
    url = `http://${emulator.grpcAddress}`;
  });
  afterAll(() => emulator.close());

  describe('buf curl, no schema flags', () => {
    it.each(['grpc-v1', 'grpc-v1alpha'])('lists the services over %s', async (protocol) => {
      const out = await bufCurl('--reflect-protocol', protocol, '--list-services', url);
      expect(out.trim().split('\n').sort()).toEqual([...REFLECTED_SERVICES, FLEET_ROUTING].sort());
    });

    it('lists the methods', async () => {
      const out = await bufCurl('--list-methods', url);
      for (const method of ['GetOperation', 'ListOperations', 'CancelOperation', 'DeleteOperation', 'WaitOperation']) {
        expect(out).toContain(`google.longrunning.Operations/${method}`);
      }
      expect(out).toContain('google.cloud.optimization.v1.FleetRouting/');
      expect(out).not.toContain('google.maps.routeoptimization.v1.RouteOptimization/');
      expect(out).toContain('longrun.emulator.v1.EmulatorControl/');
    });

    it('calls GetOperation and prints the operation as JSON', async () => {
      const out = await bufCurl(
        '-d',
        JSON.stringify({ name: OP }),
        `${url}/google.longrunning.Operations/GetOperation`,
      );
      expect(JSON.parse(out)).toMatchObject({ name: OP });
    });
  });

  describe('grpc.reflection.v1.ServerReflection over grpc-js', () => {
    type Response = {
      listServicesResponse?: { service: { name: string }[] };
      fileDescriptorResponse?: { fileDescriptorProto: Buffer[] };
      errorResponse?: { errorCode: number; errorMessage: string };
    };
    type ReflectionClient = grpc.Client & { ServerReflectionInfo(): grpc.ClientDuplexStream<object, Response> };
    let connect: (address: string) => ReflectionClient;
    let client: ReflectionClient;

    beforeAll(() => {
      const definition = protoLoader.loadSync(
        path.resolve(__dirname, '../../node_modules/@grpc/reflection/build/proto/grpc/reflection/v1/reflection.proto'),
        { longs: String, enums: String, defaults: true, oneofs: true },
      );
      const pkg = grpc.loadPackageDefinition(definition) as unknown as {
        grpc: { reflection: { v1: { ServerReflection: grpc.ServiceClientConstructor } } };
      };
      const { ServerReflection } = pkg.grpc.reflection.v1;
      connect = (address) =>
        new ServerReflection(address, grpc.credentials.createInsecure()) as unknown as ReflectionClient;
      client = connect(emulator.grpcAddress);
    });
    afterAll(() => client.close());

    /** Sends the requests on one stream of `on`; resolves with the responses. */
    const reflect = (on: ReflectionClient, ...requests: object[]): Promise<Response[]> =>
      new Promise((resolve, reject) => {
        const call = on.ServerReflectionInfo();
        const responses: Response[] = [];
        call.on('data', (response: Response) => responses.push(response));
        call.on('error', reject);
        call.on('end', () => resolve(responses));
        for (const request of requests) call.write(request);
        call.end();
      });

    it('lists the services, and gives the file of a symbol with its imports', async () => {
      const [list, file, missing] = await reflect(
        client,
        { listServices: '*' },
        { fileContainingSymbol: 'google.longrunning.Operations' },
        { fileContainingSymbol: 'no.such.Symbol' },
      );
      expect(list!.listServicesResponse!.service.map((s) => s.name).sort()).toEqual(
        [...REFLECTED_SERVICES, FLEET_ROUTING].sort(),
      );
      const names = file!.fileDescriptorResponse!.fileDescriptorProto.map(
        (bytes) => fromBinary(FileDescriptorProtoSchema, bytes).name,
      );
      expect(names).toEqual(
        expect.arrayContaining(['google/longrunning/operations.proto', 'google/protobuf/any.proto']),
      );
      expect(missing!.errorResponse).toMatchObject({ errorCode: grpc.status.NOT_FOUND });
    });

    it('serves a second emulator in the same process', async () => {
      const other = await startEmulator();
      const otherClient = connect(other.grpcAddress);
      try {
        const [list] = await reflect(otherClient, { listServices: '*' });
        expect(list!.listServicesResponse!.service).toHaveLength(REFLECTED_SERVICES.length + 1);
      } finally {
        otherClient.close();
        await other.close();
      }
    });
  });
});

it('under the Route Optimization rules: its own API service, not FleetRouting', async () => {
  const emulator = await startEmulator({ rules: ROUTE_OPTIMIZATION_V1_RULES });
  try {
    const out = await bufCurl('--list-services', `http://${emulator.grpcAddress}`);
    expect(out.trim().split('\n').sort()).toEqual(
      [...REFLECTED_SERVICES, 'google.maps.routeoptimization.v1.RouteOptimization'].sort(),
    );
  } finally {
    await emulator.close();
  }
});

it('an emulator that requires a credential requires it of reflection too', async () => {
  const emulator = await startEmulator({ requireToken: 'reflect-token', seed: 1 });
  try {
    const url = `http://${emulator.grpcAddress}`;
    const refused = await bufCurl('--list-services', url).then(
      () => undefined,
      (error: { stderr?: string }) => error.stderr ?? '',
    );
    expect(refused).toMatch(/not authenticated|unauthenticated/i);
    const out = await bufCurl('--reflect-header', 'authorization: Bearer reflect-token', '--list-services', url);
    expect(out.trim().split('\n').sort()).toEqual([...REFLECTED_SERVICES, FLEET_ROUTING].sort());
    // The README's line: the header for reflection, and for the call itself.
    const header = 'authorization: Bearer reflect-token';
    const got = await bufCurl(
      '--reflect-header',
      header,
      '-H',
      header,
      '-d',
      JSON.stringify({ name: OP }),
      `${url}/google.longrunning.Operations/GetOperation`,
    );
    expect(JSON.parse(got)).toMatchObject({ name: OP });
  } finally {
    await emulator.close();
  }
});
