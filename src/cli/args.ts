/**
 * The command line of `cdk-glue-lake`: commands, flags, validation and help texts.
 *
 * Parsed by hand (not `util.parseArgs`) so that every mistake gets one line that names the flag,
 * what was given and what is expected.
 */
import { DURATION_TEXT_EXPECTED, formatDurationText, parseDurationText } from '../private/duration-text';
import { RUN_ID_PREFIX } from '../processing/reprocess-tag';

export const PROGRAM = 'cdk-glue-lake';

/** Exit codes (documented in every help text). */
export const EXIT_OK = 0;
/** A job run (or the reprocessing execution) failed, timed out or took too long. */
export const EXIT_FAILED = 1;
/** Could not run: bad flags, nothing selected, unknown jobs, no region or credentials, an AWS error before any run started. */
export const EXIT_CANNOT_RUN = 2;

export const COMMANDS = ['run-jobs', 'reprocess', 'rewind'] as const;
export type CommandName = typeof COMMANDS[number];

/** Defaults, in seconds. */
export const DEFAULT_RUN_JOBS_TIMEOUT = 3600;
export const DEFAULT_REPROCESS_TIMEOUT = 3 * 3600;

/** A command line that cannot be run: `message` is one line, `command` selects the help hint. */
export class UsageError extends Error {
  public constructor(message: string, public readonly command?: CommandName) {
    super(message);
    this.name = 'UsageError';
  }

  /** The line that points at the help text. */
  public get hint(): string {
    return `Run '${PROGRAM}${this.command ? ` ${this.command}` : ''} --help' for usage.`;
  }
}

/** Flags every command takes: where and as whom to act. */
export interface AwsOptions {
  readonly region?: string;
  readonly profile?: string;
  readonly roleArn?: string;
}

export interface Tag {
  readonly key: string;
  readonly value: string;
}

export interface RunJobsOptions extends AwsOptions {
  readonly command: 'run-jobs';
  /** Select the jobs by tag (exclusive with `jobs`). */
  readonly tag?: Tag;
  /** Select the jobs by name, de-duplicated, in the order given. */
  readonly jobs?: readonly string[];
  /** Seconds; a run that takes longer fails. */
  readonly maxDuration?: number;
  /** Seconds to wait for all runs. */
  readonly timeout: number;
}

export interface ReprocessOptions extends AwsOptions {
  readonly command: 'reprocess';
  readonly job: string;
  readonly fromRunId: string;
  readonly toRunId: string;
  readonly stateMachineArn?: string;
  readonly timeout: number;
}

export interface RewindOptions extends AwsOptions {
  readonly command: 'rewind';
  readonly job: string;
  readonly toRunId: string;
  readonly startRun: boolean;
  readonly stateMachineArn?: string;
  readonly timeout: number;
}

export type CommandOptions = RunJobsOptions | ReprocessOptions | RewindOptions;

/** What the command line asks for. */
export type Invocation =
  | { readonly kind: 'help'; readonly command?: CommandName }
  | { readonly kind: 'version' }
  | { readonly kind: 'command'; readonly options: CommandOptions };

// ---------------------------------------------------------------------------------------------
// Flags
// ---------------------------------------------------------------------------------------------

interface FlagSpec {
  readonly name: string;
  /** `string` takes a value once, `multiple` may repeat, `boolean` takes none. */
  readonly kind: 'string' | 'multiple' | 'boolean';
  /** The placeholder in the help text, e.g. `<name>`. */
  readonly value?: string;
  readonly description: string;
}

const REGION_FLAG: FlagSpec = {
  name: 'region',
  kind: 'string',
  value: '<region>',
  description: 'AWS region (default: AWS_REGION, AWS_DEFAULT_REGION or the region of the profile)',
};
const PROFILE_FLAG: FlagSpec = {
  name: 'profile',
  kind: 'string',
  value: '<name>',
  description: 'AWS profile of the shared config and credentials files (default: AWS_PROFILE, else the default chain)',
};
const roleFlag = (command: CommandName): FlagSpec => ({
  name: 'role-arn',
  kind: 'string',
  value: '<arn>',
  description: `assume this IAM role first (session ${PROGRAM}-${command}; refreshed while the command runs) (default: none)`,
});
const HELP_FLAG: FlagSpec = {
  name: 'help',
  kind: 'boolean',
  description: 'show this help',
};
const timeoutFlag = (defaultSeconds: number, what: string): FlagSpec => ({
  name: 'timeout',
  kind: 'string',
  value: '<duration>',
  description: `stop waiting after this long; ${what} (default: ${formatDurationText(defaultSeconds)})`,
});
const STATE_MACHINE_FLAG: FlagSpec = {
  name: 'state-machine',
  kind: 'string',
  value: '<arn>',
  description: `the reprocessing state machine (default: the one named by the job's ${'`cdk-glue-lake:reprocess-state-machine`'} tag)`,
};
const JOB_FLAG: FlagSpec = {
  name: 'job',
  kind: 'string',
  value: '<name>',
  description: 'the BookmarkedJob\'s Glue job name (required)',
};

