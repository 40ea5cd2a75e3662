'use strict';
/**
 * The markdown report: one table of figures, cancelMany against single calls, longrun/otel's
 * overhead, one table of measurement conditions, and notes.
 */
const { FLOORS, OTEL_PEERS } = require('./peers');
const { SCENARIOS } = require('./scenarios');
const { fixed, percent, significant } = require('./format');
const { median } = require('./stats');
const { pairedRatio, pairedRatios } = require('./summary');

/** @typedef {import('./summary').Row} Row */
/** @typedef {import('./machine').Machine} Machine */
/** @typedef {import('./config').Config} Config */

const RAW_GRPC = 'raw-grpc-js';
const GAX = 'google-gax';
/** Thresholds of the flags under the tables. */
const BUSY_SERVER_CORES = 0.8;
const BUSY_MACHINE_CORES = 0.25;
const LARGE_SPREAD = 0.2;
/** Below its floor by more than this is flagged. */
const BELOW_FLOOR = 0.97;
/** The project's target: cancelMany's operations/s at least this share of single calls' calls/s. */
const MANY_TARGET = 0.9;
/** The project's target: `openTelemetry()` with no SDK registered within this share of plain longrun. */
const OTEL_NOOP_TARGET = 0.03;

/**
 * @param {{
 *   rows: readonly Row[], machine: Machine, config: Config, totalMs: number, quietWaitMs: number,
 *   backgroundCores: { before: number | undefined, after: number | undefined, sampleMs: number }
 * }} input
 * @returns {string}
 */
function renderReport({ rows, machine, config, totalMs, quietWaitMs, backgroundCores }) {
  const c = config.concurrency;
  return [
    '# longrun benchmark: CancelOperation and GetOperation',
    '',
    machineLine(machine),
    '',
    `Medians of ${config.rounds} round${config.rounds === 1 ? '' : 's'}; ${config.quick ? '**quick mode (smoke test sizes, not for comparison)**; ' : ''}` +
      `per peer process: ${fixed(config.warmupCalls)} warm-up calls, then ${fixed(config.serialCalls)} calls at 1 in flight ` +
      `and ${fixed(config.concurrentCalls)} at ${c} in flight. The whole run took ${fixed(totalMs / 1000, 1)} s` +
      (quietWaitMs > 0 ? `, of which ${fixed(quietWaitMs / 1000, 1)} s waiting for other processes to go idle.` : '.'),
    '',
    table(
      figureHeader(c),
      rows.map((row) => figureCells(row, rows)),
    ),
    '',
    ...manySection(rows, c),
    ...otelSection(rows, c),
    '### Measurement conditions',
    '',
    table(conditionHeader(c), rows.map(conditionCells)),
    '',
    ...flagSection(rows, c),
    ...notes({ rows, config, backgroundCores }),
  ].join('\n');
}

/** @param {Machine} machine */
function machineLine(machine) {
  const versions = Object.entries(machine.versions)
    .map(([name, version]) => `${name} ${version}`)
    .join(', ');
  return `Machine: ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}, ${machine.os}. Versions: ${versions}.`;
}

/** @param {number} c */
function figureHeader(c) {
  return [
    'method',
    'peer',
    'calls/s @1',
    `calls/s @${c}`,
    `client CPU µs/call @${c}`,
    `p50 ms @${c}`,
    `p99 ms @${c}`,
    'peak RSS MB',
    'cold start ms',
    'CPU ÷ raw grpc-js',
    'CPU ÷ gax',
    'CPU ÷ own floor',
    `calls/s @${c} ÷ raw grpc-js`,
    `calls/s @${c} ÷ gax`,
  ];
}

/**
 * @param {Row} row
 * @param {readonly Row[]} rows
 * @returns {string[]}
 */
