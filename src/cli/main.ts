/**
 * The `longrun` command: `get`, `list`, `delete`, `wait`, `cancel` on operations, `emulator`
 * (serve scripted operations), `demo` (the main job on the embedded emulator, what
 * `npm start` runs) and `completion` (a bash or zsh completion script). Exit codes: 0 done,
 * 1 a call failed, 2 usage or invalid names, 130 Ctrl-C, 141 stdout closed before the end.
 */
import { Argument, Command, CommanderError, Option } from 'commander';
import type { CancelMode } from '../emulator';
import { API_NAMES, count, duration, port, positive, runFor, type ApiName } from './args';
import { SHELLS, completionScript, type Shell } from './completion';
import { stdio, type Io } from './output';
import {
  EXIT_FAILED,
  EXIT_OK,
  EXIT_USAGE,
  cancelVerb,
  deleteVerb,
  getVerb,
  listVerb,
  waitVerb,
  type CancelFlags,
  type CommonFlags,
} from './verbs';

export { EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, EXIT_OUTPUT_CLOSED, EXIT_USAGE } from './verbs';

interface RawFlags {
  api: ApiName;
  endpoint?: string;
  transport: 'grpc' | 'rest';
  insecure?: boolean;
  apiKey?: string;
  accessTokenFile?: string;
  quotaProject?: string;
  caCert?: string;
  auth: boolean;
  timeout?: number;
  json?: boolean;
  quiet?: boolean;
}

/**
 * The emulator's cancel modes, in the order of longrun/emulator's `CANCEL_MODES`: written out
 * rather than imported, so that the verbs on operations never load the emulator (test/cli
 * checks that the two lists are the same).
 */
const CANCEL_MODES = ['honour', 'delayed', 'ignore', 'unimplemented'] as const satisfies readonly CancelMode[];

/** The flags every verb on operations takes. */
function withCommonFlags(command: Command): Command {
  return command
    .addOption(apiOption())
    .option('--endpoint <endpoint>', "gRPC host:port, or REST URL (default: the --api's Google endpoint)")
    .addOption(new Option('--transport <transport>', 'grpc or rest').choices(['grpc', 'rest']).default('grpc'))
    .option('--insecure', 'plaintext, no TLS (for a local emulator)')
    .option(
      '--timeout <duration>',
      'deadline, e.g. 500ms, 2s, 1m (of each call; of the whole wait with wait)',
      duration,
    )
    .option('--json', 'one JSON object per line')
    .option('--quiet', 'print only what failed')
    .option('--api-key <key>', 'send this API key (x-goog-api-key) instead of Application Default Credentials')
    .option(
      '--access-token-file <file>',
      'send the bearer token in this file (- for standard input) instead of Application Default Credentials',
    )
    .option('--quota-project <project>', 'bill quota to this project (x-goog-user-project)')
    .option('--ca-cert <file>', 'trust this PEM CA instead of the system roots')
    .option('--no-auth', 'send no credentials');
}

/** `--api`: which API's operation names, HTTP rules and endpoint (of the verbs) or methods (of the emulator). */
function apiOption(): Option {
  return new Option(
    '--api <api>',
    'optimization (projects/*/operations/*), route-optimization (projects/*/locations/*/operations/*) or generic (operations/**)',
  )
    .choices(API_NAMES)
    .default('optimization');
}

/** Each call's deadline from --timeout (verbs that don't wait). */
function perCall(flags: RawFlags): CommonFlags {
  const { timeout, ...rest } = flags;
  return timeout === undefined ? rest : { ...rest, callTimeout: timeout };
}

/** The server verbs, loaded only when one runs: the other verbs never load server code. */
function loadServe(): typeof import('./serve') {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('./serve') as typeof import('./serve');
}

