import { Code, OperationsError } from '../../src/errors';
import { OperationStore, type StoreOptions } from '../../src/emulator/store';

/** A store on a clock the test moves by hand. */
function storeAt(options: StoreOptions = {}): { store: OperationStore; tick(ms: number): void } {
  let now = 1_000_000;
  return { store: new OperationStore({ ...options, now: () => now }), tick: (ms) => (now += ms) };
}

function code(run: () => unknown): Code | undefined {
  try {
    run();
  } catch (error) {
    return (error as OperationsError).code;
  }
  return undefined;
}

describe('OperationStore', () => {
  const name = 'projects/p/operations/o';

  it('runs an operation for its scripted time, then answers its response', () => {
    const { store, tick } = storeAt();
    store.create({ name, runForMs: 100 });
    expect(store.get(name).done).toBe(false);
    tick(100);
    const op = store.get(name);
    expect(op.done).toBe(true);
    expect(op.response?.typeUrl).toBe('type.googleapis.com/google.protobuf.Empty');
    expect(op.error).toBeUndefined();
  });

  it('honour: a cancel makes it done with CANCELLED at once; a second cancel changes nothing', () => {
    const { store, tick } = storeAt();
    store.create({ name });
    store.cancel(name);
    expect(store.get(name)).toMatchObject({ done: true, error: { code: Code.CANCELLED } });
    tick(10);
    store.cancel(name);
    expect(store.get(name)).toMatchObject({ done: true, error: { code: Code.CANCELLED } });
  });

  it('a cancel of a finished operation leaves its outcome', () => {
    const { store, tick } = storeAt();
    const error = { code: Code.INTERNAL, message: 'solver crashed', details: [] };
    store.create({ name, runForMs: 5, error });
    tick(5);
    store.cancel(name);
    expect(store.get(name)).toMatchObject({ done: true, error });
  });

  it('delayed: the cancel takes effect after the delay', () => {
    const { store, tick } = storeAt({ cancelMode: 'delayed', cancelDelayMs: 300 });
    store.create({ name });
    store.cancel(name);
    expect(store.get(name).done).toBe(false);
    expect(store.msUntilDone(name)).toBe(300);
    tick(300);
    expect(store.get(name)).toMatchObject({ done: true, error: { code: Code.CANCELLED } });
  });

  it('delayed: completion before the cancel takes effect wins', () => {
    const { store, tick } = storeAt();
    store.create({ name, runForMs: 100, cancelMode: 'delayed', cancelDelayMs: 500 });
    store.cancel(name);
    tick(100);
    const op = store.get(name);
    expect(op.done).toBe(true);
    expect(op.error).toBeUndefined();
    expect(op.response).toBeDefined();
  });

  it('ignore: the operation completes anyway', () => {
    const { store, tick } = storeAt();
    store.create({ name, cancelMode: 'ignore', cancelDelayMs: 50 });
    store.cancel(name);
    expect(store.get(name).done).toBe(false);
    tick(50);
    const op = store.get(name);
    expect(op.done).toBe(true);
    expect(op.error).toBeUndefined();
    expect(op.response).toBeDefined();
  });

  it('unimplemented: CancelOperation answers UNIMPLEMENTED and the operation runs on', () => {
    const { store } = storeAt({ cancelMode: 'unimplemented' });
    store.create({ name });
    expect(code(() => store.cancel(name))).toBe(Code.UNIMPLEMENTED);
    expect(store.get(name).done).toBe(false);
  });

  it('unknown names are NOT_FOUND; bad and taken names are refused at creation', () => {
    const { store } = storeAt();
    expect(code(() => store.get(name))).toBe(Code.NOT_FOUND);
    expect(code(() => store.cancel(name))).toBe(Code.NOT_FOUND);
    expect(code(() => store.create({ name: 'projects/p' }))).toBe(Code.INVALID_ARGUMENT);
    store.create({ name });
    expect(code(() => store.create({ name }))).toBe(Code.ALREADY_EXISTS);
    expect(code(() => store.create({ runForMs: -1 }))).toBe(Code.INVALID_ARGUMENT);
  });

  it('delete removes without cancelling; reset removes all', () => {
    const { store } = storeAt();
    store.create({ name });
    store.create({});
    store.delete(name);
    expect(code(() => store.get(name))).toBe(Code.NOT_FOUND);
    expect(store.reset()).toBe(1);
    expect(store.size).toBe(0);
  });
});
