'use strict';
/**
 * The bench's child processes: the server (one for the whole run) and one process per peer
 * run, each bounded by a timeout and ended by its own pid when it overstays.
 */
const path = require('node:path');
const { spawn } = require('node:child_process');
const { once } = require('node:events');
const { performance } = require('node:perf_hooks');
const { createInterface } = require('node:readline');
const { setTimeout, clearTimeout } = require('node:timers');

const SERVER_START_TIMEOUT_MS = 15_000;
const SERVER_STOP_TIMEOUT_MS = 5_000;
/** How much of a failing child's stderr the report keeps. */
const STDERR_KEPT = 4000;

/** @typedef {import('./peers').Target} Target */
/** @typedef {import('./load').LoadFigures} LoadFigures */
/** @typedef {{ target: Target, pid: number, stop(): Promise<void> }} Server */
/** @typedef {{
 *   peer: string, scenario: string, round: number, ok: boolean, error?: string, wallMs?: number,
 *   coldStartMs?: number, serial?: LoadFigures, concurrent?: LoadFigures, maxRssMb?: number
 * }} PeerRun */

/** The environment of every child: the parent's, with no proxy that could route a call elsewhere. */
function childEnv(/** @type {Record<string, string>} */ extra = {}) {
  const env = { ...process.env, ...extra };
  for (const key of Object.keys(env)) {
    if (/^(https?|grpc|all)_proxy$/i.test(key)) delete env[key];
  }
  return env;
}

/**
 * Starts bench/server.js and waits for its ports.
 * @returns {Promise<Server>}
 */
async function startServer() {
  const child = spawn(process.execPath, [path.join(__dirname, 'server.js')], {
    stdio: ['pipe', 'pipe', 'inherit'],
    env: childEnv(),
  });
  const exited = once(child, 'exit');
  const timer = setTimeout(() => child.kill('SIGKILL'), SERVER_START_TIMEOUT_MS);
  try {
    const [line] = await Promise.race([
      once(createInterface({ input: /** @type {import('node:stream').Readable} */ (child.stdout) }), 'line'),
      exited.then(([code]) => Promise.reject(new Error(`bench server exited early (code ${code})`))),
    ]);
    const { grpcPort, httpPort } = JSON.parse(line);
    return {
      target: { grpc: `127.0.0.1:${grpcPort}`, http: `http://127.0.0.1:${httpPort}` },
      pid: /** @type {number} */ (child.pid),
      async stop() {
        const kill = setTimeout(() => child.kill('SIGKILL'), SERVER_STOP_TIMEOUT_MS);
        child.stdin?.end();
        if (child.exitCode === null && child.signalCode === null) await exited;
        clearTimeout(kill);
      },
    };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Runs `node [nodeArgs] bench/peer.js <peer> <scenario>` against the server; resolves with
 * its figures, or with ok false and why.
 * @param {{
 *   peer: string, scenario: string, round: number, server: Server, timeoutMs: number,
 *   env?: Record<string, string>, nodeArgs?: string[]
 * }} options
 * @returns {Promise<PeerRun>}
 */
async function runPeerProcess({ peer, scenario, round, server, timeoutMs, env = {}, nodeArgs = [] }) {
  /** @type {PeerRun} */
  const run = { peer, scenario, round, ok: false };
  const spawnedAt = performance.now();
  const child = spawn(process.execPath, [...nodeArgs, path.join(__dirname, 'peer.js'), peer, scenario], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: childEnv({
      ...env,
      BENCH_GRPC_ADDRESS: server.target.grpc,
      BENCH_HTTP_URL: server.target.http,
      BENCH_SERVER_PID: String(server.pid),
    }),
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk) => {
    stderr = (stderr + chunk).slice(-STDERR_KEPT);
  });
  const lines = createInterface({ input: /** @type {import('node:stream').Readable} */ (child.stdout) });
  const linesClosed = once(lines, 'close');
  lines.on('line', (line) => {
    const message = parseMessage(line);
    if (message?.type === 'ready') run.coldStartMs = performance.now() - spawnedAt;
    else if (message?.type === 'result') Object.assign(run, pick(message, ['serial', 'concurrent', 'maxRssMb']));
    else if (message?.type === 'error') run.error = String(message.message);
  });
  const timer = setTimeout(() => {
    run.error = `timed out after ${timeoutMs} ms`;
    child.kill('SIGKILL');
  }, timeoutMs);
  const [code, signal] = await once(child, 'exit');
  run.wallMs = performance.now() - spawnedAt;
  clearTimeout(timer);
  await linesClosed;
  run.ok = code === 0 && run.error === undefined && run.concurrent !== undefined;
  if (!run.ok && run.error === undefined) {
    run.error = `exited with ${signal ?? `code ${code}`}${stderr ? `: ${stderr.trim()}` : ''}`;
  }
  return run;
}

/**
 * @param {string} line
 * @returns {Record<string, unknown> | undefined}
 */
function parseMessage(line) {
  try {
    const value = JSON.parse(line);
    return typeof value === 'object' && value !== null ? value : undefined;
  } catch {
    return undefined; // a stray line (a library's log): not a message
  }
}

/**
 * @param {Record<string, unknown>} object
 * @param {string[]} keys
 */
function pick(object, keys) {
  return Object.fromEntries(keys.filter((key) => key in object).map((key) => [key, object[key]]));
}

module.exports = { runPeerProcess, startServer };
