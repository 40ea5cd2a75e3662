'use strict';
/**
 * Where the peers spend CPU: runs peers under `node --cpu-prof` against the bench server,
 * prints each profile's top self-time functions and areas (library, node internals, GC) in
 * µs per call, then what the first peer of each pair spends that the second doesn't. The
 * .cpuprofile files are written to a temporary folder and deleted.
 *
 *   node bench/profile.js                        longrun-grpc vs raw-grpc-js, longrun-rest vs raw-undici
 *   node bench/profile.js longrun-grpc nice-grpc one pair
 *
 * The scenario is the first of BENCH_SCENARIOS (default cancel); sizes as in config.js. Only
 * the samples of the measured phase at BENCH_CONCURRENCY in flight count. A batch scenario
 * (`many`) gives µs per operation; a second peer without its method (the floors have no
 * cancelMany) is left out and the first profiled alone.
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { readConfig } = require('./config');
const { createPeer } = require('./peers');
const { runPeerProcess, startServer } = require('./processes');
const { getScenario } = require('./scenarios');
const { significant } = require('./format');

/** Sampling interval of the profiler, µs (node's default is 1000). */
const SAMPLE_INTERVAL_US = 250;
const TOP = 15;
const DEFAULT_PAIRS = [
  ['longrun-grpc', 'raw-grpc-js'],
  ['longrun-rest', 'raw-undici'],
];
/** Areas a function's script belongs to, first match wins. */
const AREAS = [
  [/\/dist\/generated\//, 'longrun generated codecs'],
  [/\/dist\/src\//, 'longrun'],
  [/node_modules\/@grpc\/grpc-js\//, '@grpc/grpc-js'],
  [/node_modules\/undici\//, 'undici'],
  [/node_modules\/google-gax\//, 'google-gax'],
  [/node_modules\/(nice-grpc|nice-grpc-common|abort-controller-x)\//, 'nice-grpc'],
  [/node_modules\/(protobufjs|@protobufjs)\//, 'protobufjs'],
  [/node_modules\//, 'other packages'],
  [/\/bench\//, 'bench harness'],
  [/^node:|^internal\//, 'node internals (JS)'],
];

/** @typedef {{ functionName: string, url: string, lineNumber: number }} CallFrame */
/** @typedef {{ id: number, callFrame: CallFrame }} ProfileNode */
/** @typedef {{ nodes: ProfileNode[], startTime: number, samples: number[], timeDeltas: number[] }} Profile */
/** @typedef {{ byFunction: Map<string, number>, byArea: Map<string, number>, totalMicros: number }} SelfTimes */

/**
 * Self time per function and per area, µs, without idle time, of the samples taken between
 * `window`'s two timestamps (the profile's clock).
 * @param {Profile} profile
 * @param {readonly [number, number]} window
 * @returns {SelfTimes}
 */
function selfTimes(profile, [from, to]) {
  /** @type {Map<number, CallFrame>} */
  const frames = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
  const byFunction = new Map();
  const byArea = new Map();
  let totalMicros = 0;
  let time = profile.startTime;
  profile.samples.forEach((id, i) => {
    const frame = frames.get(id);
    const micros = profile.timeDeltas[i] ?? 0;
    time += micros;
    if (time < from || time > to) return;
    if (!frame || frame.functionName === '(idle)' || micros <= 0) return;
    const key = functionKey(frame);
    byFunction.set(key, (byFunction.get(key) ?? 0) + micros);
    const area = areaOf(frame);
    byArea.set(area, (byArea.get(area) ?? 0) + micros);
    totalMicros += micros;
  });
  return { byFunction, byArea, totalMicros };
}

/** @param {CallFrame} frame */
function functionKey(frame) {
  const name = frame.functionName || '(anonymous)';
  if (!frame.url) return name;
  const file = frame.url
    .replace(/^file:\/\//, '')
    .replace(/^.*\/node_modules\//, '')
    .replace(/^.*\/work\/main\//, '');
  return `${name} ${file}:${frame.lineNumber + 1}`;
}

/** @param {CallFrame} frame */
function areaOf(frame) {
  if (!frame.url) return frame.functionName.startsWith('(') ? frame.functionName : 'native (V8 builtins, C++)';
  return AREAS.find(([pattern]) => /** @type {RegExp} */ (pattern).test(frame.url))?.[1] ?? 'other';
}

/**
 * @param {Map<string, number>} map
 * @param {number} calls
 * @param {number} limit
 * @returns {string[]}
 */
function topLines(map, calls, limit) {
  const total = [...map.values()].reduce((a, b) => a + b, 0);
  return [...map]
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .map(
      ([key, micros]) =>
        `  ${significant(micros / calls).padStart(7)} µs/call  ${significant((micros / total) * 100).padStart(5)}%  ${key}`,
    );
}

/**
 * What `a` spends per call that `b` doesn't, by key.
 * @param {Map<string, number>} a
 * @param {number} callsA
 * @param {Map<string, number>} b
 * @param {number} callsB
 * @returns {string[]}
 */
function differenceLines(a, callsA, b, callsB) {
  return [...new Set([...a.keys(), ...b.keys()])]
    .map((key) => /** @type {[string, number]} */ ([key, (a.get(key) ?? 0) / callsA - (b.get(key) ?? 0) / callsB]))
    .filter(([, extra]) => extra > 0)
    .sort((x, y) => y[1] - x[1])
    .slice(0, TOP)
    .map(([key, extra]) => `  +${significant(extra).padStart(6)} µs/call  ${key}`);
}

/**
 * @param {string} peer
 * @param {string} scenario
 * @param {import('./processes').Server} server
 * @param {import('./config').Config} config
 * @param {string} dir
 * @returns {Promise<SelfTimes & { calls: number }>}
 */
async function profilePeer(peer, scenario, server, config, dir) {
  const name = `${peer}-${scenario}.cpuprofile`;
  const run = await runPeerProcess({
    peer,
    scenario,
    round: 0,
    server,
    timeoutMs: config.childTimeoutMs,
    nodeArgs: [
      '--cpu-prof',
      `--cpu-prof-dir=${dir}`,
      `--cpu-prof-name=${name}`,
      `--cpu-prof-interval=${SAMPLE_INTERVAL_US}`,
    ],
  });
  if (!run.ok) throw new Error(`${peer} ${scenario} failed: ${run.error}`);
  const file = path.join(dir, name);
  const profile = JSON.parse(fs.readFileSync(file, 'utf8'));
  fs.rmSync(file);
  // Only the measured phase at N in flight: not start-up, the warm-up or the calls at 1 in flight.
  const concurrent = /** @type {import('./load').LoadFigures} */ (run.concurrent);
  const calls = concurrent.calls;
  const times = selfTimes(profile, concurrent.windowUs);
  console.log(
    `\n## ${peer} ${scenario}, ${calls} calls at ${config.concurrency} in flight: ` +
      `${significant(times.totalMicros / calls)} µs/call of CPU samples ` +
      `(process CPU ${significant(concurrent.cpuMicrosPerCall)} µs/call, profiler included)`,
  );
  console.log('By area:');
  console.log(topLines(times.byArea, calls, TOP).join('\n'));
  console.log('Top self time:');
  console.log(topLines(times.byFunction, calls, TOP).join('\n'));
  return { ...times, calls };
}

async function main() {
  const config = readConfig();
  const scenario = config.scenarios?.[0] ?? 'cancel';
  const { method } = getScenario(scenario);
  const args = process.argv.slice(2);
  const pairs = args.length > 0 ? [args] : DEFAULT_PAIRS;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'longrun-profile-'));
  const server = await startServer();
  try {
    for (const [first, second] of pairs) {
      const a = await profilePeer(first, scenario, server, config, dir);
      if (!second) continue;
      if (!createPeer(second).methods.includes(method)) {
        console.log(`\n(${second} has no ${method}: nothing to compare ${first} with)`);
        continue;
      }
      const b = await profilePeer(second, scenario, server, config, dir);
      console.log(`\n## What ${first} spends per call that ${second} doesn't (self time)`);
      console.log('By area:');
      console.log(differenceLines(a.byArea, a.calls, b.byArea, b.calls).join('\n'));
      console.log('By function:');
      console.log(differenceLines(a.byFunction, a.calls, b.byFunction, b.calls).join('\n'));
    }
  } finally {
    await server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
