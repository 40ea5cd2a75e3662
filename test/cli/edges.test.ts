/**
 * The command's first hour: --access-token-file, endpoints checked before anything is sent,
 * cancel --from a file that isn't there, conflicting flags, grpc-js' noise trimmed from
 * errors, the summary's rate, and `completion`. Pure checks, and the command in process
 * (`main(argv, io)`) against the emulator, over both transports where it applies; grpc-js' own
 * logging needs the built command as a subprocess.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Command } from 'commander';
import { Code } from '../../src';
import { startEmulator, type Emulator } from '../../src/emulator';
import { describeVerbs } from '../../src/cli/completion';
import { endpointProblem } from '../../src/cli/endpoint';
import { plainReason, readToken, UsageError } from '../../src/cli/files';
import { oneLine, terminalSafe, tidyMessage } from '../../src/cli/output';
import { formatRate } from '../../src/cli/verbs';
import { runFor } from '../../src/cli/args';
import { runCommand, runLongrun, type Finished } from '../helpers/cli';
import { Readable } from 'node:stream';

const TOKEN = 'ya29.edge-test-token-0123456789';
const VERBS = ['get', 'list', 'delete', 'wait', 'cancel', 'emulator', 'demo', 'completion'];

const jsonLines = (text: string): Record<string, unknown>[] =>
  text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

/** The lines of a text, without the empty last one. */
const linesOf = (text: string): string[] => text.split('\n').filter((l) => l !== '');

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'longrun-edges-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Writes `text` to a file of the test's directory; returns its path. */
function file(name: string, text: string): string {
  const where = path.join(dir, name);
  writeFileSync(where, text);
  return where;
}

