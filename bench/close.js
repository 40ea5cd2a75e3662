'use strict';
/**
 * close() under load: `npm run bench:close` (builds first). The emulator runs in a process of
 * its own (`longrun emulator`) and holds every call (a 60 s delay fault); this process starts
 * BENCH_CLOSE_CALLS (default 5,000) GetOperation calls per transport, then `close({ graceMs })`
 * for a grace of 0 and of 300 ms. Prints, per transport and grace: how long close() took, when
 * the last call settled (both from the start of close()), the codes the calls ended with, and
 * this process' sockets before the calls, with them in flight, and when close() resolved (the
 * emulator's own sockets are in its process, not counted).
 */
const { spawn } = require('node:child_process');
const { once } = require('node:events');
const fs = require('node:fs');
const path = require('node:path');
const { setTimeout: delay } = require('node:timers/promises');
const { performance } = require('node:perf_hooks');
const { createInterface } = require('node:readline');
const { OperationsClient, createGrpcTransport, createRestTransport } = require('../dist/src');

const CALLS = Number(process.env['BENCH_CLOSE_CALLS'] ?? 5000);
const LONGRUN = path.join(__dirname, '..', 'bin', 'longrun');

/** The sockets this process has open. */
function sockets() {
  return fs.readdirSync('/proc/self/fd').filter((fd) => {
    try {
      return fs.readlinkSync(`/proc/self/fd/${fd}`).startsWith('socket:');
    } catch {
      return false;
    }
  }).length;
}

async function closeUnderLoad(kind, address, graceMs) {
  const transport =
    kind === 'grpc'
      ? createGrpcTransport({ address: address.grpc, insecure: true })
      : createRestTransport({ baseUrl: address.http, insecure: true });
  const client = new OperationsClient({ transport, timeoutMs: 120_000 });
  const hold = { 'x-longrun-fault': JSON.stringify({ delayMs: 60_000 }) };
  const before = sockets();
  let start = 0;
  let lastSettledMs = 0;
  const codes = {};
  const calls = Array.from({ length: CALLS }, () =>
    client.getOperation('projects/demo/operations/op-1', { metadata: hold }).then(
      () => (codes.OK = (codes.OK ?? 0) + 1),
      (error) => {
        lastSettledMs = performance.now() - start;
        codes[error.code] = (codes[error.code] ?? 0) + 1;
      },
    ),
  );
  await delay(1500); // every call sent and held
  const inFlight = sockets();
  start = performance.now();
  await client.close({ graceMs });
  const closeMs = performance.now() - start;
  const afterClose = sockets();
  await Promise.all(calls);
  return { kind, graceMs, closeMs, lastSettledMs, codes, before, inFlight, afterClose };
}

async function main() {
  const emulator = spawn(process.execPath, [LONGRUN, 'emulator', '--json', '--seed', '1'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const [line] = await once(createInterface({ input: emulator.stdout }), 'line');
    const address = JSON.parse(line);
    console.log(`close() with ${CALLS} calls in flight (ms from the start of close(); sockets of this process)`);
    console.log('transport  grace  close()  last call  codes                 sockets before / in flight / after');
    for (const kind of ['grpc', 'rest']) {
      for (const graceMs of [0, 300]) {
        const r = await closeUnderLoad(kind, address, graceMs);
        console.log(
          `${r.kind.padEnd(9)}  ${String(r.graceMs).padStart(5)}  ${r.closeMs.toFixed(0).padStart(7)}  ` +
            `${r.lastSettledMs.toFixed(0).padStart(9)}  ${JSON.stringify(r.codes).padEnd(20)}  ` +
            `${r.before} / ${r.inFlight} / ${r.afterClose}`,
        );
      }
    }
  } finally {
    emulator.kill('SIGTERM');
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