const FLAGS: Record<CommandName, readonly FlagSpec[]> = {
  'run-jobs': [
    {
      name: 'tag',
      kind: 'string',
      value: '<key>=<value>',
      description: 'run every Glue job that carries this tag',
    },
    {
      name: 'job',
      kind: 'multiple',
      value: '<name>',
      description: 'run this Glue job; repeat for several jobs',
    },
    {
      name: 'max-duration',
      kind: 'string',
      value: '<duration>',
      description: 'fail a run that takes longer than this (default: no limit, only --timeout)',
    },
    timeoutFlag(DEFAULT_RUN_JOBS_TIMEOUT, 'the runs still going fail'),
    REGION_FLAG,
    PROFILE_FLAG,
    roleFlag('run-jobs'),
    HELP_FLAG,
  ],
  'reprocess': [
    JOB_FLAG,
    {
      name: 'from',
      kind: 'string',
      value: '<runId>',
      description: 'reprocess the input of the runs after this run... (required, jr_...)',
    },
    {
      name: 'to',
      kind: 'string',
      value: '<runId>',
      description: '...up to and including this run (required, jr_...)',
    },
    STATE_MACHINE_FLAG,
    timeoutFlag(DEFAULT_REPROCESS_TIMEOUT, 'the command fails, the execution goes on'),
    REGION_FLAG,
    PROFILE_FLAG,
    roleFlag('reprocess'),
    HELP_FLAG,
  ],
  'rewind': [
    JOB_FLAG,
    {
      name: 'to',
      kind: 'string',
      value: '<runId>',
      description: 'reset the job bookmark to this run (required, jr_...)',
    },
    {
      name: 'start-run',
      kind: 'boolean',
      description: 'start a run of the job after the rewind and wait for it (default: off)',
    },
    STATE_MACHINE_FLAG,
    timeoutFlag(DEFAULT_REPROCESS_TIMEOUT, 'the command fails, the execution goes on'),
    REGION_FLAG,
    PROFILE_FLAG,
    roleFlag('rewind'),
    HELP_FLAG,
  ],
};

// ---------------------------------------------------------------------------------------------
// Values
// ---------------------------------------------------------------------------------------------

/**
 * A run id: the prefix every Glue run id has (shared with the reprocessing state machine's input check,
 * which accepts the prefix followed by anything non-empty), then letters, digits, `_` or `-`. Stricter than
 * the state machine, so that a typo fails here, before an execution starts.
 */
const RUN_ID_PATTERN = new RegExp(`^${RUN_ID_PREFIX.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}[A-Za-z0-9_-]+$`);
const ROLE_ARN_PATTERN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@\/-]{1,512}$/;
const STATE_MACHINE_ARN_PATTERN = /^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:stateMachine:[A-Za-z0-9_-]{1,80}$/;
const REGION_PATTERN = /^[a-z]{2,}(-[a-z0-9]+)+$/;

/** What a `--role-arn` must look like. */
export const ROLE_ARN_EXPECTED = 'an IAM role ARN such as arn:aws:iam::123456789012:role/integ-test';
/** What a `--state-machine` (or the job's tag) must look like. */
export const STATE_MACHINE_ARN_EXPECTED = 'a Step Functions state machine ARN such as arn:aws:states:eu-west-1:123456789012:stateMachine:reprocess';

export function isStateMachineArn(value: string): boolean {
  return STATE_MACHINE_ARN_PATTERN.test(value);
}

function invalid(command: CommandName | undefined, flag: string, expected: string, given: string): UsageError {
  return new UsageError(`${flag}: expected ${expected}, got ${JSON.stringify(given)}`, command);
}

