/**
 * A server that echoes the caller's credential into an operation's own error (RELIABILITY 34,
 * 35): the error of a done operation reaches the caller redacted by value, whichever way it is
 * read (getOperation, listOperations, waitForDone, operationResult, cancelAndConfirm's `failed`
 * outcome, the command's get, list, wait and cancel --wait), and in its base64 and hex forms
 * too. The secret is invented and shaped like no Google credential, so no pattern catches it:
 * only redaction by value can.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ErrorInfo } from '../../generated/google/rpc/error_details';
import { Code, OperationsClient, operationResult, type AuthLike } from '../../src';
import { startEmulator, type Emulator } from '../../src/emulator';
import { typeUrlOf } from '../../src/proto';
import { runCommand } from '../helpers/cli';
import { transportCases } from '../helpers/transports';
import { createGrpcTransport, createRestTransport } from '../../src';

const TOKEN = 'tokFAKE-9f83b2c1d0e4-unshaped';
const FORMS = [
  TOKEN,
  Buffer.from(TOKEN).toString('base64'),
  Buffer.from(TOKEN).toString('base64url'),
  Buffer.from(TOKEN).toString('hex'),
  Buffer.from(TOKEN).toString('hex').toUpperCase(),
];
const bearer: AuthLike = { getRequestHeaders: () => Promise.resolve({ authorization: `Bearer ${TOKEN}` }) };

/** Fails naming the form when any form of the token is in `text`. */
function expectNoSecret(text: string): void {
  expect(FORMS.filter((form) => text.includes(form))).toEqual([]);
}

/** An error that quotes the token in its message, in each encoded form, and in an ErrorInfo's metadata. */
function echoingError(): { code: number; message: string; details: { typeUrl: string; value: Buffer }[] } {
  const info = ErrorInfo.encode({
    reason: 'SOLVER_FAILED',
    domain: 'optimization.googleapis.com',
    metadata: { caller: `Bearer ${TOKEN}` },
  }).finish();
  return {
    code: Code.INTERNAL,
    message: `solver failed for caller Bearer ${TOKEN} (base64 ${FORMS[1]}, url ${FORMS[2]}, hex ${FORMS[3]} ${FORMS[4]})`,
    details: [{ typeUrl: typeUrlOf('google.rpc.ErrorInfo'), value: Buffer.from(info) }],
  };
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'longrun-operr-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.each(transportCases)("an operation's own error over $kind", ({ kind }) => {
  let emulator: Emulator;
  let client: OperationsClient;
  let seq = 0;
  const failed = (): string => {
    const name = `projects/echo-${kind}/operations/op-${++seq}`;
    emulator.createOperation({ name, runForMs: 0, error: echoingError() });
    return name;
  };

  beforeAll(async () => {
    emulator = await startEmulator({ requireToken: TOKEN });
    const transport =
      kind === 'grpc'
        ? createGrpcTransport({ address: emulator.grpcAddress, insecure: true, auth: bearer })
        : createRestTransport({ baseUrl: emulator.httpUrl, insecure: true, auth: bearer });
    client = new OperationsClient({ transport });
  });
  afterAll(async () => {
    await client.close();
    await emulator.close();
  });

  it('the emulator really echoes it (the test can fail): its own record holds the token', () => {
    const name = failed();
    expect(emulator.getOperation(name).error?.message).toContain(TOKEN);
  });

  it('getOperation, listOperations and waitForDone give it redacted, details included', async () => {
    const name = failed();
    const got = await client.getOperation(name);
    expect(got.error?.code).toBe(Code.INTERNAL);
    expect(got.error?.message).toMatch(/solver failed for caller (Bearer )?\[redacted\]/);
    const listed = [];
    for await (const operation of client.listOperations(`projects/echo-${kind}`)) listed.push(operation);
    const waited = await client.waitForDone(name, { timeoutMs: 5000 });
    for (const operation of [got, waited, ...listed]) {
      expectNoSecret(operation.error?.message ?? '');
      for (const detail of operation.error?.details ?? []) {
        expectNoSecret(Buffer.from(detail.value).toString('latin1'));
        expectNoSecret(JSON.stringify(detail.json ?? {}));
      }
    }
    // What is left is still useful: the reason, the domain.
    const result = operationResult(got);
    const error = result.state === 'failed' ? result.error : undefined;
    expect(error?.message).toMatch(/solver failed/);
    expectNoSecret(`${String(error)} ${JSON.stringify(error)} ${JSON.stringify(error?.details)}`);
  });

  it("cancelAndConfirm's failed outcome holds no secret", async () => {
    const outcome = await client.cancelAndConfirm(failed(), { timeoutMs: 5000 });
    expect(outcome.outcome).toBe('failed');
    expectNoSecret(JSON.stringify(outcome));
    if (outcome.outcome === 'failed') expectNoSecret(`${outcome.error.message} ${JSON.stringify(outcome.error)}`);
  });

  it('the command prints none of it: get, get --json, list, wait, cancel --wait', async () => {
    const tokenFile = path.join(dir, `token-${kind}`);
    writeFileSync(tokenFile, `${TOKEN}\n`);
    const endpoint = kind === 'grpc' ? emulator.grpcAddress : emulator.httpUrl;
    const flags = ['--endpoint', endpoint, '--transport', kind, '--insecure', '--access-token-file', tokenFile];
    const name = failed();
    for (const args of [
      ['get', name],
      ['get', name, '--json'],
      ['list', `projects/echo-${kind}`],
      ['list', `projects/echo-${kind}`, '--json'],
      ['wait', name, '--timeout', '5s'],
      ['cancel', failed(), '--wait', '--timeout', '5s'],
      ['cancel', failed(), '--wait', '--timeout', '5s', '--json'],
    ]) {
      const result = await runCommand([...args, ...flags]);
      expect(`${args.join(' ')}: ${result.stdout}`).toMatch(/solver failed/);
      expectNoSecret(result.stdout + result.stderr);
    }
  });
});

