'use strict';
/**
 * The chart: horizontal bars of client CPU per call at N in flight, one group per peer, one
 * bar per scenario, hand-written SVG (no dependency) for a README to embed.
 */
const { SCENARIOS } = require('./scenarios');
const { significant } = require('./format');

/** @typedef {import('./summary').Row} Row */
/** @typedef {import('./machine').Machine} Machine */

const WIDTH = 760;
const LABEL_WIDTH = 130;
const VALUE_WIDTH = 70;
const BAR_HEIGHT = 16;
const BAR_GAP = 3;
const GROUP_GAP = 12;
const TOP = 78;
const FOOTER = 34;
const COLORS = ['#1a73e8', '#f29900', '#188038', '#a142f4', '#d93025'];
const FONT = 'font-family="system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif"';

/**
 * @param {{ rows: readonly Row[], machine: Machine, concurrency: number, rounds: number }} input
 * @returns {string}
 */
function renderChart({ rows, machine, concurrency, rounds }) {
  const peers = [...new Set(rows.map((row) => row.peer))];
  const scenarios = [...new Set(rows.map((row) => row.scenario))];
  const max = Math.max(1, ...rows.map((row) => row.cpuMicrosPerCall).filter(Number.isFinite));
  const barsWidth = WIDTH - LABEL_WIDTH - VALUE_WIDTH - 20;
  const groupHeight = scenarios.length * (BAR_HEIGHT + BAR_GAP) - BAR_GAP;
  const height = TOP + peers.length * (groupHeight + GROUP_GAP) + FOOTER;

  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" ${FONT} font-size="12">`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    text(
      10,
      22,
      `Client CPU per call at ${concurrency} in flight (µs, lower is better)`,
      'font-size="16" font-weight="600"',
    ),
    text(
      10,
      40,
      `Median of ${rounds} round${rounds === 1 ? '' : 's'} · ${machine.cpu}, ${machine.cores} cores · Node ${machine.node}`,
      'fill="#5f6368"',
    ),
    ...scenarios.map((scenario, i) => legend(10 + i * 170, 58, color(i), SCENARIOS[scenario]?.title ?? scenario)),
  ];
  peers.forEach((peer, p) => {
    const groupTop = TOP + p * (groupHeight + GROUP_GAP);
    parts.push(text(LABEL_WIDTH - 8, groupTop + groupHeight / 2 + 4, peer, 'text-anchor="end"'));
    scenarios.forEach((scenario, s) => {
      const row = rows.find((r) => r.peer === peer && r.scenario === scenario);
      const value = row?.cpuMicrosPerCall ?? NaN;
      const y = groupTop + s * (BAR_HEIGHT + BAR_GAP);
      const width = Number.isFinite(value) ? Math.max(1, (value / max) * barsWidth) : 0;
      parts.push(
        `<rect x="${LABEL_WIDTH}" y="${y}" width="${width.toFixed(1)}" height="${BAR_HEIGHT}" fill="${color(s)}"/>`,
        text(LABEL_WIDTH + width + 5, y + BAR_HEIGHT - 4, Number.isFinite(value) ? `${significant(value)} µs` : 'n/a'),
      );
    });
  });
  parts.push(
    text(
      10,
      height - 12,
      'longrun bench (bench/run.js): each peer in its own process against a minimal local server.',
      'fill="#5f6368" font-size="11"',
    ),
    '</svg>',
    '',
  );
  return parts.join('\n');
}

/** @param {number} index */
function color(index) {
  return COLORS[index % COLORS.length];
}

/**
 * @param {number} x
 * @param {number} y
 * @param {string} fill
 * @param {string} label
 */
function legend(x, y, fill, label) {
  return `<rect x="${x}" y="${y - 10}" width="12" height="12" fill="${fill}"/>\n${text(x + 18, y, label)}`;
}

/**
 * @param {number} x
 * @param {number} y
 * @param {string} content
 * @param {string} [attributes]
 */
function text(x, y, content, attributes = '') {
  return `<text x="${x.toFixed(1)}" y="${y.toFixed(1)}"${attributes ? ` ${attributes}` : ''}>${escapeXml(content)}</text>`;
}

/** @param {string} value */
function escapeXml(value) {
  return value.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

module.exports = { renderChart };
