'use strict';
/**
 * The benchmark: `node bench/run.js` (after `npm run build`). Starts the bench server, runs
 * every peer on every scenario in its own process, BENCH_ROUNDS rounds with the peers
 * interleaved, then prints a markdown table and writes results.md and results.svg.
 * Settings: see config.js. Progress goes to stderr, the report to stdout.
 */
const fs = require('node:fs');
const path = require('node:path');
const { performance } = require('node:perf_hooks');
const { readConfig } = require('./config');
const { describeMachine } = require('./machine');
const { createPeer, PEERS } = require('./peers');
const { runPeerProcess, startServer } = require('./processes');
const { busyCores } = require('./procfs');
const { renderChart } = require('./chart');
const { renderReport } = require('./report');
const { SCENARIOS } = require('./scenarios');
const { summarize } = require('./summary');
const { fixed, significant } = require('./format');

/** @typedef {import('./config').Config} Config */
/** @typedef {import('./processes').PeerRun} PeerRun */
/** @typedef {import('./processes').Server} Server */
/** @typedef {{ peer: string, transport: string, scenario: string }} Cell */

/** How long the background load is sampled before and after the run (quick mode: a fifth). */
const BACKGROUND_SAMPLE_MS = 1000;
/** With BENCH_QUIET_WAIT_S: the machine counts as quiet below this many busy cores, sampled this long. */
const QUIET_CORES = 0.15;
const QUIET_SAMPLE_MS = 500;
/** Sizes of the run that warms the server up before round 1 (its figures are dropped). */
const SERVER_WARMUP_ENV = { BENCH_WARMUP: '3000', BENCH_SERIAL_CALLS: '1', BENCH_CALLS: '1' };

/**
 * Every scenario and peer selected, in report order; a peer without the scenario's method is left out.
 * @param {Config} config
 * @returns {Cell[]}
 */
function selectCells(config) {
  const peers = config.peers ?? Object.keys(PEERS);
  const scenarios = config.scenarios ?? Object.keys(SCENARIOS);
  return scenarios.flatMap((scenario) => {
    const { method } = SCENARIOS[scenario] ?? { method: '' };
    if (!method) throw new Error(`unknown scenario ${JSON.stringify(scenario)}`);
    return peers
      .map((name) => createPeer(name))
      .filter((peer) => peer.methods.includes(method))
      .map((peer) => ({ peer: peer.name, transport: peer.transport, scenario }));
  });
}

/**
 * The order of round `round`: peers rotated by one each round, each peer's scenarios together.
 * @param {readonly Cell[]} cells
 * @param {number} round
 * @returns {Cell[]}
 */
function roundOrder(cells, round) {
  const peers = [...new Set(cells.map((cell) => cell.peer))];
  const shift = round % peers.length;
  const rotated = [...peers.slice(shift), ...peers.slice(0, shift)];
  return rotated.flatMap((peer) => cells.filter((cell) => cell.peer === peer));
}

/**
 * Runs the floors once with their figures dropped, so that round 1's first peer doesn't meet a cold server.
 * @param {Server} server
 * @param {Config} config
 */
async function warmServer(server, config) {
  for (const [peer, scenario] of [
    ['raw-grpc-js', 'get'],
    ['raw-undici', 'get'],
  ]) {
    await runPeerProcess({
      peer,
      scenario,
      round: -1,
      server,
      timeoutMs: config.childTimeoutMs,
      env: SERVER_WARMUP_ENV,
    });
  }
}

/**
 * @param {PeerRun} run
 * @param {string} prefix
 */
function logRun(run, prefix) {
  const what = `${prefix} ${run.peer} ${run.scenario}`;
  if (!run.ok) {
    console.error(`${what}: FAILED ${run.error?.split('\n')[0]}`);
    return;
  }
  const c = run.concurrent;
  const unit = SCENARIOS[run.scenario]?.batch ? 'operation' : 'call'; // a batch scenario's figures are per operation
  console.error(
    `${what}: ${significant(c?.cpuMicrosPerCall ?? NaN)} µs/${unit}, ${fixed(c?.callsPerSecond ?? NaN)} ${unit}s/s, ` +
      `cold ${fixed(run.coldStartMs ?? NaN)} ms (process ${fixed((run.wallMs ?? NaN) / 1000, 1)} s)`,
  );
}

/**
 * Waits, up to the configured time, until the rest of the machine is idle (the bench server
 * is, between peer processes). Returns how long it waited (0 when the first sample was quiet).
 * @param {Config} config
 * @returns {Promise<number>} ms
 */
async function waitForQuiet(config) {
  if (config.quietWaitMs === 0) return 0;
  const started = performance.now();
  for (let samples = 1; ; samples++) {
    const busy = await busyCores(QUIET_SAMPLE_MS);
    const waited = performance.now() - started;
    if (busy === undefined || busy < QUIET_CORES) return samples === 1 ? 0 : waited;
    if (waited >= config.quietWaitMs) {
      console.error(`bench: ${fixed(busy, 2)} cores still busy after ${fixed(waited / 1000)} s of waiting; going on`);
      return waited;
    }
  }
}

/**
 * @param {Config} config
 * @param {readonly Cell[]} cells
 * @returns {Promise<{ runs: PeerRun[], quietWaitMs: number }>}
 */
async function runRounds(config, cells) {
  const server = await startServer();
  /** @type {PeerRun[]} */
  const runs = [];
  let quietWaitMs = 0;
  try {
    if (!config.quick) await warmServer(server, config);
    for (let round = 0; round < config.rounds; round++) {
      for (const cell of roundOrder(cells, round)) {
        quietWaitMs += await waitForQuiet(config);
        const run = await runPeerProcess({ ...cell, round, server, timeoutMs: config.childTimeoutMs });
        logRun(run, `[round ${round + 1}/${config.rounds}]`);
        runs.push(run);
      }
    }
  } finally {
    await server.stop();
  }
  if (quietWaitMs > 0) console.error(`bench: waited ${fixed(quietWaitMs / 1000, 1)} s in all for a quiet machine`);
  return { runs, quietWaitMs };
}

/**
 * @param {string} dir
 * @param {Record<string, string>} files name -> content
 */
function writeFiles(dir, files) {
  fs.mkdirSync(dir, { recursive: true });
  for (const [name, content] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), content);
}

async function main() {
  const started = performance.now();
  const config = readConfig();
  const cells = selectCells(config);
  const machine = describeMachine();
  console.error(
    `bench: Node ${process.version}, ${cells.length} peer × scenario cells, ${config.rounds} rounds${config.quick ? ' (quick)' : ''}`,
  );
  const sampleMs = config.quick ? BACKGROUND_SAMPLE_MS / 5 : BACKGROUND_SAMPLE_MS;
  const before = await busyCores(sampleMs);
  const { runs, quietWaitMs } = await runRounds(config, cells);
  const after = await busyCores(sampleMs);
  const rows = summarize(runs, cells);
  const totalMs = performance.now() - started;
  const report = renderReport({
    rows,
    machine,
    config,
    totalMs,
    quietWaitMs,
    backgroundCores: { before, after, sampleMs },
  });
  const chart = renderChart({ rows, machine, concurrency: config.concurrency, rounds: config.rounds });
  process.stdout.write(report);
  writeFiles(config.outDir, { 'results.md': report, 'results.svg': chart });
  console.error(
    `bench: wrote ${path.join(config.outDir, 'results.md')} and results.svg in ${fixed(totalMs / 1000, 1)} s`,
  );
  if (runs.some((run) => !run.ok)) process.exitCode = 1;
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