function duration(command: CommandName, flag: string, text: string): number {
  const seconds = parseDurationText(text);
  if (seconds === undefined) throw invalid(command, flag, DURATION_TEXT_EXPECTED, text);
  return seconds;
}

function runId(command: CommandName, flag: string, text: string): string {
  if (!RUN_ID_PATTERN.test(text)) throw invalid(command, flag, `a Glue job run id that starts with "${RUN_ID_PREFIX}" (e.g. ${RUN_ID_PREFIX}0123abcd...)`, text);
  return text;
}

function jobName(command: CommandName, flag: string, text: string): string {
  if (text.trim() === '' || text.length > 255 || /[\r\n]/.test(text)) throw invalid(command, flag, 'a Glue job name (1 to 255 characters, one line)', text);
  return text;
}

function tag(command: CommandName, text: string): Tag {
  const at = text.indexOf('=');
  const key = at < 0 ? '' : text.slice(0, at);
  if (at < 0 || key.trim() === '') throw invalid(command, '--tag', 'key=value with a non-empty key (e.g. --tag stage=integ)', text);
  return { key, value: text.slice(at + 1) };
}

function awsOptions(command: CommandName, values: ReadonlyMap<string, string[]>): AwsOptions {
  const region = values.get('region')?.[0];
  if (region !== undefined && !REGION_PATTERN.test(region)) throw invalid(command, '--region', 'an AWS region such as eu-west-1', region);
  const profile = values.get('profile')?.[0];
  if (profile !== undefined && profile.trim() === '') throw invalid(command, '--profile', 'a profile name', profile);
  const roleArn = values.get('role-arn')?.[0];
  if (roleArn !== undefined && !ROLE_ARN_PATTERN.test(roleArn)) throw invalid(command, '--role-arn', ROLE_ARN_EXPECTED, roleArn);
  return {
    region,
    profile,
    roleArn,
  };
}

function stateMachine(command: CommandName, values: ReadonlyMap<string, string[]>): string | undefined {
  const arn = values.get('state-machine')?.[0];
  if (arn !== undefined && !isStateMachineArn(arn)) throw invalid(command, '--state-machine', STATE_MACHINE_ARN_EXPECTED, arn);
  return arn;
}

function required(command: CommandName, values: ReadonlyMap<string, string[]>, name: string, expected: string): string {
  const value = values.get(name)?.[0];
  if (value === undefined) throw new UsageError(`--${name} is required: expected ${expected}, got nothing`, command);
  return value;
}

// ---------------------------------------------------------------------------------------------
// Parsing
// ---------------------------------------------------------------------------------------------

/** Reads the command line (without `node` and the script). Throws `UsageError`. */
export function parseArgs(argv: readonly string[]): Invocation {
  const [first, ...rest] = argv;
  if (first === undefined) throw new UsageError(`missing command: expected one of ${COMMANDS.join(', ')}`);
  if (first === '--help' || first === '-h' || first === 'help') return { kind: 'help' };
  if (first === '--version' || first === '-V') return { kind: 'version' };
  if (!(COMMANDS as readonly string[]).includes(first)) {
    const what = first.startsWith('-') ? 'option' : 'command';
    throw new UsageError(`unknown ${what} ${JSON.stringify(first)}: expected a command, one of ${COMMANDS.join(', ')} (or --help, --version)`);
  }
  const command = first as CommandName;
  // --help wins over every other mistake on the line.
  const endOfFlags = rest.indexOf('--');
  if ((endOfFlags < 0 ? rest : rest.slice(0, endOfFlags)).some(arg => arg === '--help' || arg === '-h')) return { kind: 'help', command };
  const values = readFlags(command, rest);
  switch (command) {
    case 'run-jobs': return { kind: 'command', options: runJobsOptions(values) };
    case 'reprocess': return { kind: 'command', options: reprocessOptions(values) };
    case 'rewind': return { kind: 'command', options: rewindOptions(values) };
  }
}