function figureCells(row, rows) {
  /** @param {string} peer */
  const base = (peer) => rows.find((other) => other.scenario === row.scenario && other.peer === peer);
  const raw = base(RAW_GRPC);
  const gax = base(GAX);
  const floor = base(FLOORS[/** @type {keyof typeof FLOORS} */ (row.transport)]);
  return [
    SCENARIOS[row.scenario]?.title ?? row.scenario,
    row.failures.length > 0 ? `${row.peer} ⚠` : row.peer,
    fixed(row.serialCallsPerSecond),
    fixed(row.callsPerSecond),
    significant(row.cpuMicrosPerCall),
    fixed(row.p50Ms, 2),
    fixed(row.p99Ms, 2),
    fixed(row.maxRssMb),
    fixed(row.coldStartMs),
    times(pairedRatio(row, raw, 'cpuMicrosPerCall')),
    times(pairedRatio(row, gax, 'cpuMicrosPerCall')),
    times(pairedRatio(row, floor, 'cpuMicrosPerCall')),
    times(pairedRatio(row, raw, 'callsPerSecond')),
    times(pairedRatio(row, gax, 'callsPerSecond')),
  ];
}

/**
 * cancelMany (the `many` scenario) against single CancelOperation calls (`cancel`), for each
 * peer that ran both: throughput and client CPU at the same concurrency, paired by round.
 * @param {readonly Row[]} rows
 * @param {number} c
 * @returns {string[]} the section's lines; none when no peer ran both
 */
function manySection(rows, c) {
  const pairs = rows.flatMap((many) => {
    const single = many.scenario === 'many' && rows.find((r) => r.scenario === 'cancel' && r.peer === many.peer);
    return single ? [{ many, single }] : [];
  });
  if (pairs.length === 0) return [];
  const header = [
    'peer',
    `operations/s @${c}, cancelMany`,
    `calls/s @${c}, single calls`,
    'ratio',
    `target ≥ ${fixed(MANY_TARGET, 1)}×`,
    `client CPU µs/operation @${c}, cancelMany`,
    `client CPU µs/call @${c}, single calls`,
    'CPU ratio',
  ];
  const body = pairs.map(({ many, single }) => {
    const ratio = pairedRatio(many, single, 'callsPerSecond');
    return [
      many.peer,
      fixed(many.callsPerSecond),
      fixed(single.callsPerSecond),
      times(ratio),
      Number.isFinite(ratio) ? (ratio >= MANY_TARGET ? 'met' : 'missed') : '—',
      significant(many.cpuMicrosPerCall),
      significant(single.cpuMicrosPerCall),
      times(pairedRatio(many, single, 'cpuMicrosPerCall')),
    ];
  });
  const batch = SCENARIOS.many?.batch ?? NaN;
  return [
    '### cancelMany against single calls',
    '',
    `\`client.cancelMany(names, { concurrency: ${c} })\` over batches of ${fixed(batch)} names, one batch at a time, ` +
      `against single \`cancelOperation\` calls at ${c} in flight. Ratios: cancelMany ÷ single calls, paired by ` +
      `round. The target is cancelMany throughput ≥ ${fixed(MANY_TARGET, 1)}× single calls at the same concurrency.`,
    '',
    table(header, body, 1),
    '',
  ];
}

/**
 * longrun with `openTelemetry()` (no SDK registered, and a real SDK) against plain longrun over
 * the same transport, for each scenario both ran: CPU per call and throughput, paired by round.
 * @param {readonly Row[]} rows
 * @param {number} c
 * @returns {string[]} the section's lines; none when no traced peer ran with its plain peer
 */
