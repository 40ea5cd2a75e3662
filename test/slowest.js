#!/usr/bin/env node
'use strict';
/**
 * The slowest tests and suites of a jest JSON report, so that the next slow test is seen:
 * `npm run test:slow` runs the suite with --json and prints them (count: SLOWEST, default 10).
 * usage: node test/slowest.js REPORT.json
 */
const fs = require('node:fs');

const report = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const count = Number(process.env.SLOWEST ?? 10);
const short = (file) => file.slice(file.lastIndexOf('/test/') + 1);
const seconds = (ms) => `${(ms / 1000).toFixed(1).padStart(6)} s`;

const tests = report.testResults.flatMap((suite) =>
  suite.assertionResults.map((test) => ({ file: short(suite.name), name: test.fullName, ms: test.duration ?? 0 })),
);
const suites = report.testResults.map((suite) => ({ file: short(suite.name), ms: suite.endTime - suite.startTime }));
tests.sort((a, b) => b.ms - a.ms);
suites.sort((a, b) => b.ms - a.ms);

console.log(
  `${report.numTotalTests} tests in ${suites.length} suites; ${tests.filter((t) => t.ms > 1000).length} over 1 s`,
);
console.log(`\nslowest ${count} tests:`);
for (const t of tests.slice(0, count)) console.log(`${seconds(t.ms)}  ${t.file}  ${t.name}`);
console.log(`\nslowest ${count} suites:`);
for (const s of suites.slice(0, count)) console.log(`${seconds(s.ms)}  ${s.file}`);
