/**
 * gRPC server reflection for the emulator (grpc.reflection.v1 and v1alpha, by @grpc/reflection),
 * so `buf curl`, grpcurl and the like call it with no schema flags. The schema is
 * generated/descriptors.binpb (`npm run generate`), shipped in the package. Nothing is loaded
 * until the first reflection call: @grpc/reflection and the descriptor set cost about 170 ms,
 * once per process, which an emulator nobody reflects on never pays.
 */
import * as grpc from '@grpc/grpc-js';
import type { ReflectionService } from '@grpc/reflection';
import { DESCRIPTOR_SET_PATHS, descriptorSetFiles } from '../descriptor-set';

/** The services reflection describes: what the emulator serves (reflection itself aside). */
export const REFLECTED_SERVICES: readonly string[] = [
  'google.longrunning.Operations',
  'longrun.emulator.v1.EmulatorControl',
];

const VERSIONS = ['v1', 'v1alpha'] as const;

type BidiHandler = grpc.handleBidiStreamingCall<unknown, unknown>;

/** One reflection method as @grpc/reflection registers it: its definition and handler. */
interface ReflectionMethod {
  readonly definition: grpc.MethodDefinition<unknown, unknown>;
  readonly handler: BidiHandler;
}

/**
 * The reflection methods by path, per list of services described: built on first use and
 * shared by every emulator in the process that serves the same services.
 */
const methodsByServices = new Map<string, Map<string, ReflectionMethod>>();

/**
 * Adds the reflection service (v1 and v1alpha) to `server`, describing what the emulator
 * serves: {@link REFLECTED_SERVICES} and the API's own service, when it serves one (e.g.
 * `google.cloud.optimization.v1.FleetRouting`).
 */
export function addReflection(
  server: grpc.Server,
  apiServices: readonly string[] = [],
  /** The error a call gets instead of an answer (a missing credential), or undefined. */
  refuse: (metadata: grpc.Metadata) => Partial<grpc.StatusObject> | undefined = () => undefined,
): void {
  const services = [...REFLECTED_SERVICES, ...apiServices];
  for (const version of VERSIONS) {
    const methodPath = `/grpc.reflection.${version}.ServerReflection/ServerReflectionInfo`;
    const real = (): ReflectionMethod => {
      const method = loadMethods(services).get(methodPath);
      if (!method) throw new Error(`@grpc/reflection registered no ${methodPath}`);
      return method;
    };
    // The definition and handler delegate to @grpc/reflection's, loaded by the first call.
    const definition: grpc.MethodDefinition<unknown, unknown> = {
      path: methodPath,
      requestStream: true,
      responseStream: true,
      originalName: 'serverReflectionInfo',
      requestSerialize: (value) => real().definition.requestSerialize(value),
      requestDeserialize: (bytes) => real().definition.requestDeserialize(bytes),
      responseSerialize: (value) => real().definition.responseSerialize(value),
      responseDeserialize: (bytes) => real().definition.responseDeserialize(bytes),
    };
    const handler: BidiHandler = (call) => {
      // The credential the Operations methods ask for, when the emulator requires one.
      const refused = refuse(call.metadata);
      if (refused) {
        call.emit('error', refused);
        return;
      }
      let method: ReflectionMethod;
      try {
        method = real();
      } catch (error) {
        call.emit('error', {
          code: grpc.status.UNIMPLEMENTED,
          details: `server reflection unavailable: ${error instanceof Error ? error.message : String(error)}`,
        });
        return;
      }
      method.handler(call);
    };
    server.addService({ ServerReflectionInfo: definition }, { ServerReflectionInfo: handler });
  }
}

function loadMethods(services: readonly string[]): Map<string, ReflectionMethod> {
  const key = services.join(',');
  const known = methodsByServices.get(key);
  if (known) return known;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const reflection = require('@grpc/reflection') as typeof import('@grpc/reflection');
  // @grpc/reflection reads only the fileDescriptorProtos of a package definition's entries:
  // one entry holding every file of the set stands for what proto-loader would build.
  const packageDefinition: ConstructorParameters<typeof ReflectionService>[0] = {
    'longrun.emulator.descriptors': {
      format: 'Protocol Buffer 3 DescriptorProto',
      type: {},
      fileDescriptorProtos: readDescriptorSet(),
    },
  };
  const service = new reflection.ReflectionService(packageDefinition, { services: [...services] });
  const found = new Map<string, ReflectionMethod>();
  service.addToServer({
    addService: (definition, implementation) => {
      for (const [name, method] of Object.entries(definition)) {
        found.set(method.path, {
          definition: method as grpc.MethodDefinition<unknown, unknown>,
          handler: implementation[name] as BidiHandler,
        });
      }
    },
  });
  methodsByServices.set(key, found);
  return found;
}

/** The FileDescriptorProtos of longrun's descriptor set, as encoded there, in its order. */
function readDescriptorSet(): Buffer[] {
  const files = descriptorSetFiles();
  if (!files) throw new Error(`no descriptor set at ${DESCRIPTOR_SET_PATHS.join(' or ')}`);
  return [...files.values()].map((bytes) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
}
