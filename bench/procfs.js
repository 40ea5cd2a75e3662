'use strict';
/**
 * CPU accounting from Linux's /proc, to tell how busy the bench server and the rest of the
 * machine were while a peer was measured. Everything answers undefined where /proc isn't
 * there (another OS), and the report then leaves those figures out.
 */
const fs = require('node:fs');

/** Linux's USER_HZ: the unit of /proc's CPU times. */
const TICKS_PER_SECOND = 100;

/** @typedef {{ machineBusyTicks: number, serverTicks: number, ownMicros: number }} CpuSnapshot */

/** @returns {number | undefined} CPU time spent by all cores outside idle and iowait, in ticks */
function machineBusyTicks() {
  const line = readProc('/proc/stat')?.split('\n', 1)[0];
  if (!line?.startsWith('cpu ')) return undefined;
  const [user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
  return user + nice + system + irq + softirq + steal;
}

/**
 * @param {number} pid
 * @returns {number | undefined} the process's user + system CPU time, in ticks
 */
function processTicks(pid) {
  const text = readProc(`/proc/${pid}/stat`);
  if (text === undefined) return undefined;
  // Fields after the command name (which may hold spaces): state is field 3; utime, stime are 14, 15.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

/**
 * @param {string} file
 * @returns {string | undefined}
 */
function readProc(file) {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * @param {number | undefined} serverPid
 * @returns {CpuSnapshot | undefined}
 */
function cpuSnapshot(serverPid) {
  const machine = machineBusyTicks();
  const server = serverPid === undefined ? undefined : processTicks(serverPid);
  if (machine === undefined || server === undefined) return undefined;
  const own = process.cpuUsage();
  return { machineBusyTicks: machine, serverTicks: server, ownMicros: own.user + own.system };
}

/**
 * What the server and everything else (not this process, not the server) used between two
 * snapshots.
 * @param {CpuSnapshot | undefined} before
 * @param {CpuSnapshot | undefined} after
 * @param {number} elapsedMs
 * @returns {{ serverMicros: number, otherCores: number } | undefined}
 */
function cpuBetween(before, after, elapsedMs) {
  if (!before || !after) return undefined;
  const micros = (/** @type {number} */ ticks) => (ticks * 1e6) / TICKS_PER_SECOND;
  const serverMicros = micros(after.serverTicks - before.serverTicks);
  const machineMicros = micros(after.machineBusyTicks - before.machineBusyTicks);
  const otherMicros = machineMicros - serverMicros - (after.ownMicros - before.ownMicros);
  return { serverMicros, otherCores: Math.max(0, otherMicros / (elapsedMs * 1000)) };
}

/**
 * How many cores were busy, machine-wide, over `ms` (a sample of the background load).
 * @param {number} ms
 * @returns {Promise<number | undefined>}
 */
async function busyCores(ms) {
  const { setTimeout } = require('node:timers/promises');
  const before = machineBusyTicks();
  await setTimeout(ms);
  const after = machineBusyTicks();
  if (before === undefined || after === undefined) return undefined;
  return (after - before) / TICKS_PER_SECOND / (ms / 1000);
}

module.exports = { busyCores, cpuBetween, cpuSnapshot };
