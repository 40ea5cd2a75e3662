/**
 * The names the emulator makes itself (seeded operations, operations created without a name)
 * under each rule table, over both transports with a client of the same table.
 */
import * as grpc from '@grpc/grpc-js';
import { CancelMode, EmulatorControlClient } from '../../generated/longrun/emulator/v1/control';
import type { Operation as GeneratedOperation } from '../../generated/google/longrunning/operations';
import {
  GENERIC_RULES,
  OPTIMIZATION_V1_RULES,
  OperationsClient,
  ROUTE_OPTIMIZATION_V1_RULES,
  createGrpcTransport,
  createRestTransport,
  operationTemplate,
  type HttpRules,
  type Operation,
} from '../../src';
import { startEmulator, type Emulator } from '../../src/emulator';
import { fillTemplate } from '../../src/emulator/naming';
import { compileTemplate, validateName } from '../../src/names';

interface Table {
  readonly label: string;
  readonly rules: HttpRules;
  /** The seeded operations' names, as users (and the README) know them. */
  readonly seeded: readonly string[];
  /** ListOperations' parent of the seeded operations. */
  readonly parent: string;
  /** The shape of a name the emulator makes for an operation created without one. */
  readonly made: RegExp;
}

const tables: readonly Table[] = [
  {
    label: 'Optimization v1',
    rules: OPTIMIZATION_V1_RULES,
    seeded: [1, 2, 3].map((i) => `projects/demo/operations/op-${i}`),
    parent: 'projects/demo',
    made: /^projects\/emulator\/operations\/op-\d+$/,
  },
  {
    label: 'Route Optimization v1',
    rules: ROUTE_OPTIMIZATION_V1_RULES,
    seeded: [1, 2, 3].map((i) => `projects/demo/locations/global/operations/op-${i}`),
    parent: 'projects/demo/locations/global',
    made: /^projects\/emulator\/locations\/global\/operations\/op-\d+$/,
  },
  {
    label: 'the generic rules',
    rules: GENERIC_RULES,
    seeded: [1, 2, 3].map((i) => `operations/op-${i}`),
    parent: 'operations',
    made: /^operations\/op-\d+$/,
  },
];

const fast = { initialDelayMs: 20, maxDelayMs: 50 };

describe.each(tables)('$label', ({ rules, seeded, parent, made }) => {
  const template = operationTemplate(rules);

  it("the expected names are the table's (the cases below can fail)", () => {
    for (const name of seeded) expect(() => validateName(name, template)).not.toThrow();
    for (const other of tables.filter((t) => t.rules !== rules)) {
      expect(() => validateName(other.seeded[0], template)).toThrow();
    }
  });

  describe.each(['grpc', 'rest'])('over %s, seed 3', (kind) => {
    let emulator: Emulator;
    let client: OperationsClient;

    beforeAll(async () => {
      emulator = await startEmulator({ rules, seed: 3 });
      const transport =
        kind === 'grpc'
          ? createGrpcTransport({ address: emulator.grpcAddress, insecure: true, rules })
          : createRestTransport({ baseUrl: emulator.httpUrl, insecure: true, rules });
      client = new OperationsClient({ transport, pollPolicy: fast });
    });
    afterAll(async () => {
      await client.close();
      await emulator.close();
    });

    it('seeds valid names that GetOperation finds running', async () => {
      for (const name of seeded) {
        expect(emulator.getOperation(name).name).toBe(name);
        const op = await client.getOperation(name);
        expect(op).toMatchObject({ name, done: false });
      }
    });

    // Before the tests below create operations (under the generic rules, in the same parent).
    it('lists the seeded operations under their parent', async () => {
      expect(rules.listOperations).toBeDefined();
      const listed: Operation[] = [];
      for await (const op of client.listOperations(parent)) listed.push(op);
      expect(listed.map((op) => op.name)).toEqual(seeded);
    });

    it('cancelAndConfirm on a seeded operation: cancelled', async () => {
      const name = seeded[1] as string;
      const result = await client.cancelAndConfirm(name, { timeoutMs: 10_000 });
      expect(result.outcome).toBe('cancelled');
      expect(result.operation).toMatchObject({ name, done: true });
    });

    it('names an operation created without a name validly, apart from the seeded ones', async () => {
      const op = emulator.createOperation();
      expect(op.name).toMatch(made);
      expect(() => validateName(op.name, template)).not.toThrow();
      expect(seeded).not.toContain(op.name);
      expect((await client.getOperation(op.name)).done).toBe(false);
      expect((await client.cancelAndConfirm(op.name, { timeoutMs: 10_000 })).outcome).toBe('cancelled');
      // The seeded operations are all still there.
      for (const name of seeded) expect(emulator.getOperation(name).name).toBe(name);
    });

    it('the control service names an operation created without a name the same way', async () => {
      const control = new EmulatorControlClient(emulator.grpcAddress, grpc.credentials.createInsecure());
      try {
        const op = await new Promise<GeneratedOperation>((resolve, reject) =>
          control.createOperation({ script: { name: '', cancelMode: CancelMode.CANCEL_MODE_HONOUR } }, (e, created) =>
            e ? reject(e) : resolve(created),
          ),
        );
        expect(op.name).toMatch(made);
        expect((await client.getOperation(op.name)).name).toBe(op.name);
      } finally {
        control.close();
      }
    });
  });
});

describe('fillTemplate', () => {
  it.each([
    ['projects/*/operations/*', 'projects/demo/operations/op-1'],
    ['projects/*/locations/*/operations/*', 'projects/demo/locations/global/operations/op-1'],
    ['operations/**', 'operations/op-1'],
    ['projects/*/instances/*/operations/*', 'projects/demo/instances/default/operations/op-1'],
    ['*/operations/*', 'default/operations/op-1'],
  ])('%s -> %s', (source, name) => {
    const template = compileTemplate(source);
    expect(fillTemplate(template, 'demo', 'op-1')).toBe(name);
    expect(validateName(name, template)).toBe(name);
  });

  it('refuses a template without a variable segment', () => {
    expect(() => fillTemplate(compileTemplate('operations/only'), 'demo', 'op-1')).toThrow(TypeError);
  });
});
