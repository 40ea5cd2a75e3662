/** src/abort.ts, a pure module over a real AbortController: how callbacks run on abort. */
import { execFileSync } from 'node:child_process';
import { getEventListeners } from 'node:events';
import * as path from 'node:path';
import { listen, stopListening } from '../../src/abort';

const ROOT = path.join(__dirname, '..', '..');

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
    // In a process of its own (over the built module), where an uncaught error can be watched.
    const script = `
      const { listen } = require('./dist/src/abort');
      const controller = new AbortController();
      const ran = [];
      process.on('uncaughtException', (error) => console.log('uncaught ' + error.message + ' after ' + ran.join(',')));
      listen(controller.signal, () => { throw new Error('boom'); });
      listen(controller.signal, () => ran.push('second'));
      controller.abort();
      ran.push('abort returned');
    `;
    const output = execFileSync(process.execPath, ['-e', script], { cwd: ROOT, encoding: 'utf8' });
    expect(output.trim()).toBe('uncaught boom after second,abort returned');
  });
});
