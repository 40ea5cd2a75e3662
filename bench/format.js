'use strict';
/** Number formatting shared by the report and the chart. */

/**
 * @param {number} value
 * @param {number} [digits]
 * @returns {string} '—' for a missing figure
 */
function fixed(value, digits = 0) {
  if (!Number.isFinite(value)) return '—';
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/**
 * Three significant digits at most, at least one decimal below 100: 4.31, 41.3, 413.
 * @param {number} value
 * @returns {string}
 */
function significant(value) {
  if (!Number.isFinite(value)) return '—';
  const magnitude = Math.abs(value);
  return fixed(value, magnitude >= 100 ? 0 : magnitude >= 10 ? 1 : 2);
}

/**
 * @param {number} value a fraction
 * @returns {string} e.g. "7%"
 */
function percent(value) {
  return Number.isFinite(value) ? `${fixed(value * 100)}%` : '—';
}

module.exports = { fixed, percent, significant };