function otelSection(rows, c) {
  const pairs = rows.flatMap((traced) => {
    const otel = OTEL_PEERS[traced.peer];
    const plain = otel && rows.find((r) => r.scenario === traced.scenario && r.peer === otel.plain);
    return plain ? [{ traced, plain, telemetry: otel.telemetry }] : [];
  });
  if (pairs.length === 0) return [];
  const limit = percent(OTEL_NOOP_TARGET);
  const header = [
    'method',
    'peer',
    'telemetry',
    `client CPU µs/call @${c}, plain`,
    `client CPU µs/call @${c}, otel`,
    'CPU ratio',
    `calls/s @${c}, plain`,
    `calls/s @${c}, otel`,
    'calls/s ratio',
    `target: no-op within ${limit}`,
  ];
  const body = pairs.map(({ traced, plain, telemetry }) => {
    const cpu = pairedRatios(traced, plain, 'cpuMicrosPerCall');
    const rate = pairedRatios(traced, plain, 'callsPerSecond');
    return [
      SCENARIOS[traced.scenario]?.title ?? traced.scenario,
      traced.failures.length > 0 || plain.failures.length > 0 ? `${traced.peer} ⚠` : traced.peer,
      telemetry === 'noop' ? 'no SDK (API no-ops)' : 'SDK, every span',
      significant(plain.cpuMicrosPerCall),
      significant(traced.cpuMicrosPerCall),
      ratioRange(cpu),
      fixed(plain.callsPerSecond),
      fixed(traced.callsPerSecond),
      ratioRange(rate),
      telemetry === 'noop' ? noopVerdict(median(cpu), median(rate)) : '—',
    ];
  });
  return [
    '### longrun/otel overhead',
    '',
    `longrun with \`interceptors: [openTelemetry()]\` (\`longrun/otel\`) against plain longrun over the same ` +
      `transport (no interceptor), at ${c} in flight. _No SDK_: nothing registered, \`openTelemetry()\` runs on the ` +
      'OpenTelemetry API’s no-ops. _SDK_: registered before the client is made: a TracerProvider sampling every span ' +
      '(AlwaysOnSampler) into a BatchSpanProcessor over an exporter that counts the spans and drops them, the ' +
      'AsyncLocalStorage context manager, the W3C trace-context propagator, and a MeterProvider whose reader exports ' +
      'every second; each run checks at its end that every RPC’s span was exported and counted in ' +
      '`rpc.client.call.duration`. Ratios: otel ÷ plain, paired by round, the median across rounds (in brackets, ' +
      'the lowest and highest round). ' +
      `The target is \`openTelemetry()\` with no SDK within ${limit} of plain longrun: CPU per call ≤ ` +
      `${fixed(1 + OTEL_NOOP_TARGET, 2)}× and calls/s ≥ ${fixed(1 - OTEL_NOOP_TARGET, 2)}×. Where the rounds’ ` +
      `ratios spread wider than ${limit}, the verdict is within the noise of the machine: \`npm run bench:paired\` measures the no-SDK case paired in one process.`,
    '',
    table(header, body, 3),
    '',
  ];
}

/**
 * @param {number} cpu CPU per call ratio, otel ÷ plain
 * @param {number} rate calls/s ratio, otel ÷ plain
 * @returns {string}
 */
function noopVerdict(cpu, rate) {
  if (!Number.isFinite(cpu) || !Number.isFinite(rate)) return '—';
  return cpu <= 1 + OTEL_NOOP_TARGET && rate >= 1 - OTEL_NOOP_TARGET ? 'met' : 'missed';
}

/**
 * @param {readonly number[]} ratios one per round
 * @returns {string} the median, and with two rounds or more the lowest and highest: "1.02× (0.98–1.07)"
 */
function ratioRange(ratios) {
  const mid = times(median(ratios));
  if (ratios.length < 2) return mid;
  return `${mid} (${fixed(Math.min(...ratios), 2)}–${fixed(Math.max(...ratios), 2)})`;
}

/**
 * @param {number} value a ratio
 * @returns {string} e.g. "1.23×"
 */
function times(value) {
  return Number.isFinite(value) ? `${fixed(value, 2)}×` : '—';
}

/** @param {number} c */
function conditionHeader(c) {
  return [
    'method',
    'peer',
    'rounds ok',
    `client CPU spread @${c}`,
    `calls/s spread @${c}`,
    `server CPU µs/call @${c}`,
    `server busy (cores) @${c}`,
    `other processes (cores) @${c}, median / max`,
  ];
}

/**
 * @param {Row} row
 * @returns {string[]}
 */
function conditionCells(row) {
  return [
    SCENARIOS[row.scenario]?.title ?? row.scenario,
    row.peer,
    String(row.rounds),
    percent(row.cpuSpread),
    percent(row.callsPerSecondSpread),
    significant(row.serverMicrosPerCall),
    fixed((row.serverMicrosPerCall * row.callsPerSecond) / 1e6, 2),
    `${fixed(row.otherCores, 2)} / ${fixed(row.otherCoresMax, 2)}`,
  ];
}

