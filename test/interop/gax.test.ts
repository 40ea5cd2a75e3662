/**
 * Interop: Google's own client library, google-gax, as a wire witness. gax's
 * OperationsClient cancels and reads operations on the emulator, and must get the same
 * answers as longrun's OperationsClient on the same emulator: over gRPC, and over gax's
 * REST fallback against the emulator's REST face.
 *
 * Nothing leaves 127.0.0.1: gax gets google-auth-library's PassThroughClient (no
 * credentials, no metadata-server lookups), plaintext gRPC credentials, an http:// REST
 * endpoint, and the emulator's requests log shows that no `authorization` header came.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { GoogleAuth, fallback, googleAuthLibrary, grpc, lro, protobuf } from 'google-gax';
import { Agent, fetch as undiciFetch } from 'undici';
import {
  Code,
  OperationsClient,
  OperationsError,
  createGrpcTransport,
  createRestTransport,
  type Operation,
} from '../../src';
import { startEmulator, type Emulator } from '../../src/emulator';
import { rejectionOf, uniqueName } from '../helpers/transports';

/**
 * google.protobuf.Any as gax hands it back, over gRPC and REST alike: `type_url`, not `typeUrl`,
 * since gax's bundled operations.json names the fields as the .proto does.
 */
interface GaxAny {
  readonly type_url?: string | null;
  readonly value?: Uint8Array | null;
}

/** The parts of a google.longrunning.Operation from gax that the tests read. */
interface GaxOperation {
  readonly name?: string | null;
  readonly done?: boolean | null;
  readonly error?: { readonly code?: number | null; readonly message?: string | null } | null;
  readonly response?: GaxAny | null;
  readonly metadata?: GaxAny | null;
  /** The `result` oneof's case (gax loads protos with `oneofs: true`). */
  readonly result?: string | null;
}

/** gax's per-call options, the one the tests set. */
interface GaxCallOptions {
  readonly timeout?: number;
}

/** The methods of gax's OperationsClient the tests call. */
interface GaxOperationsClient {
  getOperation(request: { name: string }, options?: GaxCallOptions): Promise<[GaxOperation, ...unknown[]]>;
  cancelOperation(request: { name: string }, options?: GaxCallOptions): Promise<unknown>;
  close(): void;
}

/** A failed call, as the server answered it. */
interface Failure {
  /** google.rpc.Code. */
  readonly code: number;
  /** The server's message, without any prefix. */
  readonly message: string;
  /** Over REST: the HTTP status. */
  readonly httpStatus?: number;
}

/** One way of reaching the emulator with gax, and what that way's answers look like. */
interface Witness {
  readonly kind: 'grpc' | 'rest';
  readonly gax: GaxOperationsClient;
  readonly longrun: OperationsClient;
  /** The status of a gax call that failed. */
  failure(error: unknown): Failure;
  close(): Promise<void>;
}

/**
 * Bounds each gax call. gax's own config retries DEADLINE_EXCEEDED and UNAVAILABLE for up to
 * 60 s per call; 10 s keeps a broken emulator a test failure (jest's limit is 30 s), not a hang.
 */
const CALL: GaxCallOptions = { timeout: 10_000 };

/** Credentials that are none: gax neither looks for Application Default Credentials nor asks a metadata server. */
function noCredentials(transporterOptions?: { fetchImplementation: typeof fetch }): GoogleAuth {
  return new GoogleAuth({
    authClient: new googleAuthLibrary.PassThroughClient(transporterOptions && { transporterOptions }),
  });
}

// ---------------------------------------------------------------------------------------------
// gRPC: gax's own GrpcClient (through lro()) on the grpc-js gax loads, plaintext.

function grpcWitness(emulator: Emulator): Witness {
  const colon = emulator.grpcAddress.lastIndexOf(':');
  const gax: GaxOperationsClient = lro({ auth: noCredentials() }).operationsClient({
    servicePath: emulator.grpcAddress.slice(0, colon),
    port: Number(emulator.grpcAddress.slice(colon + 1)),
    sslCreds: grpc.credentials.createInsecure(),
    // gax hands `grpc.*` options to the channel: no http_proxy detour, whatever the environment says.
    'grpc.enable_http_proxy': 0,
  });
  const longrun = new OperationsClient({
    transport: createGrpcTransport({ address: emulator.grpcAddress, insecure: true }),
  });
  return {
    kind: 'grpc',
    gax,
    longrun,
    failure(error) {
      // A GoogleError: grpc-js' ServiceError, `code` the gRPC status, `details` the server's text.
      const e = error as { code?: unknown; details?: unknown };
      if (typeof e.code !== 'number' || typeof e.details !== 'string') throw error;
      return { code: e.code, message: e.details };
    },
    async close() {
      gax.close();
      await longrun.close();
    },
  };
}

