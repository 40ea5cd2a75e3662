'use strict';
/**
 * One peer, one scenario, in a process of its own:
 *
 *   BENCH_GRPC_ADDRESS=127.0.0.1:PORT BENCH_HTTP_URL=http://127.0.0.1:PORT [BENCH_SERVER_PID=PID] \
 *     node bench/peer.js <peer> <scenario>
 *
 * Loads the library, makes a client and makes one call, then says `ready` (nothing else runs
 * before that, so the parent's spawn-to-ready time is the cold start); then warms up,
 * measures at 1 and at BENCH_CONCURRENCY calls in flight, and reports one `result` line.
 * A batch scenario (scenarios.js) runs its batches one at a time, the 1 or BENCH_CONCURRENCY
 * in flight being the batch's own, and its first call is a batch of one name.
 * Messages are JSON lines on stdout.
 */
const { performance } = require('node:perf_hooks');
const { URL } = require('node:url');
const { readConfig } = require('./config');
const { loadFigures, runLoad } = require('./load');
const { createPeer } = require('./peers');
const { getScenario } = require('./scenarios');
const { assertLoopback } = require('./wire');

/** @param {object} message */
function send(message) {
  process.stdout.write(`${JSON.stringify(message)}\n`);
}

/** @typedef {{ call: () => Promise<unknown>, calls: number, inFlight: number }} Phase */

/**
 * The first call and the three phases of a scenario: single calls, or batches run one at a time.
 * @param {import('./peers').Peer} peer
 * @param {import('./scenarios').Scenario} scenario
 * @param {import('./config').Config} config
 * @returns {{ first: () => Promise<unknown>, warmup: Phase, serial: Phase, concurrent: Phase }}
 */
function plan(peer, { method, batch }, config) {
  if (!batch) {
    const call = () => peer.call(method);
    return {
      first: call,
      warmup: { call, calls: config.warmupCalls, inFlight: config.concurrency },
      serial: { call, calls: config.serialCalls, inFlight: 1 },
      concurrent: { call, calls: config.concurrentCalls, inFlight: config.concurrency },
    };
  }
  /** @param {number} concurrency */
  const batchAt = (concurrency) => () => peer.call(method, { size: batch, concurrency });
  /** @param {number} operations */
  const batches = (operations) => Math.ceil(operations / batch);
  return {
    first: () => peer.call(method, { size: 1, concurrency: 1 }),
    warmup: { call: batchAt(config.concurrency), calls: batches(config.warmupCalls), inFlight: 1 },
    serial: { call: batchAt(1), calls: batches(config.serialCalls), inFlight: 1 },
    concurrent: { call: batchAt(config.concurrency), calls: batches(config.concurrentCalls), inFlight: 1 },
  };
}

/** @returns {import('./peers').Target} the bench server's addresses, from the environment, loopback only */
function targetFromEnv() {
  const grpc = process.env.BENCH_GRPC_ADDRESS ?? '';
  const http = process.env.BENCH_HTTP_URL ?? '';
  assertLoopback(grpc.slice(0, grpc.lastIndexOf(':')));
  const url = new URL(http);
  assertLoopback(url.hostname);
  if (url.protocol !== 'http:') throw new Error(`BENCH_HTTP_URL must be http://, got ${http}`);
  return { grpc, http: url.origin };
}

async function main() {
  const [peerName = '', scenarioName = ''] = process.argv.slice(2);
  const scenario = getScenario(scenarioName);
  const peer = createPeer(peerName);
  if (!peer.methods.includes(scenario.method)) throw new Error(`${peer.name} has no ${scenario.method}`);
  const target = targetFromEnv();
  const config = readConfig();
  const { first, warmup, serial, concurrent } = plan(peer, scenario, config);
  const serverPid = process.env.BENCH_SERVER_PID ? Number(process.env.BENCH_SERVER_PID) : undefined;

  await peer.setup(target);
  await first();
  send({ type: 'ready', uptimeMs: performance.now() });

  await runLoad(warmup.call, warmup.calls, warmup.inFlight);
  const perOperation = scenario.operationsPerCall;
  const serialFigures = loadFigures(await runLoad(serial.call, serial.calls, serial.inFlight), perOperation);
  const concurrentFigures = loadFigures(
    await runLoad(concurrent.call, concurrent.calls, concurrent.inFlight, serverPid),
    perOperation,
  );
  const maxRssMb = process.resourceUsage().maxRSS / 1024;
  send({ type: 'result', serial: serialFigures, concurrent: concurrentFigures, maxRssMb });
  await peer.close();
}

main().then(
  () => process.exit(0),
  (error) => {
    send({ type: 'error', message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
    process.exit(1);
  },
);