describe('endpointProblem (pure)', () => {
  it.each([
    'localhost:8080',
    '127.0.0.1:443',
    'optimization.googleapis.com:443',
    'optimization.googleapis.com',
    '[::1]:8080',
    '::1',
    'dns:localhost:8080',
    'dns:///localhost:8080',
    'dns://8.8.8.8/example.com:443',
    'ipv4:127.0.0.1:8080,127.0.0.2:8081',
    'ipv6:[::1]:8080',
    'unix:/tmp/longrun.sock',
    'unix:///tmp/longrun.sock',
    'unix-abstract:longrun',
  ])('gRPC accepts %j', (target) => {
    expect(endpointProblem(target, 'grpc')).toBeUndefined();
  });

  it.each([
    ['http://localhost:8080', /gRPC expects host:port.*--transport rest/],
    ['https://optimization.googleapis.com', /--transport rest/],
    ['grpc://localhost:8080', /a URL/],
    ['not a host:port', /"not a host" is not a host; expected host:port/],
    ['', /expected host:port/],
    [':8080', /expected host:port/],
    ['localhost:', /port must be a number from 1 to 65535/],
    ['localhost:0', /port must be a number from 1 to 65535/],
    ['localhost:65536', /port must be a number from 1 to 65535/],
    ['localhost:http', /port must be a number from 1 to 65535/],
    ['[::1', /expected host:port/],
    ['[nope]:80', /is not a host/],
    ['dns:', /expected host:port/],
    ['dns://8.8.8.8', /expected dns:\/\/\/host:port/],
    ['ipv4:localhost:80', /IPv4 addresses/],
    ['ipv4:127.0.0.1:99999', /port must be/],
    ['unix:', /socket path/],
  ])('gRPC refuses %j, saying what was expected', (target, message) => {
    const problem = endpointProblem(target, 'grpc');
    expect(problem).toMatch(message);
    expect(problem?.startsWith(`--endpoint ${JSON.stringify(target)}: `)).toBe(true);
    expect(problem).not.toMatch(/\n/);
  });

  it.each([
    'http://127.0.0.1:8080',
    'https://optimization.googleapis.com',
    'https://example.com/prefix/v1',
    'HTTP://127.0.0.1:8080/',
    'http://[::1]:8080',
    'localhost:8080',
    'localhost',
    '127.0.0.1:8080/prefix',
    '[::1]:8080',
  ])('REST accepts %j', (endpoint) => {
    expect(endpointProblem(endpoint, 'rest')).toBeUndefined();
  });

  it.each([
    ['ftp://example.com', /ftp:\/\/ is not a scheme REST takes; expected http\(s\):\/\//],
    ['grpc://localhost:8080', /not a scheme REST takes/],
    ['http://', /expected http\(s\):\/\/host/],
    ['http://:8080', /expected http\(s\):\/\/host/],
    ['http://localhost:8080/?a=1', /query or a fragment/],
    ['http://localhost:8080/#top', /query or a fragment/],
    ['http://local host:8080', /spaces/],
    ['not a url', /spaces/],
    ['http://localhost:0', /port must be/],
    ['localhost:99999', /port must be/],
    ['', /expected http\(s\):\/\/host/],
  ])('REST refuses %j, saying what was expected', (endpoint, message) => {
    expect(endpointProblem(endpoint, 'rest')).toMatch(message);
  });

  it('never repeats a password given in a URL', () => {
    const problem = endpointProblem('https://user:hunter2@example.com', 'rest');
    expect(problem).toMatch(/user or password/);
    expect(problem).not.toMatch(/hunter2/);
  });
});

describe('the small helpers (pure)', () => {
  it('plainReason gives plain words, no code and no path', () => {
    const enoent = Object.assign(new Error("ENOENT: no such file or directory, open '/x'"), { code: 'ENOENT' });
    expect(plainReason(enoent)).toBe('no such file');
    expect(plainReason(Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' }))).toBe(
      'permission denied',
    );
    expect(plainReason(new Error("EWHAT: something odd, open '/secret/path'"))).toBe('something odd');
  });

  it('tidyMessage drops an empty Resolution note and grpc-js quoting, keeps what says something', () => {
    expect(
      tidyMessage('No connection established. Last error: Error: connect ECONNREFUSED 127.0.0.1:1. Resolution note: '),
    ).toBe('No connection established. Last error: connect ECONNREFUSED 127.0.0.1:1.');
    expect(tidyMessage('No connection established. Last error: null. Resolution note: ')).toBe(
      'No connection established.',
    );
    expect(tidyMessage('No addresses resolved. Resolution note: DNS says no')).toBe(
      'No addresses resolved. Resolution note: DNS says no',
    );
    expect(tidyMessage('operation x not found')).toBe('operation x not found');
  });

  it('terminalSafe escapes what a terminal acts on, keeps text, tabs and newlines; oneLine escapes those too', () => {
    expect(terminalSafe('plain, é, 日本, emoji 🚀\tand\nlines')).toBe('plain, é, 日本, emoji 🚀\tand\nlines');
    expect(terminalSafe('\x1b[2J\x07\r\x7f\u009b\u202e\u2066\u2028')).toBe(
      '\\u001b[2J\\u0007\\u000d\\u007f\\u009b\\u202e\\u2066\\u2028',
    );
    expect(oneLine('a\nb\tc\x1b')).toBe('a\\u000ab\\u0009c\\u001b');
    // In a JSON line, the escapes are the same characters to a parser.
    const value = { message: 'x\u009b\u202e\u2028\x7fy', path: 'C:\\dir\x7f' };
    expect(JSON.parse(terminalSafe(JSON.stringify(value)))).toEqual(value);
  });

  it('runFor: a duration, 0 or forever; anything else is refused', () => {
    expect(runFor('200ms')).toBe(200);
    expect(runFor('1.5m')).toBe(90_000);
    expect(runFor('0')).toBe(0);
    expect(runFor('0s')).toBe(0);
    expect(runFor(' forever ')).toBe(Infinity);
    for (const bad of ['soon', '-1s', '5', 'Infinity', '']) expect(() => runFor(bad)).toThrow(/or forever/);
  });

  it('formatRate: whole numbers from 10/s, two significant digits below, never 0 for a slow run', () => {
    expect(formatRate(2000, 2000)).toBe('1000');
    expect(formatRate(25, 2000)).toBe('13');
    expect(formatRate(1, 3000)).toBe('0.33');
    expect(formatRate(3, 10_000)).toBe('0.3');
    expect(formatRate(1, 400_000)).toBe('0.0025');
    expect(formatRate(0, 5000)).toBe('0');
  });

  it('readToken trims; refuses empty, several words, non-ASCII, naming the file and never its content', async () => {
    expect(await readToken(file('t1', `  ${TOKEN}\r\n`), Readable.from([]))).toBe(TOKEN);
    expect(await readToken('-', Readable.from([`${TOKEN}\n`]))).toBe(TOKEN);
    const refusals: [string, RegExp][] = [
      [file('t2', '\n  \n'), /t2 is empty$/],
      [file('t3', `${TOKEN}\nsecond-line-secret\n`), /t3 does not hold a single token/],
      [file('t4', '{"private_key": "-----BEGIN"}'), /t4 does not hold a single token/],
      [path.join(dir, 'missing'), /cannot read --access-token-file .*missing: no such file$/],
      [dir, /: is a directory$/],
    ];
    for (const [where, message] of refusals) {
      const error = await readToken(where, Readable.from([])).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UsageError);
      expect((error as Error).message).toMatch(message);
      expect((error as Error).message).not.toMatch(/second-line-secret|private_key|ya29/);
    }
  });

  it('describeVerbs reads commander: options, their values and choices, arguments', () => {
    const program = new Command('x');
    program
      .command('go')
      .description('Go.')
      .argument('<where>')
      .option('--fast', 'quickly')
      .option('--from <file>', 'names')
      .option('--mode <mode>', 'how');
    const [go] = describeVerbs(program);
    expect(go).toMatchObject({ name: 'go', description: 'Go.', arguments: [{ name: 'where', variadic: false }] });
    expect(go?.options.map((o) => o.flags.join(' '))).toEqual(['--fast', '--from', '--mode', '-h --help']);
    expect(go?.options[1]?.value).toEqual({ name: 'file', file: true });
    expect(go?.options[2]?.value).toEqual({ name: 'mode', file: false });
  });
});

describe.each(['grpc', 'rest'] as const)('--access-token-file over %s', (transport) => {
  let emulator: Emulator;
  let flags: string[];
  let tokenFile: string;
  let seq = 0;
  const fresh = (runForMs?: number): string => {
    const name = `projects/token-${transport}/operations/op-${++seq}`;
    emulator.createOperation({ name, ...(runForMs !== undefined && { runForMs }) });
    return name;
  };
  /** Runs the command and checks the token is nowhere in what it printed. */
  const run = async (args: string[], input?: string): Promise<Finished> => {
    const result = await runCommand(args, input === undefined ? {} : { stdin: input });
    expect(result.stdout + result.stderr).not.toContain(TOKEN);
    return result;
  };

  beforeAll(async () => {
    emulator = await startEmulator({ requireToken: TOKEN });
    flags = ['--endpoint', transport === 'grpc' ? emulator.grpcAddress : emulator.httpUrl, '--transport', transport];
    flags.push('--insecure');
    tokenFile = file(`token-${transport}`, `${TOKEN}\n`);
  });
  afterAll(() => emulator.close());

  it('without it: exit 1, UNAUTHENTICATED', async () => {
    const result = await run(['get', fresh(), ...flags, '--json']);
    expect(result.code).toBe(1);
    expect(jsonLines(result.stdout)[0]).toMatchObject({ code: Code.UNAUTHENTICATED, status: 'UNAUTHENTICATED' });
  });

  it('with it, every verb works (exit 0), the token in no output', async () => {
    const auth = ['--access-token-file', tokenFile, ...flags];
    expect((await run(['get', fresh(), ...auth])).code).toBe(0);
    expect((await run(['list', `projects/token-${transport}`, ...auth])).code).toBe(0);
    expect((await run(['wait', fresh(0), ...auth, '--timeout', '5s'])).code).toBe(0);
    expect((await run(['delete', fresh(), ...auth])).code).toBe(0);
    const cancelled = await run(['cancel', fresh(), ...auth, '--json']);
    expect(cancelled.code).toBe(0);
    expect(jsonLines(cancelled.stdout)[0]).toMatchObject({ outcome: 'requested' });
    expect(emulator.requests.at(-1)?.headers).toHaveProperty('authorization');
  });

  it('- reads the token from standard input', async () => {
    const result = await run(['get', fresh(), '--access-token-file', '-', ...flags], `${TOKEN}\n`);
    expect(result.code).toBe(0);
  });

  it('a wrong token: exit 1, and the wrong token is not printed either', async () => {
    const wrong = 'ya29.wrong-token-abcdef';
    const result = await runCommand(['get', fresh(), '--access-token-file', file('wrong', wrong), ...flags, '--json']);
    expect(result.code).toBe(1);
    expect(result.stdout + result.stderr).not.toContain(wrong);
  });

  it.each([
    ['an empty file', () => file('empty', '\n'), /empty$/],
    [
      'a missing file',
      () => path.join(dir, 'no-such-token'),
      /cannot read --access-token-file .*no-such-token: no such file$/,
    ],
    ['a directory', () => dir, /is a directory$/],
  ])('%s: exit 2, one line naming the file, nothing sent', async (_what, where, message) => {
    const before = emulator.requestCount;
    const result = await run(['get', fresh(), '--access-token-file', where(), ...flags]);
    expect(result.code).toBe(2);
    expect(linesOf(result.stderr)).toHaveLength(1);
    expect(result.stderr).toContain(where());
    expect(result.stderr.trim()).toMatch(message);
    expect(emulator.requestCount).toBe(before);
  });

  it('an unreadable file: exit 2, permission denied', async () => {
    if (process.getuid?.() === 0) return; // root reads anything
    const locked = file('locked', TOKEN);
    chmodSync(locked, 0o000);
    const result = await run(['get', fresh(), '--access-token-file', locked, ...flags]);
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toBe(`longrun: cannot read --access-token-file ${locked}: permission denied`);
  });
});

describe('endpoints are checked before anything is sent', () => {
  it.each([
    [['--endpoint', 'http://127.0.0.1:8080'], /gRPC expects host:port.*--transport rest/],
    [['--endpoint', 'not a host:port'], /expected host:port/],
    [['--endpoint', '127.0.0.1:70000'], /port must be a number from 1 to 65535/],
    [['--endpoint', '', '--transport', 'grpc'], /expected host:port/],
    [['--transport', 'rest', '--endpoint', 'ftp://127.0.0.1'], /expected http\(s\):\/\//],
    [['--transport', 'rest', '--endpoint', 'http://127.0.0.1:8080/?x=1'], /query or a fragment/],
    [['--transport', 'rest', '--endpoint', 'http://127.0.0.1:8080/#f'], /query or a fragment/],
  ])('%j: exit 2, one line', async (args, message) => {
    for (const verb of [
      ['get', 'projects/p/operations/o'],
      ['cancel', 'projects/p/operations/o'],
    ]) {
      const started = Date.now();
      const result = await runCommand([...verb, ...args, '--timeout', '20s']);
      expect(result.code).toBe(2);
      expect(linesOf(result.stderr)).toHaveLength(1);
      expect(result.stderr).toMatch(/^longrun: --endpoint /);
      expect(result.stderr).toMatch(message);
      expect(result.stdout).toBe('');
      expect(Date.now() - started).toBeLessThan(10_000);
    }
  });
});

describe('cancel --from a file that cannot be read', () => {
  let emulator: Emulator;
  beforeAll(async () => {
    emulator = await startEmulator({ seed: 3 });
  });
  afterAll(() => emulator.close());

  it.each(['grpc', 'rest'] as const)(
    'over %s: exit 2, one plain line, no call made (not even for names given as arguments)',
    async (transport) => {
      const missing = path.join(dir, 'no-such-names.txt');
      const before = emulator.requestCount;
      const endpoint = transport === 'grpc' ? emulator.grpcAddress : emulator.httpUrl;
      const result = await runCommand([
        'cancel',
        'projects/demo/operations/op-1',
        '--from',
        missing,
        '--endpoint',
        endpoint,
        '--transport',
        transport,
        '--insecure',
        '--json',
      ]);
      expect(result.code).toBe(2);
      expect(result.stderr).toBe(`longrun: cannot read ${missing}: no such file\n`);
      expect(result.stdout).toBe('');
      expect(emulator.requestCount).toBe(before);
    },
  );

  it('a directory: exit 2, is a directory', async () => {
    const result = await runCommand(['cancel', '--from', dir, '--endpoint', emulator.grpcAddress, '--insecure']);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(`longrun: cannot read ${dir}: is a directory\n`);
  });

  it('--from - with --access-token-file -: exit 2 (one standard input)', async () => {
    const result = await runCommand(
      ['cancel', '--from', '-', '--access-token-file', '-', '--endpoint', emulator.grpcAddress, '--insecure'],
      { stdin: 'projects/demo/operations/op-1\n' },
    );
    expect(result.code).toBe(2);
    expect(linesOf(result.stderr)).toEqual([expect.stringMatching(/both read standard input/)]);
  });
});

describe('conflicting flags are usage errors', () => {
  const name = 'projects/p/operations/o';
  it.each([
    [['--no-auth', '--api-key', 'k'], /--no-auth and --api-key can't be used together/],
    [['--no-auth', '--access-token-file', '/dev/null'], /--no-auth and --access-token-file/],
    [['--api-key', 'k', '--access-token-file', '/dev/null'], /--api-key and --access-token-file/],
    [['--transport', 'rest', '--insecure', '--endpoint', 'https://127.0.0.1:1'], /--insecure with an https:\/\//],
    [['--transport', 'rest', '--insecure'], /--insecure needs --endpoint .* or LONGRUN_EMULATOR_HOST/],
    [['--insecure'], /--insecure needs --endpoint \(e.g. localhost:50051\) or LONGRUN_EMULATOR_HOST/],
    [['--ca-cert', '/nonexistent/ca.pem'], /^longrun: cannot read --ca-cert \/nonexistent\/ca.pem: no such file$/m],
  ])('%j: exit 2, one line', async (args, message) => {
    for (const verb of ['get', 'cancel']) {
      const result = await runCommand([verb, name, ...args], { env: { LONGRUN_EMULATOR_HOST: '' } });
      expect(result.code).toBe(2);
      expect(linesOf(result.stderr)).toHaveLength(1);
      expect(result.stderr).toMatch(/^longrun: /);
      expect(result.stderr).toMatch(message);
    }
  });

  it('cancel --skip-done a file that cannot be read: exit 2, one line', async () => {
    const result = await runCommand(['cancel', name, '--skip-done', '/nonexistent/done.jsonl']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^longrun: cannot read --skip-done \/nonexistent\/done.jsonl: no such file\n?$/);
  });

  it('REST --insecure without --endpoint works when LONGRUN_EMULATOR_HOST names the emulator', async () => {
    const emulator = await startEmulator({ seed: 1 });
    try {
      const result = await runCommand(['get', 'projects/demo/operations/op-1', '--transport', 'rest', '--insecure'], {
        env: { LONGRUN_EMULATOR_HOST: new URL(emulator.httpUrl).host },
      });
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
    } finally {
      await emulator.close();
    }
  });
});

describe('errors without grpc-js noise', () => {
  // gRPC as a subprocess: grpc-js logs to the process' stderr, which only a process run shows.
  it.each([
    ['grpc', '127.0.0.1:1', runLongrun],
    ['rest', 'http://127.0.0.1:1', runCommand],
  ])('over %s, nothing listening: exit 1, one line, no empty Resolution note', async (transport, endpoint, run) => {
    const args = ['get', 'projects/p/operations/o', '--endpoint', endpoint, '--transport', transport];
    const human = await run([...args, '--insecure', '--timeout', '1s']);
    expect(human.code).toBe(1);
    expect(linesOf(human.stderr)).toEqual([
      expect.stringMatching(/^longrun: projects\/p\/operations\/o: UNAVAILABLE: /),
    ]);
    expect(human.stderr).not.toMatch(/Resolution note/);
    expect(human.stderr).not.toMatch(/Last error: Error:/);
    const json = await runCommand([...args, '--insecure', '--timeout', '1s', '--json']);
    expect(json.code).toBe(1);
    const [line] = jsonLines(json.stdout);
    expect(line).toMatchObject({ code: Code.UNAVAILABLE });
    expect(String(line?.['message'])).not.toMatch(/Resolution note/);
  });
});

describe.each(['grpc', 'rest'] as const)("cancel's summary rate over %s", (transport) => {
  const summary = /^cancel: (\d+) names?: .* \(([\d.]+)\/s\)$/m;
  let emulator: Emulator;
  let flags: string[];
  beforeAll(async () => {
    emulator = await startEmulator({ seed: 4 });
    const endpoint = transport === 'grpc' ? emulator.grpcAddress : emulator.httpUrl;
    flags = ['--insecure', '--endpoint', endpoint, '--transport', transport, '--json'];
  });
  afterAll(() => emulator.close());

  /** A clock that reads `start` when the run starts and `start + elapsedMs` at every later read. */
  const clock = (elapsedMs: number): (() => number) => {
    let reads = 0;
    return () => 1_000_000 + (reads++ === 0 ? 0 : elapsedMs);
  };

  it("is the names over the elapsed time of the command's own clock: 3 names in 2 s, 1.5/s", async () => {
    const names = [1, 2, 3].map((i) => `projects/demo/operations/op-${i}`);
    const result = await runCommand(['cancel', ...names, ...flags], { now: clock(2000) });
    expect(result.code).toBe(0);
    const [, n, rate] = summary.exec(result.stderr) ?? [];
    expect(Number(n)).toBe(3);
    expect(rate).toBe('1.5');
  });

  it('a slow run is not 0/s: one name confirmed in 400 s, 0.0025/s', async () => {
    const result = await runCommand(['cancel', 'projects/demo/operations/op-4', '--wait', ...flags], {
      now: clock(400_000),
    });
    expect(result.code).toBe(0);
    const [, n, rate] = summary.exec(result.stderr) ?? [];
    expect(Number(n)).toBe(1);
    expect(rate).toBe('0.0025');
  });
});

describe('longrun completion', () => {
  it('bash: the script sourced registers longrun and completes the verbs and their flags', async () => {
    const result = await runCommand(['completion', 'bash']);
    expect(result.code).toBe(0);
    const script = file('longrun.bash', result.stdout);
    const complete = (words: string): string =>
      execFileSync(
        'bash',
        [
          '-c',
          `source "$1" && complete -p longrun && COMP_WORDS=(${words}) && COMP_CWORD=$((\${#COMP_WORDS[@]} - 1)) && _longrun && printf '%s\\n' "\${COMPREPLY[@]}"`,
          'bash',
          script,
        ],
        { encoding: 'utf8' },
      );
    const top = linesOf(complete("longrun ''"));
    expect(top[0]).toBe('complete -F _longrun longrun');
    expect(top.slice(1)).toEqual(expect.arrayContaining(VERBS));
    expect(linesOf(complete('longrun cancel --'))).toEqual(
      expect.arrayContaining(['--from', '--wait', '--access-token-file', '--skip-done']),
    );
    expect(linesOf(complete("longrun get x --transport ''")).slice(1)).toEqual(['grpc', 'rest']);
    expect(linesOf(complete("longrun completion ''")).slice(1)).toEqual(['bash', 'zsh']);
  });

  it('zsh: #compdef longrun and every verb (not run: zsh may not be installed)', async () => {
    const result = await runCommand(['completion', 'zsh']);
    expect(result.code).toBe(0);
    expect(result.stdout.startsWith('#compdef longrun\n')).toBe(true);
    for (const verb of VERBS) expect(result.stdout).toContain(`(${verb})`);
    expect(result.stdout).toContain("'--access-token-file=[");
    expect(result.stdout).toContain(':transport:(grpc rest)');
  });

  it.each([[['fish']], [['powershell']], [[]]])('completion %j: usage error, exit 2', async (shell: string[]) => {
    const result = await runCommand(['completion', ...shell]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
  });
});