/** Flag name -> the values given, in order (`'true'` for a boolean). */
function readFlags(command: CommandName, args: readonly string[]): Map<string, string[]> {
  const specs = FLAGS[command];
  const values = new Map<string, string[]>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--') {
      if (i + 1 < args.length) throw new UsageError(`unexpected argument ${JSON.stringify(args[i + 1])}: ${command} takes no positional arguments`, command);
      break;
    }
    if (!arg.startsWith('-')) throw new UsageError(`unexpected argument ${JSON.stringify(arg)}: ${command} takes no positional arguments`, command);
    const equals = arg.indexOf('=');
    const name = arg.startsWith('--') ? arg.slice(2, equals < 0 ? undefined : equals) : '';
    const spec = specs.find(s => s.name === name);
    if (!spec) {
      const known = specs.map(s => `--${s.name}`).join(', ');
      throw new UsageError(`unknown flag ${JSON.stringify(equals < 0 ? arg : arg.slice(0, equals))}: expected one of ${known}`, command);
    }
    const flag = `--${spec.name}`;
    let value: string;
    if (spec.kind === 'boolean') {
      if (equals >= 0) throw new UsageError(`${flag}: expected no value, got ${JSON.stringify(arg.slice(equals + 1))}`, command);
      value = 'true';
    } else if (equals >= 0) {
      value = arg.slice(equals + 1);
    } else {
      const next = args[i + 1];
      if (next === undefined || next.startsWith('--')) throw new UsageError(`${flag}: expected a value (${spec.value}), got nothing`, command);
      value = next;
      i++;
    }
    const previous = values.get(spec.name);
    if (previous && spec.kind !== 'multiple') {
      throw new UsageError(`${flag}: expected it once, got it twice (${JSON.stringify(previous[0])} and ${JSON.stringify(value)})`, command);
    }
    values.set(spec.name, [...previous ?? [], value]);
  }
  return values;
}

function runJobsOptions(values: ReadonlyMap<string, string[]>): RunJobsOptions {
  const command = 'run-jobs';
  const tagText = values.get('tag')?.[0];
  const jobTexts = values.get('job');
  if (tagText !== undefined && jobTexts !== undefined) {
    throw new UsageError('--tag and --job: expected one of them, got both (select the jobs either by tag or by name)', command);
  }
  if (tagText === undefined && jobTexts === undefined) {
    throw new UsageError('no jobs selected: expected --tag <key>=<value> or --job <name>, got neither', command);
  }
  const maxDurationText = values.get('max-duration')?.[0];
  const timeoutText = values.get('timeout')?.[0];
  return {
    command,
    tag: tagText === undefined ? undefined : tag(command, tagText),
    jobs: jobTexts === undefined ? undefined : [...new Set(jobTexts.map(text => jobName(command, '--job', text)))],
    maxDuration: maxDurationText === undefined ? undefined : duration(command, '--max-duration', maxDurationText),
    timeout: timeoutText === undefined ? DEFAULT_RUN_JOBS_TIMEOUT : duration(command, '--timeout', timeoutText),
    ...awsOptions(command, values),
  };
}

function reprocessOptions(values: ReadonlyMap<string, string[]>): ReprocessOptions {
  const command = 'reprocess';
  const job = jobName(command, '--job', required(command, values, 'job', 'the Glue job name'));
  const fromRunId = runId(command, '--from', required(command, values, 'from', 'the run id after which to reprocess (jr_...)'));
  const toRunId = runId(command, '--to', required(command, values, 'to', 'the last run id to reprocess (jr_...)'));
  if (fromRunId === toRunId) {
    throw new UsageError(`--from and --to: expected two different run ids, got ${JSON.stringify(fromRunId)} for both`, command);
  }
  const timeoutText = values.get('timeout')?.[0];
  return {
    command,
    job,
    fromRunId,
    toRunId,
    stateMachineArn: stateMachine(command, values),
    timeout: timeoutText === undefined ? DEFAULT_REPROCESS_TIMEOUT : duration(command, '--timeout', timeoutText),
    ...awsOptions(command, values),
  };
}

function rewindOptions(values: ReadonlyMap<string, string[]>): RewindOptions {
  const command = 'rewind';
  const job = jobName(command, '--job', required(command, values, 'job', 'the Glue job name'));
  const toRunId = runId(command, '--to', required(command, values, 'to', 'the run id to rewind the bookmark to (jr_...)'));
  const timeoutText = values.get('timeout')?.[0];
  return {
    command,
    job,
    toRunId,
    startRun: values.has('start-run'),
    stateMachineArn: stateMachine(command, values),
    timeout: timeoutText === undefined ? DEFAULT_REPROCESS_TIMEOUT : duration(command, '--timeout', timeoutText),
    ...awsOptions(command, values),
  };
}

