'use strict';
/** From the runs of every round to one row per scenario and peer: medians across rounds. */
const { median, relativeSpread } = require('./stats');

/** @typedef {import('./processes').PeerRun} PeerRun */
/** @typedef {{
 *   scenario: string, peer: string, transport: string, rounds: number, failures: string[],
 *   serialCallsPerSecond: number, callsPerSecond: number, cpuMicrosPerCall: number, p50Ms: number, p99Ms: number,
 *   maxRssMb: number, coldStartMs: number, cpuSpread: number, callsPerSecondSpread: number,
 *   serverMicrosPerCall: number, otherCores: number, otherCoresMax: number,
 *   byRound: Map<number, { cpuMicrosPerCall: number, callsPerSecond: number }>
 * }} Row */

/**
 * @param {readonly PeerRun[]} runs
 * @param {readonly { peer: string, transport: string, scenario: string }[]} cells every scenario and peer, in order
 * @returns {Row[]}
 */
function summarize(runs, cells) {
  return cells.map(({ peer, transport, scenario }) => {
    const mine = runs.filter((run) => run.peer === peer && run.scenario === scenario);
    const ok = mine.filter((run) => run.ok);
    /** @param {(run: PeerRun) => number | undefined} figure */
    const values = (figure) => ok.map(figure).filter((value) => typeof value === 'number' && Number.isFinite(value));
    /** @param {(run: PeerRun) => number | undefined} figure */
    const mid = (figure) => median(/** @type {number[]} */ (values(figure)));
    const cpu = /** @type {number[]} */ (values((run) => run.concurrent?.cpuMicrosPerCall));
    const rate = /** @type {number[]} */ (values((run) => run.concurrent?.callsPerSecond));
    const other = /** @type {number[]} */ (values((run) => run.concurrent?.otherCores));
    return {
      scenario,
      peer,
      transport,
      rounds: ok.length,
      failures: mine.filter((run) => !run.ok).map((run) => `round ${run.round + 1}: ${run.error}`),
      serialCallsPerSecond: mid((run) => run.serial?.callsPerSecond),
      callsPerSecond: median(rate),
      cpuMicrosPerCall: median(cpu),
      p50Ms: mid((run) => run.concurrent?.p50Ms),
      p99Ms: mid((run) => run.concurrent?.p99Ms),
      maxRssMb: mid((run) => run.maxRssMb),
      coldStartMs: mid((run) => run.coldStartMs),
      cpuSpread: relativeSpread(cpu),
      callsPerSecondSpread: relativeSpread(rate),
      serverMicrosPerCall: mid((run) => run.concurrent?.serverMicrosPerCall),
      otherCores: median(other),
      otherCoresMax: other.length > 0 ? Math.max(...other) : NaN,
      byRound: new Map(
        ok.map((run) => [
          run.round,
          {
            cpuMicrosPerCall: run.concurrent?.cpuMicrosPerCall ?? NaN,
            callsPerSecond: run.concurrent?.callsPerSecond ?? NaN,
          },
        ]),
      ),
    };
  });
}

/**
 * The median over rounds of `row`'s figure divided by `base`'s in the same round: pairs
 * measured close in time, so that a slow stretch of the machine cancels out.
 * @param {Row} row
 * @param {Row | undefined} base
 * @param {'cpuMicrosPerCall' | 'callsPerSecond'} figure
 * @returns {number} NaN when no round has both
 */
function pairedRatio(row, base, figure) {
  return median(pairedRatios(row, base, figure));
}

/**
 * `row`'s figure divided by `base`'s, one ratio per round that has both (finite ones only).
 * @param {Row} row
 * @param {Row | undefined} base
 * @param {'cpuMicrosPerCall' | 'callsPerSecond'} figure
 * @returns {number[]}
 */
function pairedRatios(row, base, figure) {
  if (!base) return [];
  const ratios = [];
  for (const [round, values] of row.byRound) {
    const other = base.byRound.get(round);
    if (other) ratios.push(values[figure] / other[figure]);
  }
  return ratios.filter(Number.isFinite);
}

module.exports = { pairedRatio, pairedRatios, summarize };
