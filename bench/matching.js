'use strict';
/**
 * Memory of `client.cancelMatching` over many operations: `node --expose-gc bench/matching.js`
 * (or `npm run bench:matching`, which builds first). A server in its own process
 * (`matching-server.js`) lists BENCH_MATCHING_COUNT (default 200,000) running operations under
 * `projects/bench` in pages and accepts their cancels; this process cancels them all with
 * `cancelMatching('projects/bench', { filter: 'done = false', pageSize: 1000 })` over gRPC
 * and samples its own heap and RSS along the run (after a full GC at each tenth, and the
 * peak without GC every 1000 results). Flat memory: the heap at the end is about the heap
 * at the start, whatever the count. Prints a table, then checks that every operation was
 * requested exactly once.
 */
const { spawn } = require('node:child_process');
const path = require('node:path');
const { createInterface } = require('node:readline');
const { performance } = require('node:perf_hooks');

if (typeof global.gc !== 'function') {
  // Re-run with --expose-gc, so each sample starts from a full collection.
  const child = spawn(
    process.execPath,
    ['--expose-gc', path.join(__dirname, 'matching.js'), ...process.argv.slice(2)],
    { stdio: 'inherit' },
  );
  child.on('exit', (code) => process.exit(code ?? 1));
  return;
}

const COUNT = Number(process.env['BENCH_MATCHING_COUNT'] ?? 200_000);
const CONCURRENCY = Number(process.env['BENCH_CONCURRENCY'] ?? 32);
const PAGE_SIZE = 1000;
const MB = 1024 * 1024;

/** @returns {{ heap: number, rss: number }} in MB, after a full GC */
function measured() {
  /** @type {() => void} */ (global.gc)();
  const { heapUsed, rss } = process.memoryUsage();
  return { heap: heapUsed / MB, rss: rss / MB };
}

async function startServer() {
  const child = spawn(process.execPath, [path.join(__dirname, 'matching-server.js')], {
    stdio: ['pipe', 'pipe', 'inherit'],
    env: { ...process.env, BENCH_MATCHING_COUNT: String(COUNT) },
  });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async () => JSON.parse(/** @type {string} */ ((await lines.next()).value));
  const { grpcPort } = await next();
  /** Stops the server; resolves with how many operations it saw cancelled. */
  const stop = async () => {
    child.stdin.end();
    const { cancels } = await next();
    return /** @type {number} */ (cancels);
  };
  return { stop, address: `127.0.0.1:${grpcPort}` };
}

async function main() {
  const { OperationsClient, createGrpcTransport } = require('../dist/src');
  const server = await startServer();
  const client = new OperationsClient({ transport: createGrpcTransport({ address: server.address, insecure: true }) });
  // Warm the connection and the code paths on a listing of one page, then measure from there.
  for await (const op of client.listOperations('projects/bench', { pageSize: 1 })) {
    void op;
    break;
  }
  const rows = [];
  const started = performance.now();
  const sample = (point, count) =>
    rows.push({ point, count, ...measured(), seconds: (performance.now() - started) / 1000 });
  sample('start', 0);
  let count = 0;
  let requested = 0;
  let peakHeap = 0;
  let peakRss = 0;
  const names = new Set(); // only in the check below, for a small count
  const step = Math.max(1, Math.floor(COUNT / 10));
  for await (const result of client.cancelMatching('projects/bench', {
    filter: 'done = false',
    pageSize: PAGE_SIZE,
    concurrency: CONCURRENCY,
  })) {
    count++;
    if (result.outcome === 'requested') requested++;
    if (COUNT <= 10_000) names.add(result.name);
    if (count % 1000 === 0) {
      const { heapUsed, rss } = process.memoryUsage();
      peakHeap = Math.max(peakHeap, heapUsed / MB);
      peakRss = Math.max(peakRss, rss / MB);
    }
    if (count % step === 0 && count < COUNT) sample(count === step * 5 ? 'middle' : '', count);
  }
  sample('end', count);
  const seconds = (performance.now() - started) / 1000;
  await client.close();
  const cancels = await server.stop();

  const pad = (text, width) => String(text).padStart(width);
  console.log(`cancelMatching over ${COUNT} operations, gRPC, pageSize ${PAGE_SIZE}, concurrency ${CONCURRENCY}`);
  console.log(`node ${process.version}, heap and RSS in MB after a full GC`);
  console.log('');
  console.log(`| point  | results | heap MB | RSS MB | time s |`);
  console.log(`| ------ | ------: | ------: | -----: | -----: |`);
  for (const row of rows) {
    console.log(
      `| ${row.point.padEnd(6)} | ${pad(row.count, 7)} | ${pad(row.heap.toFixed(1), 7)} | ${pad(row.rss.toFixed(1), 6)} | ${pad(row.seconds.toFixed(1), 6)} |`,
    );
  }
  const first = /** @type {{ heap: number }} */ (rows[0]);
  const last = /** @type {{ heap: number }} */ (rows[rows.length - 1]);
  console.log('');
  console.log(
    `peak without GC: heap ${peakHeap.toFixed(1)} MB, RSS ${peakRss.toFixed(1)} MB; heap end - start ${(last.heap - first.heap).toFixed(1)} MB; ${Math.round(count / seconds)} cancels/s; the server saw ${cancels} cancelled`,
  );
  const ok = count === COUNT && requested === COUNT && cancels === COUNT && (COUNT > 10_000 || names.size === COUNT);
  if (!ok) {
    console.error(
      `expected ${COUNT} results, all requested: got ${count}, ${requested} requested, ${cancels} cancelled`,
    );
    process.exitCode = 1;
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
