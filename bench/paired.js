'use strict';
/**
 * Paired, in one process: plain longrun against longrun with `openTelemetry()` and no SDK
 * registered (the API's no-ops), over each transport, with a control (plain against plain)
 * that shows this machine's noise. Batches of CancelOperation calls at 64 in flight
 * alternate between the two clients round by round; the figure is the median of the rounds'
 * CPU-per-call ratios. Separate processes (`npm run bench`) spread ±10-20 % between rounds on
 * a shared 2-core machine, too wide for a 3 % target; pairing in one process narrows it.
 *
 *   npm run build && node bench/paired.js        # BENCH_PAIRED_ROUNDS (40), BENCH_PAIRED_BATCH (4000)
 */
const { spawn } = require('node:child_process');
const path = require('node:path');
const readline = require('node:readline');
const { once } = require('node:events');

const ROUNDS = Number(process.env.BENCH_PAIRED_ROUNDS || 40);
const BATCH = Number(process.env.BENCH_PAIRED_BATCH || 4000);
const CONCURRENCY = 64;
const NAME = 'projects/p/operations/o';
const dist = path.resolve(__dirname, '../dist/src');
const longrun = require(dist);
const { openTelemetry } = require(path.join(dist, 'otel'));

/** CPU microseconds per call of `n` cancels at 64 in flight. */
async function batch(client, n) {
  const start = process.cpuUsage();
  let started = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (started++ < n) await client.cancelOperation(NAME);
    }),
  );
  const used = process.cpuUsage(start);
  return (used.user + used.system) / n;
}

const median = (values) => [...values].sort((a, b) => a - b)[values.length >> 1];

/** The median of the rounds' CPU ratios b ÷ a, the two clients alternating first. */
async function paired(a, b) {
  await batch(a, 5000);
  await batch(b, 5000);
  const ratios = [];
  for (let round = 0; round < ROUNDS; round++) {
    const first = round % 2 === 0;
    const x = await batch(first ? a : b, BATCH);
    const y = await batch(first ? b : a, BATCH);
    ratios.push(first ? y / x : x / y);
  }
  return { ratio: median(ratios), low: Math.min(...ratios), high: Math.max(...ratios) };
}

async function main() {
  const server = spawn(process.execPath, [path.join(__dirname, 'server.js')], { stdio: ['pipe', 'pipe', 'inherit'] });
  const [line] = await once(readline.createInterface({ input: server.stdout }), 'line');
  const { grpcPort, httpPort } = JSON.parse(line);
  const transports = {
    grpc: () => longrun.createGrpcTransport({ address: `127.0.0.1:${grpcPort}`, insecure: true }),
    rest: () => longrun.createRestTransport({ baseUrl: `http://127.0.0.1:${httpPort}`, insecure: true }),
  };
  const rows = [];
  for (const [kind, make] of Object.entries(transports)) {
    const plain = new longrun.OperationsClient({ transport: make() });
    const plain2 = new longrun.OperationsClient({ transport: make() });
    const otel = new longrun.OperationsClient({ transport: make(), interceptors: [openTelemetry()] });
    const control = await paired(plain, plain2);
    const measured = await paired(plain, otel);
    rows.push({ kind, control, measured });
    await Promise.all([plain.close(), plain2.close(), otel.close()]);
  }
  server.stdin.end();
  const fmt = ({ ratio, low, high }) => `${ratio.toFixed(3)}× (${low.toFixed(2)}–${high.toFixed(2)})`;
  console.log(
    `Paired in one process, ${ROUNDS} rounds of ${BATCH} CancelOperation calls at ${CONCURRENCY} in flight each.`,
  );
  console.log('');
  console.log('| transport | control: plain ÷ plain | openTelemetry(), no SDK ÷ plain | target ≤ 1.03× |');
  console.log('| --------- | ---------------------: | ------------------------------: | -------------: |');
  for (const { kind, control, measured } of rows) {
    console.log(`| ${kind} | ${fmt(control)} | ${fmt(measured)} | ${measured.ratio <= 1.03 ? 'met' : 'missed'} |`);
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
