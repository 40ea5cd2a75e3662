/**
 * `longrun get --json` prints an operation's response in proto3 JSON that other parsers read
 * right: a google.protobuf.StringValue as `"value": "<the string>"`, over gRPC and over the
 * emulator's REST face alike, and JSON that @bufbuild/protobuf reads and writes back unchanged.
 * The command runs in process (`main(argv, io)`).
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createFileRegistry, fromBinary, fromJson, toJson, type JsonValue } from '@bufbuild/protobuf';
import { FileDescriptorSetSchema } from '@bufbuild/protobuf/wkt';
import { StringValue } from '../../generated/google/protobuf/wrappers';
import { startEmulator, type Emulator } from '../../src/emulator';
import { typeUrlOf } from '../../src/proto';
import { runCommand } from '../helpers/cli';

const ROOT = path.resolve(__dirname, '../..');
const reference = createFileRegistry(
  fromBinary(FileDescriptorSetSchema, fs.readFileSync(path.join(ROOT, 'generated/descriptors.binpb'))),
);
const OperationSchema = reference.getMessage('google.longrunning.Operation')!;

const NAME = 'projects/cli-json/operations/string-value';
const STRING_VALUE = typeUrlOf('google.protobuf.StringValue');

describe('longrun get --json of an operation whose response is a StringValue', () => {
  let emulator: Emulator;

  beforeAll(async () => {
    emulator = await startEmulator();
    emulator.createOperation({
      name: NAME,
      runForMs: 0,
      response: {
        typeUrl: STRING_VALUE,
        value: Buffer.from(StringValue.encode({ value: 'finished anyway' }).finish()),
      },
    });
  });
  afterAll(() => emulator.close());

  it.each([
    ['gRPC', () => ['--endpoint', emulator.grpcAddress]],
    ['REST', () => ['--transport', 'rest', '--endpoint', emulator.httpUrl]],
  ])('over %s: "value": "finished anyway", and @bufbuild/protobuf round-trips it unchanged', async (_, endpoint) => {
    const result = await runCommand(['get', NAME, '--json', ...endpoint(), '--insecure']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const line = result.stdout.trim();
    expect(line).toContain(`"response":{"@type":"${STRING_VALUE}","value":"finished anyway"}`);
    const printed = JSON.parse(line) as JsonValue;
    expect(printed).toMatchObject({
      name: NAME,
      done: true,
      response: { '@type': STRING_VALUE, value: 'finished anyway' },
    });
    const read = fromJson(OperationSchema, printed, { registry: reference });
    expect(toJson(OperationSchema, read, { registry: reference })).toEqual(printed);
  });

  it('a response of a type longrun does not know: {"typeUrl", "value": base64}, over gRPC and REST alike', async () => {
    const name = 'projects/cli-json/operations/unknown-type';
    emulator.createOperation({
      name,
      runForMs: 0,
      response: { typeUrl: 'type.googleapis.com/example.v1.Mystery', value: Buffer.from([8, 1]) },
    });
    for (const endpoint of [
      ['--endpoint', emulator.grpcAddress],
      ['--transport', 'rest', '--endpoint', emulator.httpUrl],
    ]) {
      const result = await runCommand(['get', name, '--json', ...endpoint, '--insecure']);
      expect(result.code).toBe(0);
      expect(JSON.parse(result.stdout)).toMatchObject({
        response: { typeUrl: 'type.googleapis.com/example.v1.Mystery', value: 'CAE=' },
      });
    }
  });

  it('gRPC and REST print the same JSON', async () => {
    const [grpc, rest] = await Promise.all([
      runCommand(['get', NAME, '--json', '--endpoint', emulator.grpcAddress, '--insecure']),
      runCommand(['get', NAME, '--json', '--transport', 'rest', '--endpoint', emulator.httpUrl, '--insecure']),
    ]);
    expect(JSON.parse(rest.stdout)).toEqual(JSON.parse(grpc.stdout));
  });
});

describe('the built main entry', () => {
  const loaded = (script: string): string[] =>
    (
      JSON.parse(
        execFileSync(process.execPath, ['-e', `${script}; console.log(JSON.stringify(Object.keys(require.cache)))`], {
          cwd: ROOT,
          encoding: 'utf8',
        }),
      ) as string[]
    ).filter((file) => file.includes('optimization'));

  it('loads no API module (~27k generated lines) at start-up, and one the first time a type of it is used', () => {
    expect(loaded(`require('./dist/src')`)).toEqual([]);
    const used = loaded(
      `const l = require('./dist/src'); const c = l.defaultTypeRegistry.get('google.cloud.optimization.v1.AsyncModelMetadata'); c.decode(new Uint8Array(0))`,
    );
    expect(used.map((f) => path.basename(f))).toEqual(['async_model.js']);
  });
});
