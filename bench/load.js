'use strict';
/** The load generator: a bounded number of calls, a fixed number in flight, each one timed. */
const { performance } = require('node:perf_hooks');
const { cpuBetween, cpuSnapshot } = require('./procfs');
const { percentile } = require('./stats');

/** @typedef {{
 *   calls: number, elapsedMs: number, cpuMicros: number, latenciesMs: Float64Array,
 *   machine: { serverMicros: number, otherCores: number } | undefined, windowUs: [number, number]
 * }} Load */
/** @typedef {{
 *   calls: number, callsPerSecond: number, cpuMicrosPerCall: number,
 *   p50Ms: number | undefined, p99Ms: number | undefined,
 *   serverMicrosPerCall: number | undefined, otherCores: number | undefined, windowUs: [number, number]
 * }} LoadFigures */

/**
 * Runs `total` calls, `concurrency` at a time, and measures wall time, this process's CPU
 * time (user + system), each call's latency and, given the server's pid, the CPU the server
 * and the rest of the machine used meanwhile.
 * @param {() => Promise<unknown>} call
 * @param {number} total
 * @param {number} concurrency
 * @param {number} [serverPid]
 * @returns {Promise<Load>}
 */
async function runLoad(call, total, concurrency, serverPid) {
  const latenciesMs = new Float64Array(total);
  let next = 0;
  const worker = async () => {
    while (next < total) {
      const index = next++;
      const started = performance.now();
      await call();
      latenciesMs[index] = performance.now() - started;
    }
  };
  const machineBefore = cpuSnapshot(serverPid);
  const cpuBefore = process.cpuUsage();
  const startedUs = monotonicMicros();
  const started = performance.now();
  await Promise.all(Array.from({ length: Math.min(concurrency, total) }, worker));
  const elapsedMs = performance.now() - started;
  const windowUs = /** @type {[number, number]} */ ([startedUs, monotonicMicros()]);
  const cpu = process.cpuUsage(cpuBefore);
  const machine = cpuBetween(machineBefore, cpuSnapshot(serverPid), elapsedMs);
  return { calls: total, elapsedMs, cpuMicros: cpu.user + cpu.system, latenciesMs, machine, windowUs };
}

/** @returns {number} the monotonic clock in µs: the clock of `--cpu-prof` profiles' timestamps */
function monotonicMicros() {
  return Number(process.hrtime.bigint() / 1000n);
}

/**
 * The figures of a load, per operation when each call carries several. A call's latency is
 * then not an operation's: the percentiles are left out (not available).
 * @param {Load} load
 * @param {number} [operationsPerCall]
 * @returns {LoadFigures}
 */
function loadFigures(load, operationsPerCall = 1) {
  const sorted = operationsPerCall === 1 ? load.latenciesMs.slice().sort() : undefined;
  const operations = load.calls * operationsPerCall;
  return {
    calls: operations,
    callsPerSecond: operations / (load.elapsedMs / 1000),
    cpuMicrosPerCall: load.cpuMicros / operations,
    p50Ms: sorted && percentile(sorted, 50),
    p99Ms: sorted && percentile(sorted, 99),
    serverMicrosPerCall: load.machine && load.machine.serverMicros / operations,
    otherCores: load.machine?.otherCores,
    windowUs: load.windowUs,
  };
}

module.exports = { loadFigures, runLoad };
