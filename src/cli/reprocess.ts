/**
 * `cdk-glue-lake reprocess` and `cdk-glue-lake rewind`: start a BookmarkedJob's reprocessing state
 * machine (found from the job's tag, or given) and wait for the execution to end.
 */
import { GetJobCommand, GetTagsCommand } from '@aws-sdk/client-glue';
import { DescribeExecutionCommand, StartExecutionCommand, type DescribeExecutionCommandOutput } from '@aws-sdk/client-sfn';
import { EXIT_FAILED, EXIT_OK, isStateMachineArn, STATE_MACHINE_ARN_EXPECTED, type ReprocessOptions, type RewindOptions } from './args';
import { awsErrorBeforeStart, clientsFor, CliError, describeError, type AwsClients, type CliDependencies } from './context';
import { LiveBlock, Styler, timestamp } from './output';
import { formatDurationText } from '../private/duration-text';
import { errorName } from '../private/handler-runtime';
import { REPROCESS_STATE_MACHINE_TAG } from '../processing/reprocess-tag';

/** Execution statuses after which nothing changes. */
const TERMINAL_STATUSES: ReadonlySet<string> = new Set(['SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED']);
/** An execution whose status cannot be read this many times in a row is given up. */
const MAX_POLL_ERRORS = 3;
/** Plain output: a status line every this many seconds while the execution runs. */
const HEARTBEAT_SECONDS = 60;

const ROLE_ARN = /^arn:(aws[a-z-]*):iam::(\d{12}):role\//;

/** The input of the reprocessing state machine (the contract of `BookmarkedJob`). */
export type ReprocessInput =
  | { readonly fromRunId: string; readonly toRunId: string }
  | { readonly rewindToRunId: string; readonly startRun: boolean };

/** `cli-<command>-<UTC time to the millisecond>`: at most 80 characters of [A-Za-z0-9-_]. */
export function executionName(command: string, nowMs: number): string {
  return `cli-${command}-${new Date(nowMs).toISOString().replace(/[:.]/g, '-')}`.slice(0, 80);
}

/** The partition of a region (when the job's ARN cannot say it). */
export function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  if (region.startsWith('us-isob-')) return 'aws-iso-b';
  if (region.startsWith('us-iso-')) return 'aws-iso';
  if (region.startsWith('eu-isoe-')) return 'aws-iso-e';
  if (region.startsWith('us-isof-')) return 'aws-iso-f';
  if (region.startsWith('eusc-')) return 'aws-eusc';
  return 'aws';
}

/** Runs `reprocess` or `rewind`; returns the exit code. Throws `CliError` (exit 2) before the execution started. */
export async function reprocess(options: ReprocessOptions | RewindOptions, deps: CliDependencies): Promise<number> {
  const { region, clients } = await clientsFor(options.command, options, deps);
  let stateMachineArn = options.stateMachineArn;
  if (stateMachineArn === undefined) {
    stateMachineArn = await stateMachineOfJob(clients, options, region);
    deps.stdout(`Reprocessing state machine of ${options.job} (tag ${REPROCESS_STATE_MACHINE_TAG}): ${stateMachineArn}\n`);
  }
  const input: ReprocessInput = options.command === 'reprocess'
    ? {
      fromRunId: options.fromRunId,
      toRunId: options.toRunId,
    }
    : {
      rewindToRunId: options.toRunId,
      startRun: options.startRun,
    };
  let executionArn: string;
  const startedAt = deps.clock.now();
  try {
    const started = await clients.sfn.send(new StartExecutionCommand({
      stateMachineArn,
      name: executionName(options.command, startedAt),
      input: JSON.stringify(input),
    }));
    if (!started.executionArn) throw new Error('StartExecution returned no executionArn');
    executionArn = started.executionArn;
  } catch (error) {
    throw awsErrorBeforeStart(error, `could not start the reprocessing state machine ${stateMachineArn}`, options);
  }
  const what = options.command === 'reprocess'
    ? `reprocess ${options.job} after ${options.fromRunId} up to ${options.toRunId}`
    : `rewind ${options.job} to ${options.toRunId}${options.startRun ? ', then start a run' : ''}`;
  deps.stdout(`Started execution ${executionArn} (${what}; input ${JSON.stringify(input)})\n`);
  deps.stdout(`Timeout ${formatDurationText(options.timeout)}; status read every ${formatDurationText(deps.pollIntervalMs / 1000)}\n`);
  return follow(clients, executionArn, startedAt, options, deps);
}