// ---------------------------------------------------------------------------------------------
// REST: gax's fallback GrpcClient (through fallback.lro()), transcoding with Optimization v1's rules.

/** google-proto-files' root: `google/...` imports resolve under it. */
const PROTO_FILES = path.dirname(require.resolve('google-proto-files/package.json'));

/** Optimization v1's AsyncModelMetadata, the metadata type of the emulator's operations. */
const ASYNC_MODEL_PROTO = 'google/cloud/optimization/v1/async_model.proto';

/** Optimization v1's HTTP rules for google.longrunning.Operations, as google.api.HttpRule objects. */
const OPTIMIZATION_V1_HTTP_RULES = [
  { selector: 'google.longrunning.Operations.GetOperation', get: '/v1/{name=projects/*/operations/*}' },
  {
    selector: 'google.longrunning.Operations.CancelOperation',
    post: '/v1/{name=projects/*/operations/*}:cancel',
    body: '*',
  },
  { selector: 'google.longrunning.Operations.DeleteOperation', delete: '/v1/{name=projects/*/operations/*}' },
  { selector: 'google.longrunning.Operations.ListOperations', get: '/v1/{name=projects/*}/operations' },
];

/**
 * The protos gax's REST client decodes with: gax's own google.longrunning (with its HTTP
 * annotations, which the rules above replace) plus the API's metadata type,
 * google.cloud.optimization.v1.AsyncModelMetadata (async_model.proto, from google-proto-files),
 * which the emulator's operations report. Over REST gax turns each JSON Any back into bytes
 * and so must know its type: without this proto every GetOperation fails with "cannot find
 * type google.cloud.optimization.v1.AsyncModelMetadata". Its google/api imports (field
 * behaviour annotations, which only name options) are skipped, since they would bring a second
 * google/protobuf/descriptor.proto into gax's root; google/protobuf/timestamp.proto is
 * protobuf.js' bundled one. A fresh Root, not gax's cached one, since gax rewrites the HTTP
 * annotations in place.
 */
function restProtos(): protobuf.Root {
  const gaxBuild = path.join(path.dirname(require.resolve('google-gax')), '..');
  const json = JSON.parse(
    readFileSync(path.join(gaxBuild, 'protos', 'operations.json'), 'utf8'),
  ) as protobuf.INamespace;
  const root = protobuf.Root.fromJSON(json);
  root.resolvePath = (_origin, target) => (target.startsWith('google/api/') ? null : path.join(PROTO_FILES, target));
  root.loadSync(ASYNC_MODEL_PROTO); // through resolvePath, as its imports
  return root;
}

/** The type URL of the emulator's operations' metadata. */
const ASYNC_MODEL_METADATA_URL = 'type.googleapis.com/google.cloud.optimization.v1.AsyncModelMetadata';

/** AsyncModelMetadata, to read what gax hands back (bytes, over gRPC and REST alike). */
const AsyncModelMetadata = restProtos().lookupType('google.cloud.optimization.v1.AsyncModelMetadata');

/** The AsyncModelMetadata.state name of a gax operation's metadata. */
function asyncModelState(op: GaxOperation): string | undefined {
  const value = op.metadata?.value;
  if (op.metadata?.type_url !== ASYNC_MODEL_METADATA_URL || !value) return undefined;
  const metadata = AsyncModelMetadata.toObject(AsyncModelMetadata.decode(value), { enums: String });
  return metadata['state'] as string | undefined;
}

function restWitness(emulator: Emulator): Witness {
  const url = new URL(emulator.httpUrl);
  // gaxios (under gax) fetches with `await import('node-fetch')`, which jest's CommonJS sandbox
  // refuses ("A dynamic import callback was invoked without --experimental-vm-modules"). So the
  // fetch is undici's, on an agent of our own that afterAll closes. URL, verb, headers and body
  // are still gax's and gaxios', unchanged.
  const agent = new Agent();
  const fetchImplementation = ((input: string | URL, init?: object) =>
    undiciFetch(input, { ...init, dispatcher: agent })) as unknown as typeof fetch;
  const gax: GaxOperationsClient = fallback
    .lro({
      auth: noCredentials({ fetchImplementation }),
      protoJson: restProtos(),
      httpRules: OPTIMIZATION_V1_HTTP_RULES,
    })
    .operationsClient({
      protocol: url.protocol.replace(/:$/, ''),
      servicePath: url.hostname,
      port: Number(url.port || 80),
    });
  const longrun = new OperationsClient({
    transport: createRestTransport({ baseUrl: emulator.httpUrl, insecure: true }),
  });
  return {
    kind: 'rest',
    gax,
    longrun,
    failure: restFailure,
    async close() {
      gax.close();
      await longrun.close();
      await agent.close();
    },
  };
}

