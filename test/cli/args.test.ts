import { CliHarness } from './harness';
import { parseArgs, UsageError } from '../../src/cli/args';
import { RUN_ID_PREFIX, RUN_ID_STRING_MATCHES } from '../../src/processing/reprocess-tag';
import { stringMatches } from '../helpers/string-matches';
import { EMULATOR_TEST_TIMEOUT_MS } from '../helpers/timeouts';

jest.setTimeout(EMULATOR_TEST_TIMEOUT_MS);

const RUN_JOBS_HINT = "Run 'cdk-glue-lake run-jobs --help' for usage.";
const REPROCESS_HINT = "Run 'cdk-glue-lake reprocess --help' for usage.";
const REWIND_HINT = "Run 'cdk-glue-lake rewind --help' for usage.";
const PROGRAM_HINT = "Run 'cdk-glue-lake --help' for usage.";
const DURATION = 'a duration such as "90s", "10m", "1h30m" or "2h" (whole hours, minutes and seconds, more than zero)';
const RUN_JOBS_FLAGS = '--tag, --job, --max-duration, --timeout, --region, --profile, --role-arn, --help';
// Run ids as Glue returns them: jr_ and 64 lowercase hexadecimal digits.
const A = 'jr_75857a45899985be4c4d941e90b6b396d6c92a4c7437aaf0bf102089fe21379d';
const B = 'jr_663ea1bfffe5038f3f0cf667f14c4257eff52d77ce7f2a218f72e9286616ea39';