/**
 * @param {{ rows: readonly Row[], config: Config,
 *   backgroundCores: { before: number | undefined, after: number | undefined, sampleMs: number } }} input
 * @returns {string[]}
 */
function notes({ rows, config, backgroundCores }) {
  const c = config.concurrency;
  const failures = rows.flatMap((row) =>
    row.failures.map((failure) => `- ${row.peer} ${row.scenario}, ${failure.split('\n')[0]}`),
  );
  return [
    '### How this was measured',
    '',
    '- Server: `bench/server.js` in its own process, a minimal grpc-js server and a node:http server on 127.0.0.1 ' +
      'answering with bytes encoded once at start. Not longrun’s emulator: it records every request and would be ' +
      'the bottleneck.',
    '- Each peer runs in its own process (`bench/peer.js <peer> <scenario>`), one at a time, so its CPU and RSS are ' +
      'its own. Rounds interleave the peers (the order rotates each round); figures are medians across rounds.',
    `- Client CPU µs/call: the peer process’s user + system CPU over the ${fixed(config.concurrentCalls)} calls at ` +
      `${c} in flight, divided by the calls (latency recording included, the same for all). Latency: each call’s ` +
      'own time from start to settle. Peak RSS: `process.resourceUsage().maxRSS` at the end. Cold start: from the ' +
      'parent’s spawn to the child’s report that it loaded the library, made a client and finished one call ' +
      '(Node’s own start-up included).',
    '- Ratios: the median across rounds of a peer’s figure divided by raw grpc-js’s or google-gax’s in the same ' +
      'method and round (pairs measured close in time, so a slow stretch of the machine cancels out; they can ' +
      'differ from the ratio of the medians). “Own floor” is raw grpc-js for gRPC peers and raw undici for REST ' +
      'peers. Spread: (max − min) / median across rounds.',
    '- Server busy and other processes come from /proc: the server’s CPU during the peer’s concurrent phase, and ' +
      'the CPU of everything else on the machine (neither the peer nor the server). Where the server is close to ' +
      `one core busy, calls/s @${c} is bounded by the server, not the client; compare client CPU per call instead.`,
    ...manyNotes(rows, config),
    '- What each call exchanges: every peer sends the same request and decodes the response. raw grpc-js encodes ' +
      '`{name}` and decodes GetOperation’s Operation with a hand-written protobuf codec (`bench/wire.js`, into a ' +
      'plain object; CancelOperation’s Empty has nothing to decode). raw undici sends CancelOperation’s transcoded ' +
      'request, the body `{}` with `content-type: application/json` (HTTP rule `body: "*"`), as longrun does, and ' +
      'parses each response body with `JSON.parse`. longrun, google-gax and nice-grpc decode an Operation with ' +
      'their own codecs.',
    '- Per-call settings: longrun (both transports) and google-gax set a 10 s deadline on each call; raw grpc-js, ' +
      'raw undici and nice-grpc set none. longrun sends `x-goog-api-client` and `x-goog-request-params` headers ' +
      '(metadata on gRPC) and google-gax `x-goog-api-client`; the floors and nice-grpc send neither. raw grpc-js ' +
      'uses grpc-js’ default channel options; longrun’s turn channelz off. longrun’s REST pool has at most 32 ' +
      'connections, the raw undici Pool no limit.',
    `- Background load (cores busy machine-wide, sampled for ${fixed(backgroundCores.sampleMs)} ms): ${fixed(backgroundCores.before ?? NaN, 2)} ` +
      `before the run, ${fixed(backgroundCores.after ?? NaN, 2)} after it.`,
    ...(failures.length > 0 ? ['', '### Failures (⚠)', '', ...failures] : []),
    '',
  ];
}

/**
 * How the batch scenarios were run, for the notes: nothing when none was.
 * @param {readonly Row[]} rows
 * @param {Config} config
 * @returns {string[]}
 */
