'use strict';
/**
 * The chart: horizontal bars of client CPU per call at N in flight, one group per peer, one
 * bar per scenario the peer ran (per operation for a batch scenario), hand-written SVG (no
 * dependency) for a README to embed.
 */
const { SCENARIOS } = require('./scenarios');
const { significant } = require('./format');

/** @typedef {import('./summary').Row} Row */
/** @typedef {import('./machine').Machine} Machine */

const WIDTH = 760;
/** The peers' labels' column: at least this wide, wider for a long name (LEGEND_CHAR_WIDTH a character). */
const LABEL_WIDTH = 130;
const VALUE_WIDTH = 70;
const BAR_HEIGHT = 16;
const BAR_GAP = 3;
const GROUP_GAP = 12;
const TOP = 78;
const FOOTER = 34;
const COLORS = ['#1a73e8', '#f29900', '#188038', '#a142f4', '#d93025'];
/** Legend: a generous width per character of a label at 12 px, and the gap between entries. */
const LEGEND_CHAR_WIDTH = 6.8;
const LEGEND_GAP = 24;
const FONT = 'font-family="system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif"';

/**
 * @param {{ rows: readonly Row[], machine: Machine, concurrency: number, rounds: number }} input
 * @returns {string}
 */
function renderChart({ rows, machine, concurrency, rounds }) {
  const peers = [...new Set(rows.map((row) => row.peer))];
  const scenarios = [...new Set(rows.map((row) => row.scenario))];
  const max = Math.max(1, ...rows.map((row) => row.cpuMicrosPerCall).filter(Number.isFinite));
  const labelWidth = Math.max(LABEL_WIDTH, ...peers.map((peer) => Math.ceil(16 + peer.length * LEGEND_CHAR_WIDTH)));
  const barsWidth = WIDTH - labelWidth - VALUE_WIDTH - 20;
  // Each peer's group has a bar for each scenario it ran (a batch scenario runs on some peers only).
  const groups = peers.map((peer) => ({
    peer,
    bars: scenarios.flatMap((scenario, s) => {
      const row = rows.find((r) => r.peer === peer && r.scenario === scenario);
      return row ? [{ row, s }] : [];
    }),
  }));
  const groupHeight = (/** @type {number} */ bars) => bars * (BAR_HEIGHT + BAR_GAP) - BAR_GAP;
  const height = TOP + groups.reduce((sum, group) => sum + groupHeight(group.bars.length) + GROUP_GAP, 0) + FOOTER;

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
    ...legends(scenarios),
  ];
  let groupTop = TOP;
  for (const { peer, bars } of groups) {
    const h = groupHeight(bars.length);
    parts.push(text(labelWidth - 8, groupTop + h / 2 + 4, peer, 'text-anchor="end"'));
    bars.forEach(({ row, s }, i) => {
      const value = row.cpuMicrosPerCall;
      const y = groupTop + i * (BAR_HEIGHT + BAR_GAP);
      const width = Number.isFinite(value) ? Math.max(1, (value / max) * barsWidth) : 0;
      parts.push(
        `<rect x="${labelWidth}" y="${y}" width="${width.toFixed(1)}" height="${BAR_HEIGHT}" fill="${color(s)}"/>`,
        text(labelWidth + width + 5, y + BAR_HEIGHT - 4, Number.isFinite(value) ? `${significant(value)} µs` : 'n/a'),
      );
    });
    groupTop += h + GROUP_GAP;
  }
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

/**
 * One legend entry per scenario, in a row, each as wide as its label.
 * @param {readonly string[]} scenarios
 * @returns {string[]}
 */
function legends(scenarios) {
  let x = 10;
  return scenarios.map((scenario, i) => {
    const definition = SCENARIOS[scenario];
    const label = definition?.batch ? `${definition.title} (per operation)` : (definition?.title ?? scenario);
    const entry = legend(x, 58, color(i), label);
    x += Math.round(18 + label.length * LEGEND_CHAR_WIDTH + LEGEND_GAP);
    return entry;
  });
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