/** Runs the command with `argv` (without `node` and the script); resolves to the exit code. */
export async function main(argv: readonly string[], io: Io = stdio): Promise<number> {
  let exitCode = EXIT_OK;
  const program = new Command('longrun')
    .description('Cancel and inspect google.longrunning operations (Optimization v1 by default).')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.out(text.trimEnd()),
      writeErr: (text) => io.err(text.trimEnd()),
    })
    .showSuggestionAfterError(true);

  withCommonFlags(program.command('get').argument('<name>', 'operation name, e.g. projects/p/operations/o'))
    .description('Print an operation.')
    .action(async (name: string, flags: RawFlags) => {
      exitCode = await getVerb(name, perCall(flags), io);
    });

  withCommonFlags(program.command('list').argument('<parent>', 'e.g. projects/my-project'))
    .description('List the operations under a parent.')
    .option('--filter <filter>', 'AIP-160 filter, e.g. "done = true"')
    .option('--page-size <n>', 'operations per page asked of the server', positive)
    .option('--limit <n>', 'stop after this many', count)
    .action(async (parent: string, flags: RawFlags & { filter?: string; pageSize?: number; limit?: number }) => {
      exitCode = await listVerb(parent, perCall(flags), io);
    });

  withCommonFlags(program.command('delete').argument('<name>', 'operation name'))
    .description('Delete an operation record (does not cancel it).')
    .action(async (name: string, flags: RawFlags) => {
      exitCode = await deleteVerb(name, perCall(flags), io);
    });

  withCommonFlags(program.command('wait').argument('<name>', 'operation name'))
    .description('Wait until an operation is done (exit 1 if still running at --timeout, default 60s).')
    .action(async (name: string, flags: RawFlags) => {
      exitCode = await waitVerb(name, flags, io);
    });

  withCommonFlags(program.command('cancel').argument('[names...]', 'operation names'))
    .description('Ask to cancel operations; with --wait, confirm what happened to each.')
    .option('--wait', 'confirm each: cancelled, completed, failed, unsupported or still running')
    .option('--from <file>', 'read names from a file, one per line (- for standard input)')
    .option('--parent <parent>', 'cancel what is listed under this parent, e.g. projects/my-project')
    .option('--filter <filter>', 'with --parent: AIP-160 filter, e.g. "done = false"')
    .option('--page-size <n>', 'with --parent: operations per page asked of the server', positive)
    .option('--dry-run', 'with --parent: print what would be cancelled, send no cancel')
    .option('--concurrency <n>', 'calls in flight at most (default 32)', positive)
    .option('--rate <n>', 'calls started per second at most', positive)
    .option('--skip-done <results>', "skip names an earlier run's --json output cancelled")
    .action(async (names: string[], flags: RawFlags & CancelFlags) => {
      if (names.length === 0 && flags.from === undefined && flags.parent === undefined) {
        io.err('error: name the operations to cancel, --from FILE (- for standard input), or --parent PARENT');
        exitCode = EXIT_USAGE;
        return;
      }
      exitCode = await cancelVerb(names, flags.wait ? flags : perCall(flags), io);
    });

  program
    .command('emulator')
    .description('Serve a local google.longrunning.Operations emulator until SIGINT or SIGTERM.')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--grpc-port <port>', 'gRPC port (0: any free port)', port, 0)
    .option('--http-port <port>', 'REST port (0: any free port)', port, 0)
    .addOption(apiOption())
    .option(
      '--seed <count>',
      'pre-create op-1 ... op-N, running until cancelled (under projects/demo, projects/demo/locations/global or operations/, by --api)',
      count,
      0,
    )
    .option(
      '--run-for <duration>',
      "how long an operation the API's own method starts runs, e.g. 30s, 0 or forever (default 5s; generic has no such method)",
      runFor,
    )
    .addOption(
      new Option('--metadata <kind>', "what seeded and created operations report: the API's metadata type, or progress")
        .choices(['api', 'progress'])
        .default('api'),
    )
    .addOption(new Option('--cancel <mode>', 'what CancelOperation does').choices(CANCEL_MODES).default('honour'))
    .option('--cancel-delay <ms>', 'delay of a delayed or ignored cancel, in ms', count, 1000)
    .option('--tls-cert <file>', 'serve TLS with this PEM certificate (with --tls-key)')
    .option('--tls-key <file>', 'the PEM key of --tls-cert')
    .option(
      '--require-token <token>',
      'answer UNAUTHENTICATED without "authorization: Bearer <token>" (visible in the process list: prefer the next two)',
    )
    .option('--require-token-file <file>', 'the same, the token read from this file (- for standard input)')
    .option('--require-api-key <key>', 'answer UNAUTHENTICATED without "x-goog-api-key: <key>"')
    .option('--json', 'print where it listens as one JSON line')
    .action(async (flags: import('./serve').EmulatorFlags) => {
      const { runEmulator } = loadServe();
      exitCode = await runEmulator(flags, io);
    });

  program
    .command('demo')
    .description('Start the embedded emulator, create an operation, cancel it over gRPC and REST and confirm it.')
    .action(async () => {
      const { runDemo } = loadServe();
      exitCode = await runDemo(io);
    });

  program
    .command('completion')
    .description('Print a completion script: source <(longrun completion bash), or zsh.')
    .addArgument(new Argument('<shell>', 'bash or zsh').choices(SHELLS))
    .action((shell: Shell) => {
      io.out(completionScript(program, shell));
    });

  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    }
    io.err(`longrun: ${error instanceof Error ? error.message : String(error)}`);
    return EXIT_FAILED;
  }
  return exitCode;
}