/** Google's JSON error body (AIP-193). */
interface ErrorBody {
  readonly error?: { readonly code?: unknown; readonly message?: unknown; readonly status?: unknown };
}

/**
 * gax 5.0.7 over REST rejects with gaxios' GaxiosError: `code` and `status` are the HTTP
 * status, the body is in `response.data` (or, failing that, the message) as text; the
 * google.rpc.Code is only in the body's `error.status` (googleapis/gax-nodejs#1803). A gax
 * that maps REST errors itself rejects with a GoogleError carrying the code; both are read.
 */
function restFailure(error: unknown): Failure {
  const e = error as { code?: unknown; message?: unknown; response?: { status?: unknown; data?: unknown } };
  if (e.response === undefined) {
    if (typeof e.code !== 'number' || typeof e.message !== 'string') throw error;
    return { code: e.code, message: e.message };
  }
  const text = typeof e.response.data === 'string' ? e.response.data : e.message;
  if (typeof text !== 'string' || typeof e.response.status !== 'number') throw error;
  const body = JSON.parse(text) as ErrorBody;
  const status = body.error?.status;
  const message = body.error?.message;
  if (typeof status !== 'string' || !(status in Code) || typeof message !== 'string') throw error;
  return { code: Code[status as keyof typeof Code], message, httpStatus: e.response.status };
}

// ---------------------------------------------------------------------------------------------
// The cases, the same over both.

/** google.rpc.Code to HTTP status, as Google's front end maps the codes used here. */
const HTTP_STATUS: Readonly<Partial<Record<Code, number>>> = { [Code.NOT_FOUND]: 404, [Code.UNIMPLEMENTED]: 501 };

/** How many operations the emulator is seeded with: `projects/demo/operations/op-1`... */
const SEEDED = 2;

