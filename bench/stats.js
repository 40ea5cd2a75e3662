'use strict';
/** Small statistics helpers: medians, percentiles, spreads. */

/**
 * The nearest-rank percentile of an ascending array.
 * @param {ArrayLike<number>} sorted ascending
 * @param {number} p between 0 and 100
 * @returns {number}
 */
function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

/**
 * @param {readonly number[]} values
 * @returns {number} the median (mean of the middle two for an even count); NaN for none
 */
function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  if (sorted.length === 0) return NaN;
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/**
 * How far apart the values are, relative to their median: (max - min) / median.
 * @param {readonly number[]} values
 * @returns {number}
 */
function relativeSpread(values) {
  if (values.length < 2) return 0;
  return (Math.max(...values) - Math.min(...values)) / median(values);
}

module.exports = { median, percentile, relativeSpread };
