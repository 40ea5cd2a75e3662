/** src/abort.ts, a pure module over a real AbortController: how callbacks run on abort. */
import { getEventListeners } from 'node:events';
import { listen, stopListening } from '../../src/abort';

describe('listen / stopListening', () => {
  it('runs each callback once, in order, and leaves no listener behind', () => {
    const controller = new AbortController();
    const order: number[] = [];
    const callbacks = [1, 2, 3].map((n) => () => order.push(n));
    for (const callback of callbacks) listen(controller.signal, callback);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);
    stopListening(controller.signal, callbacks[1]!);
    controller.abort();
    controller.abort();
    expect(order).toEqual([1, 3]);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('takes its listener off when the last callback is forgotten', () => {
    const controller = new AbortController();
    const callback = (): void => undefined;
    listen(controller.signal, callback);
    stopListening(controller.signal, callback);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    stopListening(controller.signal, callback); // twice: nothing happens
  });

  it('a callback forgotten by an earlier one during the abort does not run', () => {
    const controller = new AbortController();
    const ran: string[] = [];
    const second = (): void => void ran.push('second');
    listen(controller.signal, () => {
      ran.push('first');
      stopListening(controller.signal, second);
    });
    listen(controller.signal, second);
    controller.abort();
    expect(ran).toEqual(['first']);
  });

  it('a callback that throws does not stop the others; its error is thrown on the next tick', () => {
    const controller = new AbortController();
    const ran: string[] = [];
    listen(controller.signal, () => {
      throw new Error('boom');
    });
    listen(controller.signal, () => void ran.push('second'));
    // The next tick's task is caught here, not left to crash the test runner.
    // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
    const deferred: Function[] = [];
    const nextTick = jest.spyOn(process, 'nextTick').mockImplementation((task) => void deferred.push(task));
    try {
      controller.abort();
    } finally {
      nextTick.mockRestore();
    }
    expect(ran).toEqual(['second']);
    expect(deferred).toHaveLength(1);
    expect(() => (deferred[0] as () => void)()).toThrow('boom');
  });
});
