/** The package as its users load it: the built entry points, and what each one loads. */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const root = path.resolve(__dirname, '..');

/** Loads `specifier` in a fresh Node process from the package root; returns the loaded project files. */
function loadedFiles(specifier: string): string[] {
  const script = `require(${JSON.stringify(specifier)});
    const own = Object.keys(require.cache).filter((f) => f.startsWith(${JSON.stringify(root + path.sep)}) && !f.includes('node_modules'));
    process.stdout.write(JSON.stringify(own.map((f) => f.slice(${root.length + 1}))));`;
  return JSON.parse(execFileSync(process.execPath, ['-e', script], { cwd: root, encoding: 'utf8' })) as string[];
}

/** The sorted names `require(specifier)` exports, in a fresh Node process from the package root. */
function exportedNames(specifier: string): string[] {
  const script = `const m = require(${JSON.stringify(specifier)}); process.stdout.write(JSON.stringify(Object.keys(m).sort()));`;
  return JSON.parse(execFileSync(process.execPath, ['-e', script], { cwd: root, encoding: 'utf8' })) as string[];
}

describe('package entry points', () => {
  it('`longrun` resolves by name and exports exactly the client surface', () => {
    // The public surface: this list changes only on purpose, with an entry in CHANGELOG.md.
    expect(exportedNames('longrun')).toEqual([
      'CLOUD_PLATFORM_SCOPE',
      'Code',
      'DEFAULT_CANCEL_GRACE_MS',
      'DEFAULT_CHANNEL_OPTIONS',
      'DEFAULT_CLOSE_GRACE_MS',
      'DEFAULT_GRPC_ADDRESS',
      'DEFAULT_POLL_POLICY',
      'DEFAULT_REST_URL',
      'DEFAULT_RETRY_POLICY',
      'DEFAULT_THROTTLE_POLICY',
      'DEFAULT_TIMEOUT_MS',
      'EMULATOR_HOST_ENV',
      'GENERIC_RULES',
      'MAX_ERROR_BODY_BYTES',
      'MAX_NAME_LENGTH',
      'OPTIMIZATION_V1_RULES',
      'OPTIMIZATION_V1_TEMPLATE',
      'OperationsClient',
      'OperationsError',
      'ROUTE_OPTIMIZATION_V1_RULES',
      'VERSION',
      'anyTypeName',
      'cancelOutcome',
      'codeName',
      'createGrpcTransport',
      'createRestTransport',
      'createTypeRegistry',
      'defaultTypeRegistry',
      'encodeName',
      'operationError',
      'operationName',
      'operationResult',
      'operationTemplate',
      'transcode',
      'unpack',
      'unpackAny',
    ]);
  });

  it('the main entry never loads server code', () => {
    const files = loadedFiles('longrun');
    expect(files).toContain(path.join('dist', 'src', 'client.js'));
    // The emulator's code and its control service stay out; its progress message type is a plain codec.
    expect(files.filter((f) => f.startsWith(path.join('dist', 'src', 'emulator')))).toEqual([]);
    expect(files.filter((f) => f.includes('control') || f.includes('http-face') || f.includes('serve'))).toEqual([]);
  });

  it('`longrun/emulator` exports exactly startEmulator and its constants', () => {
    // The emulator's public surface: this list changes only on purpose, with an entry in CHANGELOG.md.
    expect(exportedNames('longrun/emulator')).toEqual([
      'CANCEL_MODES',
      'DEFAULT_CANCEL_DELAY_MS',
      'DEFAULT_RUN_FOR_MS',
      'FAULT_HEADER',
      'startEmulator',
    ]);
    const script = `const e = require('longrun/emulator'); process.stdout.write(typeof e.startEmulator);`;
    expect(execFileSync(process.execPath, ['-e', script], { cwd: root, encoding: 'utf8' })).toBe('function');
  });

  it('`longrun/otel` exports exactly openTelemetry and its names', () => {
    // longrun/otel's public surface: this list changes only on purpose, with an entry in CHANGELOG.md.
    expect(exportedNames('longrun/otel')).toEqual([
      'ATTRIBUTES',
      'INSTRUMENTATION_NAME',
      'METRICS',
      'openTelemetry',
      'rpcConventionsFromEnv',
    ]);
  });
});

