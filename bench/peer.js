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
  const call = () => peer.call(scenario.method);
  const serverPid = process.env.BENCH_SERVER_PID ? Number(process.env.BENCH_SERVER_PID) : undefined;

  await peer.setup(target);
  await call();
  send({ type: 'ready', uptimeMs: performance.now() });

  await runLoad(call, config.warmupCalls, config.concurrency);
  const serial = loadFigures(await runLoad(call, config.serialCalls, 1), scenario.operationsPerCall);
  const concurrent = loadFigures(
    await runLoad(call, config.concurrentCalls, config.concurrency, serverPid),
    scenario.operationsPerCall,
  );
  const maxRssMb = process.resourceUsage().maxRSS / 1024;
  send({ type: 'result', serial, concurrent, maxRssMb });
  await peer.close();
}

main().then(
  () => process.exit(0),
  (error) => {
    send({ type: 'error', message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
    process.exit(1);
  },
);
