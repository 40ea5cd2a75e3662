/**
 * `longrun completion bash|zsh`: a completion script generated from commander's own list of
 * commands, options and arguments, so that it can't drift from the command.
 */
import type { Argument, Command, Option } from 'commander';

export const SHELLS = ['bash', 'zsh'] as const;
export type Shell = (typeof SHELLS)[number];

/** An option as completion sees it: its flags and, when it takes one, its value. */
interface OptionSpec {
  readonly flags: readonly string[];
  readonly description: string;
  /** The value it takes: its placeholder, its choices, whether it names a file (file names are offered). */
  readonly value?: { readonly name: string; readonly choices?: readonly string[]; readonly file: boolean };
}

/** A positional argument: its name, its choices when it has some, whether it repeats. */
interface ArgumentSpec {
  readonly name: string;
  readonly description: string;
  readonly variadic: boolean;
  readonly choices?: readonly string[];
}

/** A verb: its name, options and arguments. */
interface VerbSpec {
  readonly name: string;
  readonly description: string;
  readonly options: readonly OptionSpec[];
  readonly arguments: readonly ArgumentSpec[];
}

/** The placeholders of values that name a file (`--from <file>`, `--skip-done <results>`). */
const FILE_PLACEHOLDERS: ReadonlySet<string> = new Set(['file', 'results']);

const HELP: OptionSpec = { flags: ['-h', '--help'], description: 'display help for command' };

/** The verbs of `program`, as commander holds them (hidden options left out, the help option added). */
export function describeVerbs(program: Command): VerbSpec[] {
  return program.commands.map((command) => ({
    name: command.name(),
    description: command.description(),
    options: [...command.options.filter((option) => !option.hidden).map(optionSpec), HELP],
    arguments: command.registeredArguments.map(argumentSpec),
  }));
}

function optionSpec(option: Option): OptionSpec {
  const flags = [option.short, option.long].filter((flag): flag is string => flag !== undefined);
  const placeholder = /[<[]([^>\]]+)[>\]]/.exec(option.flags)?.[1];
  if (placeholder === undefined) return { flags, description: option.description };
  const value = {
    name: placeholder,
    file: FILE_PLACEHOLDERS.has(placeholder),
    ...(option.argChoices !== undefined && { choices: option.argChoices }),
  };
  return { flags, description: option.description, value };
}

function argumentSpec(argument: Argument): ArgumentSpec {
  return {
    name: argument.name(),
    description: argument.description,
    variadic: argument.variadic,
    ...(argument.argChoices !== undefined && { choices: argument.argChoices }),
  };
}

/** The completion script of `program` for `shell`. */
export function completionScript(program: Command, shell: Shell): string {
  const verbs = describeVerbs(program);
  return shell === 'bash' ? bashScript(program.name(), verbs) : zshScript(program.name(), verbs);
}

/** Words safe to put unquoted in a script (flags, choices, verb names): anything else is left out. */
function safeWords(words: readonly string[]): string {
  return words.filter((word) => /^[\w.,:+/=-]+$/.test(word)).join(' ');
}

// ---------------------------------------------------------------------------------------------
// bash

/**
 * The bash script: the first word that isn't an option is the verb; after an option that
 * takes a value, its choices, file names or nothing; else the verb's options (or its
 * argument's choices).
 */
function bashScript(command: string, verbs: readonly VerbSpec[]): string {
  const fn = `_${command.replace(/\W/g, '_')}`;
  return [
    `# bash completion for ${command}: source <(${command} completion bash)`,
    `${fn}() {`,
    `  local IFS=$'\\n' cur=\${COMP_WORDS[COMP_CWORD]} prev=\${COMP_WORDS[COMP_CWORD-1]} verb='' words='' args='' i`,
    '  for ((i = 1; i < COMP_CWORD; i++)); do',
    '    if [[ ${COMP_WORDS[i]} != -* ]]; then verb=${COMP_WORDS[i]}; break; fi',
    '  done',
    '  case $verb in',
    `    '') words='${safeWords([...verbs.map((verb) => verb.name), ...HELP.flags])}' ;;`,
    ...verbs.flatMap(bashVerb),
    '  esac',
    '  if [[ $cur == -* || -z $args ]]; then',
    `    COMPREPLY=($(IFS=' '; compgen -W "$words" -- "$cur"))`,
    '  else',
    `    COMPREPLY=($(IFS=' '; compgen -W "$args" -- "$cur"))`,
    '  fi',
    '}',
    `complete -F ${fn} ${command}`,
  ].join('\n');
}