describe('the published package', () => {
  const manifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as {
    private?: boolean;
    license?: string;
    type?: string;
    exports: Record<string, string | { types?: string; default?: string }>;
    typesVersions?: Record<string, Record<string, string[]>>;
  };

  it('is publishable under Apache-2.0, with its license text and a changelog', () => {
    expect(manifest.private).toBeUndefined();
    expect(manifest.license).toBe('Apache-2.0');
    expect(manifest.type).toBe('commonjs');
    const license = fs.readFileSync(path.join(root, 'LICENSE'), 'utf8');
    expect(license).toContain('Apache License\n                           Version 2.0, January 2004');
    expect(license).toContain('END OF TERMS AND CONDITIONS');
    expect(license).toContain('Copyright 2026 the longrun authors');
    expect(fs.readFileSync(path.join(root, 'CHANGELOG.md'), 'utf8')).toMatch(/^## \[Unreleased\]$/m);
  });

  it('packs what users need and nothing else', () => {
    // --ignore-scripts: no build (npm test built dist/ already), no network.
    const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const [pack] = JSON.parse(out) as { files: { path: string; mode: number }[] }[];
    const files = pack!.files.map((f) => f.path);
    const allowed = [
      /^(LICENSE|README\.md|CHANGELOG\.md|package\.json)$/,
      /^bin\/longrun$/,
      /^dist\/(src|generated)\/.+\.(js|d\.ts)$/,
      /^protos\/.+\.proto$/,
      /^generated\/descriptors\.binpb$/,
    ];
    expect(files.filter((f) => !allowed.some((r) => r.test(f)))).toEqual([]);
    expect(files).toEqual(
      expect.arrayContaining([
        'LICENSE',
        'README.md',
        'CHANGELOG.md',
        'package.json',
        'bin/longrun',
        'dist/src/index.js',
        'dist/src/index.d.ts',
        'dist/src/emulator/index.js',
        'dist/src/emulator/index.d.ts',
        'dist/src/cli/main.js',
        'protos/longrun/emulator/v1/control.proto',
      ]),
    );
    // No build output of a source that is gone (dist/ is built incrementally).
    const stale = files
      .map((f) => /^dist\/((?:src|generated)\/.+)\.js$/.exec(f)?.[1])
      .filter((stem): stem is string => stem !== undefined && !fs.existsSync(path.join(root, `${stem}.ts`)));
    expect(stale).toEqual([]);
    expect(pack!.files.find((f) => f.path === 'bin/longrun')!.mode & 0o111).not.toBe(0);
  });

  it('types every subpath under node10 too: typesVersions points where exports does', () => {
    for (const [subpath, target] of Object.entries(manifest.exports)) {
      if (subpath === '.' || typeof target === 'string') continue;
      expect(manifest.typesVersions?.['*']?.[subpath.slice(2)]).toEqual([target.types]);
      expect(fs.existsSync(path.join(root, target.types!))).toBe(true);
    }
  });

  it('gives ES modules the same named exports, from the same single copy of the code', () => {
    const script = `import * as main from 'longrun';
      import * as emulator from 'longrun/emulator';
      import { OperationsError } from 'longrun';
      import { createRequire } from 'node:module';
      const require = createRequire(import.meta.url);
      // Node 23 and later add a 'module.exports' name to a CommonJS module's namespace: not one of ours.
      const names = (m) => Object.keys(m).filter((k) => !['default', '__esModule', 'module.exports'].includes(k)).sort();
      process.stdout.write(JSON.stringify({
        main: [names(main), names(require('longrun'))],
        emulator: [names(emulator), names(require('longrun/emulator'))],
        same: OperationsError === require('longrun').OperationsError,
      }));`;
    const result = JSON.parse(
      execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: root, encoding: 'utf8' }),
    ) as { main: [string[], string[]]; emulator: [string[], string[]]; same: boolean };
    expect(result.main[0]).toEqual(result.main[1]);
    expect(result.main[0]).toEqual(
      expect.arrayContaining(['OperationsClient', 'OperationsError', 'createGrpcTransport']),
    );
    expect(result.emulator[0]).toEqual(result.emulator[1]);
    expect(result.emulator[0]).toContain('startEmulator');
    expect(result.same).toBe(true);
  });
});
