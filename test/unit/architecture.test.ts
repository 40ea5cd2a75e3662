/**
 * How the house reads, checked from the sources: the client depends on the Transport contract
 * and never on a transport; no module imports itself back through others; the main entry loads
 * neither OpenTelemetry nor undici until asked.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import * as path from 'node:path';

const SRC = path.resolve(__dirname, '../../src');
const ROOT = path.resolve(__dirname, '../..');

/** Every .ts file under src, as a path relative to src without the extension (e.g. `transports/grpc`). */
function modules(dir = SRC): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const full = path.join(dir, entry);
    if (statSync(full).isDirectory()) return modules(full);
    return entry.endsWith('.ts') ? [path.relative(SRC, full).replace(/\.ts$/, '')] : [];
  });
}

/** The src modules a module imports (static imports and exports, type-only included, and require). */
function importsOf(module: string, all: ReadonlySet<string>): string[] {
  const text = readFileSync(path.join(SRC, `${module}.ts`), 'utf8');
  const found = new Set<string>();
  const specifiers = [
    ...text.matchAll(/^\s*(?:import|export)\s[^;]*?\sfrom\s+'([^']+)'/gms),
    ...text.matchAll(/require\('([^']+)'\)/g),
  ].map((m) => m[1] as string);
  for (const specifier of specifiers) {
    if (!specifier.startsWith('.')) continue;
    const resolved = path.relative(SRC, path.resolve(path.join(SRC, path.dirname(module)), specifier));
    const target = all.has(resolved) ? resolved : all.has(`${resolved}/index`) ? `${resolved}/index` : undefined;
    if (target !== undefined) found.add(target);
  }
  return [...found];
}

const all = new Set(modules());
const graph = new Map([...all].map((m) => [m, importsOf(m, all)]));

/** Every module `from` reaches through imports. */
function reach(from: string): Set<string> {
  const seen = new Set<string>();
  const stack = [from];
  while (stack.length > 0) {
    for (const next of graph.get(stack.pop() as string) ?? []) {
      if (!seen.has(next)) {
        seen.add(next);
        stack.push(next);
      }
    }
  }
  return seen;
}

describe('architecture', () => {
  it('the graph is read: the main entry reaches the client and both transports', () => {
    const fromIndex = reach('index');
    expect(fromIndex).toContain('client');
    expect(fromIndex).toContain('transports/grpc');
    expect(fromIndex).toContain('transports/rest');
  });

  it('the client reaches no transport, only the Transport contract', () => {
    const fromClient = [...reach('client')];
    expect(fromClient).toContain('transport');
    expect(fromClient.filter((m) => m.startsWith('transports/'))).toEqual([]);
  });

  it('no import circle anywhere in src', () => {
    const circles = [...all].filter((m) => reach(m).has(m)).sort();
    expect(circles).toEqual([]);
  });

  it('the REST protocol module is pure: no undici, no transport', () => {
    const text = readFileSync(path.join(SRC, 'rest-protocol.ts'), 'utf8');
    expect(text).not.toMatch(/from 'undici|require\('undici/);
    expect([...reach('rest-protocol')].filter((m) => m.startsWith('transports/'))).toEqual([]);
  });

  it('the main entry (built) loads neither @opentelemetry/api nor undici; longrun/otel loads the API', () => {
    const loaded = (entry: string): string[] =>
      JSON.parse(
        execFileSync(
          process.execPath,
          ['-e', `require(${JSON.stringify(entry)}); console.log(JSON.stringify(Object.keys(require.cache)))`],
          { cwd: ROOT, encoding: 'utf8' },
        ),
      ) as string[];
    const main = loaded('./dist/src');
    expect(main.some((file) => file.includes(`${path.sep}@opentelemetry${path.sep}`))).toBe(false);
    expect(main.some((file) => file.includes(`${path.sep}undici${path.sep}`))).toBe(false);
    expect(main.some((file) => file.endsWith(`${path.sep}otel.js`))).toBe(false);
    const otel = loaded('./dist/src/otel');
    expect(otel.some((file) => file.includes(`${path.sep}@opentelemetry${path.sep}api${path.sep}`))).toBe(true);
  });
});