function witnessCases(make: (emulator: Emulator) => Witness): void {
  let emulator: Emulator;
  let witness: Witness;

  beforeAll(async () => {
    emulator = await startEmulator({ seed: SEEDED });
    witness = make(emulator);
  });
  afterAll(async () => {
    await witness?.close();
    await emulator?.close();
  });

  async function gaxGet(name: string): Promise<GaxOperation> {
    const [op] = await witness.gax.getOperation({ name }, CALL);
    return op;
  }

  async function gaxFailure(call: Promise<unknown>): Promise<Failure> {
    try {
      await call;
    } catch (error) {
      return witness.failure(error);
    }
    throw new Error('expected the gax call to fail');
  }

  /** The last request for `name` that reached the emulator. */
  function lastRequest(name: string, method: string) {
    return emulator.requests.filter((r) => r.name === name && r.method === method).at(-1);
  }

  /** What both clients must agree on about an operation. */
  function gaxView(op: GaxOperation) {
    return {
      name: op.name,
      done: op.done,
      errorCode: op.error?.code ?? undefined,
      errorMessage: op.error?.message ?? undefined,
      responseType: op.response?.type_url ?? undefined,
      metadataType: op.metadata?.type_url ?? undefined,
    };
  }
  function longrunView(op: Operation) {
    return {
      name: op.name,
      done: op.done,
      errorCode: op.error?.code,
      errorMessage: op.error?.message,
      responseType: op.response?.typeUrl,
      metadataType: op.metadata?.typeUrl,
    };
  }

  it('gax cancels a running operation; gax and longrun then both read it done with code 1', async () => {
    const name = uniqueName('gax-cancel');
    emulator.createOperation({ name });
    expect((await gaxGet(name)).done).toBe(false);

    await witness.gax.cancelOperation({ name }, CALL);

    const fromGax = await gaxGet(name);
    const fromLongrun = await witness.longrun.getOperation(name);
    expect(fromGax.name).toBe(name);
    expect(fromGax.done).toBe(true);
    expect(fromGax.error?.code).toBe(Code.CANCELLED);
    expect(fromGax.result).toBe('error');
    expect(fromLongrun.error?.code).toBe(Code.CANCELLED);
    expect(fromGax.error?.message).toBeTruthy();
    expect(gaxView(fromGax)).toEqual(longrunView(fromLongrun));
    expect(gaxView(fromGax).responseType).toBeUndefined();
    expect(gaxView(fromGax).metadataType).toBe(ASYNC_MODEL_METADATA_URL);
    expect(asyncModelState(fromGax)).toBe('CANCELLED');

    // The cancel that reached the emulator was gax's, on this transport, with no credentials.
    const cancel = lastRequest(name, 'CancelOperation');
    expect(cancel?.transport).toBe(witness.kind);
    expect(cancel?.headers['x-goog-api-client']).toMatch(/(^| )gax\/\d/);
    expect(cancel?.headers).not.toHaveProperty('authorization');
  });

  it('a seeded operation: gax reads it running, with AsyncModelMetadata RUNNING, as longrun does', async () => {
    const name = `projects/demo/operations/op-${SEEDED}`;
    const fromGax = await gaxGet(name);
    const fromLongrun = await witness.longrun.getOperation(name);
    expect(fromGax.name).toBe(name);
    expect(fromGax.done).toBe(false);
    expect(fromGax.result ?? undefined).toBeUndefined();
    expect(gaxView(fromGax)).toEqual(longrunView(fromLongrun));
    expect(gaxView(fromGax).metadataType).toBe(ASYNC_MODEL_METADATA_URL);
    expect(asyncModelState(fromGax)).toBe('RUNNING');
    expect(lastRequest(name, 'GetOperation')?.transport).toBe(witness.kind);
  });

  it('an unknown name: gax GetOperation fails with NOT_FOUND, as longrun does', async () => {
    const name = uniqueName('gax-missing');
    const fromGax = await gaxFailure(witness.gax.getOperation({ name }, CALL));
    const fromLongrun = await rejectionOf(witness.longrun.getOperation(name));
    expect(fromLongrun).toBeInstanceOf(OperationsError);
    expect(fromGax.code).toBe(Code.NOT_FOUND);
    expect(fromGax.code).toBe(fromLongrun.code);
    expect(fromGax.message).toContain(name);
    expect(fromGax.message).toBe(fromLongrun.rawMessage);
    if (witness.kind === 'rest') expect(fromGax.httpStatus).toBe(HTTP_STATUS[Code.NOT_FOUND]);
    expect(lastRequest(name, 'GetOperation')?.transport).toBe(witness.kind);
  });

  it("cancelMode 'unimplemented': gax CancelOperation fails with UNIMPLEMENTED, as longrun does", async () => {
    const name = uniqueName('gax-unimplemented');
    emulator.createOperation({ name, cancelMode: 'unimplemented' });
    const fromGax = await gaxFailure(witness.gax.cancelOperation({ name }, CALL));
    const fromLongrun = await rejectionOf(witness.longrun.cancelOperation(name));
    expect(fromGax.code).toBe(Code.UNIMPLEMENTED);
    expect(fromGax.code).toBe(fromLongrun.code);
    expect(fromGax.message).toBe(fromLongrun.rawMessage);
    if (witness.kind === 'rest') expect(fromGax.httpStatus).toBe(HTTP_STATUS[Code.UNIMPLEMENTED]);
    // Neither cancel touched the operation.
    expect((await gaxGet(name)).done).toBe(false);
    expect((await witness.longrun.getOperation(name)).done).toBe(false);
  });

  it('a completed operation: both read it done with a google.protobuf.Empty response', async () => {
    const name = uniqueName('gax-done');
    emulator.createOperation({ name, runForMs: 0 });
    const fromGax = await gaxGet(name);
    const fromLongrun = await witness.longrun.getOperation(name);
    expect(fromGax.done).toBe(true);
    expect(fromGax.result).toBe('response');
    expect(fromGax.error ?? undefined).toBeUndefined();
    expect(fromGax.response?.type_url).toBe('type.googleapis.com/google.protobuf.Empty');
    expect(asyncModelState(fromGax)).toBe('SUCCEEDED');
    expect(gaxView(fromGax)).toEqual(longrunView(fromLongrun));
  });
}

describe('gax over gRPC as a wire witness', () => {
  witnessCases(grpcWitness);
});

// Named without "grpc", so that `-t grpc` runs the gRPC part alone.
describe('gax over REST (fallback) as a wire witness', () => {
  witnessCases(restWitness);
});
