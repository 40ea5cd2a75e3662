'use strict';
/**
 * What the peers are asked to do. A scenario names one method that a peer's `call(method)`
 * runs; a peer without that method in its `methods` is skipped for the scenario.
 *
 * To add one, add an entry. For batch calls, `operationsPerCall` > 1 makes every figure
 * per operation (calls/s becomes operations/s, CPU per call becomes CPU per operation), e.g.
 *
 *   many: { name: 'many', method: 'CancelMany', title: 'CancelOperation ×16 (batch)', operationsPerCall: 16 },
 *
 * with a peer whose `methods` include 'CancelMany'.
 */

/** @typedef {{ name: string, method: string, title: string, operationsPerCall: number }} Scenario */

/** @type {Readonly<Record<string, Scenario>>} */
const SCENARIOS = Object.freeze({
  cancel: { name: 'cancel', method: 'CancelOperation', title: 'CancelOperation', operationsPerCall: 1 },
  get: { name: 'get', method: 'GetOperation', title: 'GetOperation', operationsPerCall: 1 },
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