describe.each(transportCases)('credential metadata longrun is told of, over $kind (RELIABILITY 45)', ({ kind }) => {
  const VALUE = 'gateway-secret-0123456789';
  let emulator: Emulator;
  beforeAll(async () => {
    emulator = await startEmulator();
  });
  afterAll(() => emulator.close());

  it.each([
    ['x-goog-iam-authorization-token', undefined],
    ['x-internal-token', ['X-Internal-Token']],
  ])('%s is redacted by value from an echo', async (key, extra) => {
    const name = `projects/keys-${kind}/operations/${key}`;
    emulator.createOperation({
      name,
      runForMs: 0,
      error: { code: Code.INTERNAL, message: `heard ${VALUE}`, details: [] },
    });
    const options = { insecure: true, ...(extra && { credentialMetadataKeys: extra }) };
    const transport =
      kind === 'grpc'
        ? createGrpcTransport({ address: emulator.grpcAddress, ...options })
        : createRestTransport({ baseUrl: emulator.httpUrl, ...options });
    const client = new OperationsClient({ transport });
    try {
      const operation = await client.getOperation(name, { metadata: { [key]: VALUE } });
      expect(operation.error?.message).toBe('heard [redacted]');
    } finally {
      await client.close();
    }
  });

  it('and never sent over plaintext to a host off this machine: FAILED_PRECONDITION, local', async () => {
    const options = { insecure: true, credentialMetadataKeys: ['x-internal-token'] };
    const transport =
      kind === 'grpc'
        ? createGrpcTransport({ address: 'ops.example.invalid:8080', ...options })
        : createRestTransport({ baseUrl: 'http://ops.example.invalid:8080', ...options });
    const client = new OperationsClient({ transport });
    try {
      const error = await client
        .getOperation('projects/p/operations/o', { metadata: { 'x-internal-token': VALUE } })
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(error).toMatchObject({ code: Code.FAILED_PRECONDITION, local: true });
    } finally {
      await client.close();
    }
  });
});
