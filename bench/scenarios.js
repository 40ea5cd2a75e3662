'use strict';
/**
 * What the peers are asked to do. A scenario names one method that a peer's `call(method)`
 * runs; a peer without that method in its `methods` is skipped for the scenario.
 *
 * To add one, add an entry. `operationsPerCall` > 1 makes every figure per operation (calls/s
 * becomes operations/s, CPU per call becomes CPU per operation), and the latencies of a call
 * are reported as not available (a call's latency is not an operation's).
 *
 * A batch scenario (`batch` set) is one of a library's own batch helpers: one call is
 * `call(method, { size: batch, concurrency })`, which drains the helper over `batch` names
 * with at most `concurrency` operations in flight. peer.js runs its batches one at a time
 * (the helper does the concurrency), at 1 in flight for the serial figures and at
 * BENCH_CONCURRENCY for the concurrent ones, ceil(calls / batch) batches a phase;
 * `operationsPerCall` is `batch`. `many` is longrun's `OperationsClient#cancelMany`, which
 * the report sets against single CancelOperation calls at the same concurrency.
 */

/** @typedef {{ name: string, method: string, title: string, operationsPerCall: number, batch?: number }} Scenario */

/** Names per cancelMany in the `many` scenario. */
const MANY_BATCH = 1000;

/** @type {Readonly<Record<string, Scenario>>} */
const SCENARIOS = Object.freeze({
  cancel: { name: 'cancel', method: 'CancelOperation', title: 'CancelOperation', operationsPerCall: 1 },
  get: { name: 'get', method: 'GetOperation', title: 'GetOperation', operationsPerCall: 1 },
  many: {
    name: 'many',
    method: 'CancelMany',
    title: 'CancelOperation via cancelMany',
    operationsPerCall: MANY_BATCH,
    batch: MANY_BATCH,
  },
});

/**
 * @param {string} name
 * @returns {Scenario}
 */
function getScenario(name) {
  const scenario = SCENARIOS[name];
  if (!scenario)
    throw new Error(`unknown scenario ${JSON.stringify(name)}; known: ${Object.keys(SCENARIOS).join(', ')}`);
  return scenario;
}

module.exports = { SCENARIOS, getScenario };
