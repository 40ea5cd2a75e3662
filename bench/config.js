'use strict';
/**
 * The bench's knobs, from the environment. The parent and every peer process read the same
 * environment, so they agree without passing anything else.
 *
 *   BENCH_QUICK=1           smoke-test sizes (whole run well under 30 s); files go to a temp dir
 *   BENCH_ROUNDS            alternating repetitions (default 5)
 *   BENCH_WARMUP            warm-up calls per process before measuring (default 5000)
 *   BENCH_SERIAL_CALLS      measured calls at 1 in flight (default 1000)
 *   BENCH_CALLS             measured calls at BENCH_CONCURRENCY in flight (default 8000)
 *   (a batch scenario, e.g. `many`, turns each of these into ceil(calls / batch) batches)
 *
 * The warm-up is long enough for the measured phases to run past V8's warm-up (the call path
 * optimized), not in it.
 * The defaults keep a whole run (10 peers × 2 scenarios + 6 peers × `many`, 5 rounds) around
 * 6 minutes on a 2-core machine where the gRPC peers make about 5,000 calls/s. On a noisy
 * (virtual) machine, five rounds of fewer calls give steadier medians than three rounds of more.
 *   BENCH_CONCURRENCY       calls in flight for the concurrent figures (default 64)
 *   BENCH_PEERS             comma-separated peer names to run (default all)
 *   BENCH_SCENARIOS         comma-separated scenario names to run (default all)
 *   BENCH_OUT               folder for results.md and results.svg (default bench/)
 *   BENCH_CHILD_TIMEOUT_MS  a peer process that takes longer is killed (default 120000)
 *   BENCH_QUIET_WAIT_S      on a shared machine: before each peer process, wait up to this many
 *                           seconds for other processes to leave the CPUs idle (default 0: don't)
 */
const os = require('node:os');
const path = require('node:path');

/** @typedef {{
 *   quick: boolean, rounds: number, warmupCalls: number, serialCalls: number, concurrentCalls: number,
 *   concurrency: number, peers: string[] | undefined, scenarios: string[] | undefined, outDir: string,
 *   childTimeoutMs: number, quietWaitMs: number
 * }} Config */

const FULL = { rounds: 5, warmupCalls: 5000, serialCalls: 1000, concurrentCalls: 8000, concurrency: 64 };
const QUICK = { rounds: 1, warmupCalls: 50, serialCalls: 100, concurrentCalls: 500, concurrency: 64 };

/** Upper bounds, so that no setting makes a loop unbounded in practice. */
const MAX_CALLS = 10_000_000;
const MAX_ROUNDS = 100;
const MAX_CONCURRENCY = 10_000;

/**
 * @param {NodeJS.ProcessEnv} [env]
 * @returns {Config}
 */
function readConfig(env = process.env) {
  const quick = env.BENCH_QUICK === '1';
  const sizes = quick ? QUICK : FULL;
  return {
    quick,
    rounds: integer(env, 'BENCH_ROUNDS', sizes.rounds, MAX_ROUNDS),
    warmupCalls: integer(env, 'BENCH_WARMUP', sizes.warmupCalls, MAX_CALLS, 0),
    serialCalls: integer(env, 'BENCH_SERIAL_CALLS', sizes.serialCalls, MAX_CALLS),
    concurrentCalls: integer(env, 'BENCH_CALLS', sizes.concurrentCalls, MAX_CALLS),
    concurrency: integer(env, 'BENCH_CONCURRENCY', sizes.concurrency, MAX_CONCURRENCY),
    peers: list(env.BENCH_PEERS),
    scenarios: list(env.BENCH_SCENARIOS),
    outDir: env.BENCH_OUT
      ? path.resolve(env.BENCH_OUT)
      : quick
        ? path.join(os.tmpdir(), 'longrun-bench-quick')
        : __dirname,
    childTimeoutMs: integer(env, 'BENCH_CHILD_TIMEOUT_MS', 120_000, 3_600_000),
    quietWaitMs: integer(env, 'BENCH_QUIET_WAIT_S', 0, 3600, 0) * 1000,
  };
}

/**
 * @param {NodeJS.ProcessEnv} env
 * @param {string} key
 * @param {number} fallback
 * @param {number} max
 * @param {number} [min]
 * @returns {number}
 */
function integer(env, key, fallback, max, min = 1) {
  const text = env[key];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${key} must be a whole number from ${min} to ${max}, got ${JSON.stringify(text)}`);
  }
  return value;
}

/**
 * @param {string | undefined} text
 * @returns {string[] | undefined}
 */
function list(text) {
  if (!text) return undefined;
  const items = text
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
  return items.length > 0 ? items : undefined;
}

module.exports = { readConfig };