/** The state machine named by the job's tag; `CliError` (exit 2) when the job is unknown or has no such tag. */
async function stateMachineOfJob(clients: AwsClients, options: ReprocessOptions | RewindOptions, region: string): Promise<string> {
  const { glue } = clients;
  let role: string | undefined;
  try {
    const { Job } = await glue.send(new GetJobCommand({ JobName: options.job }));
    role = Job?.Role;
  } catch (error) {
    if (errorName(error) === 'EntityNotFoundException') {
      throw new CliError(`unknown Glue job in ${region}: ${options.job} (check the name, the region and the account)`);
    }
    throw awsErrorBeforeStart(error, `could not read the Glue job ${JSON.stringify(options.job)} in ${region}`, options);
  }
  const jobArn = await jobArnOf(clients, options, region, role);
  let tags: Record<string, string>;
  try {
    tags = (await glue.send(new GetTagsCommand({ ResourceArn: jobArn }))).Tags ?? {};
  } catch (error) {
    if (errorName(error) === 'EntityNotFoundException') {
      throw new CliError(`unknown Glue job in ${region}: ${options.job} (${jobArn} not found; check the name, the region and the account)`);
    }
    throw awsErrorBeforeStart(error, `could not read the tags of the Glue job ${jobArn}`, options);
  }
  const arn = tags[REPROCESS_STATE_MACHINE_TAG];
  if (arn === undefined) {
    throw new CliError(`the Glue job ${options.job} in ${region} has no tag ${REPROCESS_STATE_MACHINE_TAG}: `
      + 'it is not a BookmarkedJob with reprocessing, or it was deployed by an older version of cdk-glue-lake; '
      + 'pass --state-machine <arn> to name its reprocessing state machine');
  }
  if (!isStateMachineArn(arn)) {
    throw new CliError(`the tag ${REPROCESS_STATE_MACHINE_TAG} of the Glue job ${options.job}: expected ${STATE_MACHINE_ARN_EXPECTED}, `
      + `got ${JSON.stringify(arn)} (pass --state-machine <arn>)`);
  }
  return arn;
}

/**
 * `arn:<partition>:glue:<region>:<account>:job/<name>`. The account and partition come from the
 * job's role (Glue only accepts a role of the job's own account: `iam:PassRole` does not cross
 * accounts); a role given by name falls back to the account the credentials name.
 */
async function jobArnOf(clients: AwsClients, options: ReprocessOptions | RewindOptions, region: string, role: string | undefined): Promise<string> {
  const fromRole = role === undefined ? null : ROLE_ARN.exec(role);
  let partition = fromRole?.[1];
  let account = fromRole?.[2];
  if (account === undefined) {
    try {
      account = await clients.accountId();
    } catch (error) {
      throw awsErrorBeforeStart(error, 'could not resolve the AWS credentials', options);
    }
    partition = partitionOf(region);
  }
  if (account === undefined) {
    throw new CliError(`could not tell the account of the Glue job ${options.job} (its role ${JSON.stringify(role ?? '')} is not an ARN `
      + 'and the credentials do not name their account): pass --state-machine <arn>');
  }
  return `arn:${partition}:glue:${region}:${account}:job/${options.job}`;
}

/** Waits for the execution to end; prints its status. */
async function follow(
  clients: AwsClients,
  executionArn: string,
  startedAt: number,
  options: ReprocessOptions | RewindOptions,
  deps: CliDependencies,
): Promise<number> {
  const { clock, pollIntervalMs } = deps;
  const styler = new Styler(deps);
  const live = deps.isTTY ? new LiveBlock(deps.stdout) : undefined;
  const deadline = startedAt + options.timeout * 1000;
  let status = 'RUNNING';
  let heartbeat = 0;
  let pollErrors = 0;
  let last: DescribeExecutionCommandOutput | undefined;
  const elapsed = () => Math.max(0, (clock.now() - startedAt) / 1000);
  const show = (note?: string) => {
    const tone = status === 'SUCCEEDED' ? 'good' : TERMINAL_STATUSES.has(status) ? 'bad' : 'busy';
    if (live) {
      live.draw([`execution  ${styler.paint(status.padEnd(9), tone)}  ${formatDurationText(elapsed())}${note ? `  ${note}` : ''}`]);
    } else {
      deps.stdout(`${[timestamp(clock.now()), status.padEnd(9), formatDurationText(elapsed()).padEnd(7), note ?? ''].join('  ').trimEnd()}\n`);
    }
  };
  show();
  while (!TERMINAL_STATUSES.has(status)) {
    if (clock.now() >= deadline) {
      show();
      deps.stdout(`\nThe execution is still ${status} after ${formatDurationText(options.timeout)} (--timeout); it goes on: ${executionArn}\n`
        + `Follow it with: aws stepfunctions describe-execution --execution-arn ${executionArn}\n`);
      return EXIT_FAILED;
    }
    await clock.sleep(Math.min(pollIntervalMs, deadline - clock.now()));
    try {
      last = await clients.sfn.send(new DescribeExecutionCommand({ executionArn }));
      pollErrors = 0;
    } catch (error) {
      pollErrors++;
      if (pollErrors >= MAX_POLL_ERRORS) {
        deps.stdout(`\nCould not read the execution's status ${MAX_POLL_ERRORS} times in a row: ${describeError(error)}\n`
          + `It may still be running: ${executionArn}\n`);
        return EXIT_FAILED;
      }
      show(`could not read the status (will retry): ${describeError(error)}`);
      continue;
    }
    const next = last.status ?? status;
    const beat = Math.floor(elapsed() / HEARTBEAT_SECONDS);
    if (next !== status || beat > heartbeat || live) {
      status = next;
      heartbeat = beat;
      if (!TERMINAL_STATUSES.has(status)) show();
    }
  }
  const run = last!;
  const seconds = run.startDate && run.stopDate ? Math.max(0, (run.stopDate.getTime() - run.startDate.getTime()) / 1000) : elapsed();
  show();
  if (status === 'SUCCEEDED') {
    deps.stdout(`\nExecution SUCCEEDED after ${formatDurationText(seconds)}: ${executionArn}\n`);
    return EXIT_OK;
  }
  deps.stdout([
    '',
    `Execution ${status} after ${formatDurationText(seconds)}: ${executionArn}`,
    `  error: ${run.error ?? '(none)'}`,
    `  cause: ${run.cause ?? '(none)'}`,
    '',
  ].join('\n'));
  return EXIT_FAILED;
}