describe('argument errors: one line naming the flag, what was given and what is expected; exit 2; nothing called', () => {
  test.each<[string, string[], string, string]>([
    // the command
    ['no command', [], 'missing command: expected one of run-jobs, reprocess, rewind', PROGRAM_HINT],
    ['an unknown command', ['run'], 'unknown command "run": expected a command, one of run-jobs, reprocess, rewind (or --help, --version)', PROGRAM_HINT],
    ['a flag before the command', ['--tag', 'a=b'], 'unknown option "--tag": expected a command, one of run-jobs, reprocess, rewind (or --help, --version)', PROGRAM_HINT],
    // run-jobs
    ['an unknown flag', ['run-jobs', '--tag', 'a=b', '--tags', 'x'], `unknown flag "--tags": expected one of ${RUN_JOBS_FLAGS}`, RUN_JOBS_HINT],
    ['an unknown flag given with =', ['run-jobs', '--job=a', '--dry-run=yes'], `unknown flag "--dry-run": expected one of ${RUN_JOBS_FLAGS}`, RUN_JOBS_HINT],
    ['a single-dash flag', ['run-jobs', '-j', 'a'], `unknown flag "-j": expected one of ${RUN_JOBS_FLAGS}`, RUN_JOBS_HINT],
    ['a positional argument', ['run-jobs', 'orders-raw'], 'unexpected argument "orders-raw": run-jobs takes no positional arguments', RUN_JOBS_HINT],
    ['a missing value at the end', ['run-jobs', '--job'], '--job: expected a value (<name>), got nothing', RUN_JOBS_HINT],
    ['a missing value before a flag', ['run-jobs', '--tag', '--timeout', '5m'], '--tag: expected a value (<key>=<value>), got nothing', RUN_JOBS_HINT],
    ['both --tag and --job', ['run-jobs', '--tag', 'a=b', '--job', 'c'], '--tag and --job: expected one of them, got both (select the jobs either by tag or by name)', RUN_JOBS_HINT],
    ['neither --tag nor --job', ['run-jobs', '--timeout', '5m'], 'no jobs selected: expected --tag <key>=<value> or --job <name>, got neither', RUN_JOBS_HINT],
    ['a tag without =', ['run-jobs', '--tag', 'stage'], '--tag: expected key=value with a non-empty key (e.g. --tag stage=integ), got "stage"', RUN_JOBS_HINT],
    ['a tag with an empty key', ['run-jobs', '--tag', '=integ'], '--tag: expected key=value with a non-empty key (e.g. --tag stage=integ), got "=integ"', RUN_JOBS_HINT],
    ['--tag twice', ['run-jobs', '--tag', 'a=1', '--tag', 'b=2'], '--tag: expected it once, got it twice ("a=1" and "b=2")', RUN_JOBS_HINT],
    ['an empty job name', ['run-jobs', '--job', ''], '--job: expected a Glue job name (1 to 255 characters, one line), got ""', RUN_JOBS_HINT],
    ['a duration without a unit', ['run-jobs', '--job', 'a', '--max-duration', '10'], `--max-duration: expected ${DURATION}, got "10"`, RUN_JOBS_HINT],
    ['a zero duration', ['run-jobs', '--job', 'a', '--timeout', '0m'], `--timeout: expected ${DURATION}, got "0m"`, RUN_JOBS_HINT],
    ['a duration in the wrong order', ['run-jobs', '--job', 'a', '--timeout=30m1h'], `--timeout: expected ${DURATION}, got "30m1h"`, RUN_JOBS_HINT],
    ['a bad region', ['run-jobs', '--job', 'a', '--region', 'Ireland'], '--region: expected an AWS region such as eu-west-1, got "Ireland"', RUN_JOBS_HINT],
    ['a role ARN of a user', ['run-jobs', '--job', 'a', '--role-arn', 'arn:aws:iam::123456789012:user/ci'],
      '--role-arn: expected an IAM role ARN such as arn:aws:iam::123456789012:role/integ-test, got "arn:aws:iam::123456789012:user/ci"', RUN_JOBS_HINT],
    ['a role ARN with a short account', ['run-jobs', '--job', 'a', '--role-arn', 'arn:aws:iam::1234:role/ci'],
      '--role-arn: expected an IAM role ARN such as arn:aws:iam::123456789012:role/integ-test, got "arn:aws:iam::1234:role/ci"', RUN_JOBS_HINT],
    // reprocess
    ['reprocess without --job', ['reprocess', '--from', A, '--to', B], '--job is required: expected the Glue job name, got nothing', REPROCESS_HINT],
    ['reprocess without --from', ['reprocess', '--job', 'j', '--to', B], '--from is required: expected the run id after which to reprocess (jr_...), got nothing', REPROCESS_HINT],
    ['a run id without jr_', ['reprocess', '--job', 'j', '--from', 'aaaa1111', '--to', B],
      '--from: expected a Glue job run id that starts with "jr_" (e.g. jr_0123abcd...), got "aaaa1111"', REPROCESS_HINT],
    ['a bare jr_', ['reprocess', '--job', 'j', '--from', A, '--to', 'jr_'],
      '--to: expected a Glue job run id that starts with "jr_" (e.g. jr_0123abcd...), got "jr_"', REPROCESS_HINT],
    ['--from equal to --to', ['reprocess', '--job', 'j', '--from', A, '--to', A], `--from and --to: expected two different run ids, got "${A}" for both`, REPROCESS_HINT],
    ['a bad --state-machine', ['reprocess', '--job', 'j', '--from', A, '--to', B, '--state-machine', 'arn:aws:states:eu-west-1:123456789012:execution:x:y'],
      '--state-machine: expected a Step Functions state machine ARN such as arn:aws:states:eu-west-1:123456789012:stateMachine:reprocess, '
      + 'got "arn:aws:states:eu-west-1:123456789012:execution:x:y"', REPROCESS_HINT],
    ['--start-run on reprocess', ['reprocess', '--job', 'j', '--from', A, '--to', B, '--start-run'],
      'unknown flag "--start-run": expected one of --job, --from, --to, --state-machine, --timeout, --region, --profile, --role-arn, --help', REPROCESS_HINT],
    // rewind
    ['rewind without --to', ['rewind', '--job', 'j'], '--to is required: expected the run id to rewind the bookmark to (jr_...), got nothing', REWIND_HINT],
    ['--from on rewind', ['rewind', '--job', 'j', '--to', A, '--from', B],
      'unknown flag "--from": expected one of --job, --to, --start-run, --state-machine, --timeout, --region, --profile, --role-arn, --help', REWIND_HINT],
    ['--start-run with a value', ['rewind', '--job', 'j', '--to', A, '--start-run=false'], '--start-run: expected no value, got "false"', REWIND_HINT],
    ['a bad --timeout on rewind', ['rewind', '--job', 'j', '--to', A, '--timeout', '3 hours'], `--timeout: expected ${DURATION}, got "3 hours"`, REWIND_HINT],
  ])('%s', async (_, argv, message, hint) => {
    const cli = new CliHarness({ jobs: { a: {}, j: {} } });
    const result = await cli.run(argv);

    expect(result).toEqual({
      code: 2,
      stdout: '',
      stderr: `error: ${message}\n${hint}\n`,
    });
    expect(cli.clientOptions).toEqual([]);
    expect(cli.glue.mock.calls()).toEqual([]);
    expect(cli.sfn.mock.calls()).toEqual([]);
  });
});