// ---------------------------------------------------------------------------------------------
// Help
// ---------------------------------------------------------------------------------------------

const EXIT_CODES = {
  'run-jobs': [
    '  0  every run succeeded (within --max-duration)',
    '  1  a run failed, could not start, timed out or took longer than --max-duration',
    '  2  could not run: bad flags, no jobs selected, unknown job names, no region or credentials,',
    '     an AWS error before any run started (e.g. AccessDenied on ListJobs)',
  ],
  'reprocess': [
    '  0  the execution succeeded',
    '  1  the execution failed, timed out or was aborted, or is still running after --timeout',
    '  2  could not run: bad flags, unknown job, no reprocessing state machine, no region or credentials,',
    '     an AWS error before the execution started',
  ],
};

const USAGE: Record<CommandName, readonly string[]> = {
  'run-jobs': [
    `Usage: ${PROGRAM} run-jobs (--tag <key>=<value> | --job <name> [--job <name>...]) [options]`,
    '',
    'Starts the selected Glue jobs at once, follows every run until it ends, prints a summary table',
    'and exits 0 only if every run succeeded. It cannot stop runs: it prints the command that does.',
  ],
  'reprocess': [
    `Usage: ${PROGRAM} reprocess --job <name> --from <runId> --to <runId> [options]`,
    '',
    'Reprocesses the input of a BookmarkedJob\'s runs after --from up to --to, without moving its',
    'bookmark: starts its reprocessing state machine and waits for the execution to end.',
  ],
  'rewind': [
    `Usage: ${PROGRAM} rewind --job <name> --to <runId> [--start-run] [options]`,
    '',
    'Resets a BookmarkedJob\'s bookmark to a run (the next run reprocesses what came after it),',
    'through its reprocessing state machine, and waits for the execution to end.',
  ],
};

const EXAMPLES: Record<CommandName, string> = {
  'run-jobs': `${PROGRAM} run-jobs --tag stage=integ --max-duration 10m --timeout 45m --region eu-west-1`,
  'reprocess': `${PROGRAM} reprocess --job orders-curated --from jr_3f1c... --to jr_9a7e... --region eu-west-1`,
  'rewind': `${PROGRAM} rewind --job orders-curated --to jr_3f1c... --start-run --region eu-west-1`,
};

function flagLines(specs: readonly FlagSpec[]): string[] {
  const labels = specs.map(s => (s.name === 'help' ? '-h, --help' : `--${s.name}${s.value ? ` ${s.value}` : ''}`));
  const width = Math.max(...labels.map(l => l.length));
  return specs.map((s, i) => `  ${labels[i].padEnd(width)}  ${s.description}`);
}

/** The help text of a command, or of the program. */
export function helpText(command?: CommandName): string {
  if (command === undefined) {
    return [
      `Usage: ${PROGRAM} <command> [flags]`,
      '',
      'Commands:',
      '  run-jobs   start Glue jobs (by tag or name), wait for their runs, fail if any run fails',
      '  reprocess  reprocess a BookmarkedJob\'s input between two runs (its reprocessing state machine)',
      '  rewind     reset a BookmarkedJob\'s bookmark to a run, optionally start a run',
      '',
      'Flags:',
      '  -h, --help     show this help',
      '  -V, --version  print the version',
      '',
      `Run '${PROGRAM} <command> --help' for the flags of a command.`,
      'Credentials and region come from the standard AWS SDK chain (environment, profile, role).',
      '',
      'Exit codes:',
      '  0  everything passed',
      '  1  a job run or reprocessing execution failed, timed out or took too long',
      '  2  could not run (bad flags, nothing selected, unknown jobs, no region or credentials, AWS errors before starting)',
      '',
    ].join('\n');
  }
  return [
    ...USAGE[command],
    '',
    ...(command === 'run-jobs' ? ['Flags (--tag or --job, not both):'] : ['Flags:']),
    ...flagLines(FLAGS[command]),
    '',
    'Durations: 90s, 10m, 1h30m, 2h. Credentials: the standard AWS SDK chain (environment, profile, role).',
    '',
    'Example:',
    `  ${EXAMPLES[command]}`,
    '',
    'Exit codes:',
    ...EXIT_CODES[command === 'rewind' ? 'reprocess' : command],
    '',
  ].join('\n');
}