function manyNotes(rows, config) {
  const batches = Object.values(SCENARIOS).filter(
    (scenario) => scenario.batch && rows.some((row) => row.scenario === scenario.name),
  );
  return batches.map((scenario) => {
    const size = scenario.batch ?? NaN;
    /** @param {number} calls */
    const count = (calls) => fixed(Math.ceil(calls / size));
    return (
      `- ${scenario.title} (${scenario.name}): one call is a batch of ${fixed(size)} names (all the one name the ` +
      `single calls use), the batch drained to its last result, each result checked to be \`requested\`. Batches ` +
      `run one at a time: ${count(config.warmupCalls)} to warm up, ${count(config.serialCalls)} at concurrency 1 ` +
      `and ${count(config.concurrentCalls)} at concurrency ${config.concurrency}; its first call (cold start) is a ` +
      `batch of one name. Every figure is per operation (calls/s is operations/s); a batch’s latency is no ` +
      'operation’s, so p50 and p99 are not given (—).'
    );
  });
}

/**
 * Figures to read with care, found from the conditions: a busy server or machine, a large
 * spread across rounds, a peer cheaper than the floor it is built on.
 * @param {readonly Row[]} rows
 * @param {number} c
 * @returns {string[]}
 */
function flagSection(rows, c) {
  const flags = rows.flatMap((row) => rowFlags(row, rows, c).map((flag) => `- ${row.scenario} ${row.peer}: ${flag}`));
  return flags.length > 0 ? ['### Read with care', '', ...flags, ''] : [];
}

/**
 * @param {Row} row
 * @param {readonly Row[]} rows
 * @param {number} c
 * @returns {string[]}
 */
function rowFlags(row, rows, c) {
  const flags = [];
  const serverCores = (row.serverMicrosPerCall * row.callsPerSecond) / 1e6;
  if (serverCores >= BUSY_SERVER_CORES) {
    flags.push(`the server was ${fixed(serverCores, 2)} cores busy at ${c} in flight: calls/s is the server’s limit`);
  }
  if (row.otherCoresMax >= BUSY_MACHINE_CORES) {
    flags.push(`other processes used up to ${fixed(row.otherCoresMax, 2)} cores while it was measured`);
  }
  if (row.cpuSpread >= LARGE_SPREAD || row.callsPerSecondSpread >= LARGE_SPREAD) {
    flags.push(
      `rounds disagree: CPU/call spread ${percent(row.cpuSpread)}, calls/s spread ${percent(row.callsPerSecondSpread)}`,
    );
  }
  const floor = rows.find(
    (other) =>
      other.scenario === row.scenario && other.peer === FLOORS[/** @type {keyof typeof FLOORS} */ (row.transport)],
  );
  if (floor && floor !== row && pairedRatio(row, floor, 'cpuMicrosPerCall') < BELOW_FLOOR) {
    flags.push(`uses less CPU per call than ${floor.peer}, the floor it is built on (settings differ, or noise)`);
  }
  return flags;
}

/**
 * A markdown table with its columns padded as prettier pads them (so that `prettier --check`
 * passes on results.md and the table reads well in a terminal). The first `leftColumns`
 * columns are text, aligned left; the rest are figures, aligned right.
 * @param {readonly string[]} header
 * @param {readonly string[][]} body
 * @param {number} [leftColumns]
 * @returns {string}
 */
function table(header, body, leftColumns = 2) {
  const rows = [header, ...body].map((cells) => cells.map(escapeCell));
  const widths = header.map((_, i) => Math.max(3, ...rows.map((cells) => width(cells[i] ?? ''))));
  const left = (/** @type {number} */ i) => i < leftColumns;
  const pad = (/** @type {string} */ cell, /** @type {number} */ i) => {
    const fill = ' '.repeat(widths[i] - width(cell));
    return left(i) ? cell + fill : fill + cell;
  };
  const line = (/** @type {string[]} */ cells) => `| ${cells.join(' | ')} |`;
  const rule = widths.map((w, i) => (left(i) ? '-'.repeat(w) : `${'-'.repeat(w - 1)}:`));
  return [line(rows[0].map(pad)), line(rule), ...rows.slice(1).map((cells) => line(cells.map(pad)))].join('\n');
}

/**
 * Display width: code points (every character used here is one column wide).
 * @param {string} text
 */
function width(text) {
  return [...text].length;
}

/** @param {string} text */
function escapeCell(text) {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

module.exports = { renderReport };