describe('help and version', () => {
  test.each(['run-jobs', 'reprocess', 'rewind'])('%s --help: usage, flags with defaults, an example, exit codes; exit 0', async command => {
    const cli = new CliHarness();
    const result = await cli.run([command, '--help']);

    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(new RegExp(`^Usage: cdk-glue-lake ${command} `));
    expect(result.stdout).toContain('\nExample:\n  cdk-glue-lake ' + command + ' ');
    expect(result.stdout).toMatch(/\nExit codes:\n {2}0 {2}.+\n {2}1 {2}.+\n {2}2 {2}could not run: bad flags/);
    for (const flag of ['--region <region>', '--profile <name>', '--role-arn <arn>', '--timeout <duration>', '-h, --help']) {
      expect(result.stdout).toContain(`  ${flag}  `);
    }
    expect(result.stdout).toContain(`(session cdk-glue-lake-${command};`);
    expect(cli.clientOptions).toEqual([]);
  });

  test('run-jobs --help states the selection flags and the defaults', async () => {
    const { stdout } = await new CliHarness().run(['run-jobs', '--help']);

    expect(stdout).toContain('Usage: cdk-glue-lake run-jobs (--tag <key>=<value> | --job <name> [--job <name>...]) [options]\n');
    expect(stdout).toMatch(/--tag <key>=<value> +run every Glue job that carries this tag\n/);
    expect(stdout).toMatch(/--job <name> +run this Glue job; repeat for several jobs\n/);
    expect(stdout).toMatch(/--max-duration <duration> +fail a run that takes longer than this \(default: no limit, only --timeout\)\n/);
    expect(stdout).toMatch(/--timeout <duration> +stop waiting after this long; the runs still going fail \(default: 1h\)\n/);
    expect(stdout).toContain('  1  a run failed, could not start, timed out or took longer than --max-duration\n');
  });

  test('reprocess and rewind --help give the 3h timeout, --from/--to and --start-run', async () => {
    const cli = new CliHarness();
    const reprocess = (await cli.run(['reprocess', '--help'])).stdout;
    const rewind = (await cli.run(['rewind', '--help'])).stdout;

    expect(reprocess).toContain('Usage: cdk-glue-lake reprocess --job <name> --from <runId> --to <runId> [options]\n');
    expect(reprocess).toMatch(/--timeout <duration> +stop waiting after this long; the command fails, the execution goes on \(default: 3h\)\n/);
    expect(reprocess).toMatch(/--state-machine <arn> +the reprocessing state machine \(default: the one named by the job's `cdk-glue-lake:reprocess-state-machine` tag\)\n/);
    expect(rewind).toContain('Usage: cdk-glue-lake rewind --job <name> --to <runId> [--start-run] [options]\n');
    expect(rewind).toMatch(/--start-run +start a run of the job after the rewind and wait for it \(default: off\)\n/);
  });

  test('--help wins over other mistakes on the line', async () => {
    const result = await new CliHarness().run(['run-jobs', '--bogus', '--tag', '=x', '-h']);

    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Usage: cdk-glue-lake run-jobs/);
    expect(result.stderr).toBe('');
  });

  test.each([['--help'], ['-h'], ['help']])('%s lists the commands and the exit codes', async flag => {
    const result = await new CliHarness().run([flag]);

    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Usage: cdk-glue-lake <command> \[flags\]\n/);
    for (const command of ['run-jobs', 'reprocess', 'rewind']) expect(result.stdout).toMatch(new RegExp(`\\n {2}${command} +\\S`));
    expect(result.stdout).toContain('\nExit codes:\n  0  everything passed\n');
  });

  test.each([['--version'], ['-V']])('%s prints the version', async flag => {
    expect(await new CliHarness().run([flag])).toEqual({
      code: 0,
      stdout: 'cdk-glue-lake 1.2.3\n',
      stderr: '',
    });
  });
});

describe('the command line and the reprocessing state machine agree on run ids', () => {
  /** The state machine's check (BookmarkedJob): StringMatches RUN_ID_STRING_MATCHES, as Step Functions documents it, and not the bare prefix. */
  const stateMachineAccepts = (id: string) => stringMatches(RUN_ID_STRING_MATCHES, id) && id !== RUN_ID_PREFIX;
  const cliAccepts = (id: string) => {
    try {
      parseArgs(['rewind', '--job', 'j', '--to', id]);
      return true;
    } catch (e) {
      if (e instanceof UsageError) return false;
      throw e;
    }
  };

  test.each<[string, boolean]>([
    [A, true],
    [B, true],
    [`${A}_attempt_1`, true],
    ['jr_', false],
    ['jr', false],
    [A.slice(3), false],
    [A.toUpperCase(), false],
    [`${A} `, false],
    ['jr_?', false],
    ['jr_*', false],
  ])('%j: accepted by the command line: %s, and then by the state machine too', (id, accepted) => {
    expect(cliAccepts(id)).toBe(accepted);
    if (accepted) expect(stateMachineAccepts(id)).toBe(true);
  });
});