/** One verb's branch of the bash script. */
function bashVerb(verb: VerbSpec): string[] {
  const cases = bashValueCases(verb.options);
  const choices = verb.arguments.flatMap((argument) => argument.choices ?? []);
  return [
    `    ${verb.name})`,
    ...(cases.length > 0 ? ['      case $prev in', ...cases, '      esac'] : []),
    `      words='${safeWords(verb.options.flatMap((option) => option.flags))}'`,
    `      args='${safeWords(choices)}'`,
    '      ;;',
  ];
}

/** The `case $prev` arms for the options that take a value: their choices, file names, or nothing. */
function bashValueCases(options: readonly OptionSpec[]): string[] {
  const arms: string[] = [];
  const plain: string[] = [];
  const files: string[] = [];
  for (const { flags, value } of options) {
    if (value?.choices !== undefined) {
      const words = safeWords(value.choices);
      arms.push(`        ${flags.join('|')}) COMPREPLY=($(IFS=' '; compgen -W '${words}' -- "$cur")); return ;;`);
    } else if (value !== undefined) (value.file ? files : plain).push(...flags);
  }
  if (files.length > 0) arms.push(`        ${files.join('|')}) COMPREPLY=($(compgen -f -- "$cur")); return ;;`);
  if (plain.length > 0) arms.push(`        ${plain.join('|')}) COMPREPLY=(); return ;;`);
  return arms;
}

// ---------------------------------------------------------------------------------------------
// zsh

/** Text inside single quotes in zsh. */
function quoted(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** Text for `_arguments`' `[description]` (brackets and backslashes escaped, one line). */
function bracketed(text: string): string {
  return text.replace(/\s+/g, ' ').replace(/[\\[\]]/g, '\\$&');
}

/** Text for a message or an action of `_arguments` (colons and backslashes escaped). */
function field(text: string): string {
  return text.replace(/[\\:]/g, '\\$&');
}

/** The zsh script: works sourced (`source <(longrun completion zsh)`) or saved as `_longrun` in $fpath. */
function zshScript(command: string, verbs: readonly VerbSpec[]): string {
  const fn = `_${command.replace(/\W/g, '_')}`;
  return [
    `#compdef ${command}`,
    `# zsh completion for ${command}: source <(${command} completion zsh), or save it as ${fn} in a directory of $fpath`,
    '',
    `${fn}() {`,
    '  local -a verbs',
    '  verbs=(',
    ...verbs.map((verb) => `    ${quoted(`${verb.name}:${verb.description.replace(/\s+/g, ' ')}`)}`),
    '  )',
    '  if (( CURRENT == 2 )); then',
    `    _describe -t verbs ${quoted(`${command} verb`)} verbs`,
    '    return',
    '  fi',
    '  local verb=$words[2]',
    '  shift words',
    '  (( CURRENT-- ))',
    '  case $verb in',
    ...verbs.flatMap(zshVerb),
    '  esac',
    '}',
    '',
    `if [[ $funcstack[1] == ${fn} ]]; then`,
    `  ${fn} "$@"`,
    'else',
    `  compdef ${fn} ${command}`,
    'fi',
  ].join('\n');
}

/** One verb's branch of the zsh script: an `_arguments` call. */
function zshVerb(verb: VerbSpec): string[] {
  const specs = [...verb.options.flatMap(zshOption), ...verb.arguments.map(zshArgument)];
  return [
    `    (${verb.name})`,
    '      _arguments \\',
    ...specs.map((spec) => `        ${spec} \\`),
    '        && return',
    '      ;;',
  ];
}

function zshOption(option: OptionSpec): string[] {
  const description = `[${bracketed(option.description)}]`;
  const { value } = option;
  const rest =
    value === undefined
      ? ''
      : `:${field(value.name)}:${value.choices ? `(${value.choices.map(field).join(' ')})` : value.file ? '_files' : ' '}`;
  return option.flags.map((flag) => quoted(`${flag}${value === undefined ? '' : '='}${description}${rest}`));
}

function zshArgument(argument: ArgumentSpec): string {
  const action = argument.choices ? `(${argument.choices.map(field).join(' ')})` : ' ';
  return quoted(`${argument.variadic ? '*' : ''}:${field(argument.name)}:${action}`);
}
