'use strict';
/** The machine and the library versions a run measured, for the report. */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync } = require('node:child_process');

const ROOT = path.join(__dirname, '..');

/** @typedef {{ cpu: string, cores: number, node: string, os: string, versions: Record<string, string> }} Machine */

/** @returns {Machine} */
function describeMachine() {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: os.availableParallelism?.() ?? cpus.length,
    node: process.version,
    os: `${osName()} (${os.type()} ${os.release()}, ${os.arch()})`,
    versions: {
      longrun: longrunVersion(),
      '@grpc/grpc-js': grpcJsVersions(),
      undici: packageVersion('undici'),
      'google-gax': packageVersion('google-gax'),
      'nice-grpc': packageVersion('nice-grpc'),
      '@opentelemetry/api': packageVersion('@opentelemetry/api'),
      '@opentelemetry/sdk-trace': packageVersion('@opentelemetry/sdk-trace'),
      '@opentelemetry/sdk-metrics': packageVersion('@opentelemetry/sdk-metrics'),
    },
  };
}

/** @returns {string} e.g. "Debian GNU/Linux 12 (bookworm)" */
function osName() {
  try {
    const release = fs.readFileSync('/etc/os-release', 'utf8');
    return /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(release)?.[1] ?? os.version();
  } catch {
    return os.version();
  }
}

/**
 * The version of the package `name` as resolved from `fromDir` (the package.json found above
 * its entry point: some packages don't export their package.json).
 * @param {string} name
 * @param {string} [fromDir]
 * @returns {string}
 */
function packageVersion(name, fromDir = ROOT) {
  const manifest = packageManifest(name, fromDir);
  return manifest ? manifest.version : 'not installed';
}

/**
 * @param {string} name
 * @param {string} fromDir
 * @returns {{ version: string, file: string } | undefined}
 */
function packageManifest(name, fromDir) {
  let entry;
  try {
    entry = require.resolve(name, { paths: [fromDir] });
  } catch {
    return undefined;
  }
  for (let dir = path.dirname(entry); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const file = path.join(dir, 'package.json');
    if (!fs.existsSync(file)) continue;
    const manifest = JSON.parse(fs.readFileSync(file, 'utf8'));
    if (manifest.name === name) return { version: manifest.version, file };
  }
  return undefined;
}

/** @returns {string} grpc-js' version; several when gax or nice-grpc resolve a copy of their own */
function grpcJsVersions() {
  const users = { longrun: ROOT, 'google-gax': 'google-gax', 'nice-grpc': 'nice-grpc' };
  /** @type {Map<string, string[]>} package.json -> who uses it */
  const byCopy = new Map();
  /** @type {Map<string, string>} */
  const versions = new Map();
  for (const [user, from] of Object.entries(users)) {
    const dir = from === ROOT ? ROOT : packageDir(from);
    const manifest = dir && packageManifest('@grpc/grpc-js', dir);
    if (!manifest) continue;
    byCopy.set(manifest.file, [...(byCopy.get(manifest.file) ?? []), user]);
    versions.set(manifest.file, manifest.version);
  }
  if (byCopy.size <= 1) return [...versions.values()][0] ?? 'not installed';
  return [...byCopy].map(([file, who]) => `${versions.get(file)} (${who.join(', ')})`).join('; ');
}

/**
 * @param {string} name
 * @returns {string | undefined}
 */
function packageDir(name) {
  const manifest = packageManifest(name, ROOT);
  return manifest && path.dirname(manifest.file);
}

/**
 * @returns {string} package.json's version and the git commit, when there is one, marked when
 * src/ has uncommitted changes (dist/ is built from the work tree, not from the commit)
 */
function longrunVersion() {
  const { version } = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  const commit = git(['rev-parse', '--short', 'HEAD']);
  if (!commit) return version;
  const dirty = git(['status', '--porcelain', '--', 'src', 'generated', 'protos']);
  return `${version} (${commit}${dirty ? ', with uncommitted changes in src/' : ''})`;
}

/**
 * @param {string[]} args
 * @returns {string} git's output, trimmed; '' when git fails or isn't there
 */
function git(args) {
  try {
    return execFileSync('git', args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return '';
  }
}

module.exports = { describeMachine };
