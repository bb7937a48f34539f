import { GetJobCommand, GetTagsCommand, ListJobsCommand, StartJobRunCommand } from '@aws-sdk/client-glue';
import { DescribeExecutionCommand, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { ACCOUNT, awsError, CliHarness, REGION, T0, type FakeJob } from './harness';
import { executionName, partitionOf } from '../../src/cli/reprocess';
import { REPROCESS_STATE_MACHINE_TAG } from '../../src/processing/reprocess-tag';
import { EMULATOR_TEST_TIMEOUT_MS } from '../helpers/timeouts';

jest.setTimeout(EMULATOR_TEST_TIMEOUT_MS);

const STATE_MACHINE = `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:OrdersCuratedReprocessing1A2B3C`;
const JOB_ARN = `arn:aws:glue:${REGION}:${ACCOUNT}:job/orders-curated`;
const FROM = 'jr_0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9';
const TO = 'jr_f9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c8b7a6f5e4d3c2b1a0f9e8';
const EXECUTION_NAME = 'cli-reprocess-2026-05-01T10-00-00-000Z';
const EXECUTION = `arn:aws:states:${REGION}:${ACCOUNT}:execution:OrdersCuratedReprocessing1A2B3C:${EXECUTION_NAME}`;
const ESC = '\u001b';

const BOOKMARKED: FakeJob = { tags: { [REPROCESS_STATE_MACHINE_TAG]: STATE_MACHINE, stage: 'integ' } };

/** A harness with the BookmarkedJob `orders-curated` and an execution that ends `status` after `seconds`. */
function harness(status: string, seconds: number, options: { job?: FakeJob; isTTY?: boolean; error?: string; cause?: string } = {}) {
  const cli = new CliHarness({
    jobs: { 'orders-curated': options.job ?? BOOKMARKED },
    isTTY: options.isTTY,
  });
  cli.sfn.mock.on(StartExecutionCommand).callsFake(input => ({
    executionArn: `arn:aws:states:${REGION}:${ACCOUNT}:execution:${input.stateMachineArn!.split(':').pop()}:${input.name}`,
    startDate: new Date(cli.clock.now()),
  }));
  cli.sfn.mock.on(DescribeExecutionCommand).callsFake(input => {
    const over = cli.clock.now() - T0 >= seconds * 1000;
    return {
      executionArn: input.executionArn,
      status: over ? status : 'RUNNING',
      startDate: new Date(T0),
      stopDate: over ? new Date(T0 + seconds * 1000) : undefined,
      error: over ? options.error : undefined,
      cause: over ? options.cause : undefined,
    };
  });
  return cli;
}

function startInputs(cli: CliHarness): unknown[] {
  return cli.sfn.mock.commandCalls(StartExecutionCommand).map(call => call.args[0].input);
}

describe('reprocess', () => {
  test('finds the state machine from the job tag and starts it with fromRunId/toRunId; SUCCEEDED -> exit 0', async () => {
    const cli = harness('SUCCEEDED', 200);
    const result = await cli.run(['reprocess', '--job', 'orders-curated', '--from', FROM, '--to', TO]);

    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(cli.glue.mock.commandCalls(GetJobCommand).map(call => call.args[0].input)).toEqual([{ JobName: 'orders-curated' }]);
    expect(cli.glue.mock.commandCalls(GetTagsCommand).map(call => call.args[0].input)).toEqual([{ ResourceArn: JOB_ARN }]);
    expect(startInputs(cli)).toEqual([{
      stateMachineArn: STATE_MACHINE,
      name: EXECUTION_NAME,
      input: JSON.stringify({
        fromRunId: FROM,
        toRunId: TO,
      }),
    }]);
    expect(cli.clientOptions.map(o => o.sessionName)).toEqual(['cdk-glue-lake-reprocess']);
    expect(result.stdout).toContain(`Reprocessing state machine of orders-curated (tag ${REPROCESS_STATE_MACHINE_TAG}): ${STATE_MACHINE}\n`);
    expect(result.stdout).toContain(`Started execution ${EXECUTION} (reprocess orders-curated after ${FROM} up to ${TO}; input `);
    expect(result.stdout).toMatch(new RegExp(`\nExecution SUCCEEDED after 3m20s: ${EXECUTION}\n$`));
    // followed every 15s until it ended: 200s -> 14 reads (the 14th at 210s)
    expect(cli.sfn.mock.commandCalls(DescribeExecutionCommand).map(call => call.args[0].input)).toEqual(Array(14).fill({ executionArn: EXECUTION }));
  });

  test('status lines when not a terminal: timestamped, on change and every minute, no ANSI codes', async () => {
    const cli = harness('SUCCEEDED', 130);
    const result = await cli.run(['reprocess', '--job', 'orders-curated', '--from', FROM, '--to', TO]);

    expect(result.stdout).not.toContain(ESC);
    expect(result.stdout.split('\n').filter(line => /^\d{4}-/.test(line))).toEqual([
      '2026-05-01T10:00:00Z  RUNNING    0s',
      '2026-05-01T10:01:00Z  RUNNING    1m',
      '2026-05-01T10:02:00Z  RUNNING    2m',
      '2026-05-01T10:02:15Z  SUCCEEDED  2m15s',
    ]);
  });

  test('on a terminal the status line is redrawn in place', async () => {
    const cli = harness('SUCCEEDED', 30, { isTTY: true });
    const result = await cli.run(['reprocess', '--job', 'orders-curated', '--from', FROM, '--to', TO]);

    expect(result.code).toBe(0);
    expect(result.stdout.split(`${ESC}[1A${ESC}[2K`).length - 1).toBe(2);
    expect(result.stdout).toContain(`execution  ${ESC}[32mSUCCEEDED${ESC}[0m  30s`);
  });

  test('--state-machine: no lookup (no Glue call), the given state machine is started', async () => {
    const other = `arn:aws-cn:states:cn-north-1:${ACCOUNT}:stateMachine:Other`;
    const cli = harness('SUCCEEDED', 15);
    const result = await cli.run(['reprocess', '--job', 'orders-curated', '--from', FROM, '--to', TO, '--state-machine', other]);

    expect(result.code).toBe(0);
    expect(cli.glue.mock.calls()).toEqual([]);
    expect(startInputs(cli)).toEqual([expect.objectContaining({ stateMachineArn: other })]);
    expect(result.stdout).not.toContain('Reprocessing state machine of');
  });

  test('execution FAILED: its error and cause are printed with its ARN; exit 1', async () => {
    const cause = 'Glue job run jr_11507a0e2f5e69d5dfa40a62a1bd7b6ee57e6bcd85c67c9b8431b36fff21c437 failed: FAILED (An error occurred while calling o99.pyWriteDynamicFrame)';
    const cli = harness('FAILED', 95, {
      error: 'GlueJobRunFailed',
      cause,
    });
    const result = await cli.run(['reprocess', '--job', 'orders-curated', '--from', FROM, '--to', TO]);

    expect(result.code).toBe(1);
    expect(result.stdout).toContain(`\nExecution FAILED after 1m35s: ${EXECUTION}\n  error: GlueJobRunFailed\n  cause: ${cause}\n`);
  });

  test.each(['TIMED_OUT', 'ABORTED'])('execution %s: exit 1', async status => {
    const cli = harness(status, 30);
    const result = await cli.run(['reprocess', '--job', 'orders-curated', '--from', FROM, '--to', TO]);

    expect(result.code).toBe(1);
    expect(result.stdout).toContain(`\nExecution ${status} after 30s: ${EXECUTION}\n  error: (none)\n  cause: (none)\n`);
  });

  test('--timeout: still running -> exit 1, saying it goes on, with its ARN; no read after the deadline', async () => {
    const cli = harness('SUCCEEDED', 99_999);
    const result = await cli.run(['reprocess', '--job', 'orders-curated', '--from', FROM, '--to', TO, '--timeout', '100s']);

    expect(result.code).toBe(1);
    expect(cli.clock.elapsedSeconds).toBe(100);
    expect(cli.clock.sleeps).toEqual([15_000, 15_000, 15_000, 15_000, 15_000, 15_000, 10_000]);
    expect(result.stdout).toContain(`\nThe execution is still RUNNING after 1m40s (--timeout); it goes on: ${EXECUTION}\n`
      + `Follow it with: aws stepfunctions describe-execution --execution-arn ${EXECUTION}\n`);
  });

  test('the default timeout is 3h', async () => {
    const cli = harness('SUCCEEDED', 99_999);
    const result = await cli.run(['reprocess', '--job', 'orders-curated', '--from', FROM, '--to', TO]);

    expect(result.code).toBe(1);
    expect(cli.clock.elapsedSeconds).toBe(3 * 3600);
  });

  test('DescribeExecution failing 3 times in a row: exit 1, the execution may still be running', async () => {
    const cli = harness('SUCCEEDED', 600);
    cli.sfn.mock.on(DescribeExecutionCommand).rejects(awsError('AccessDeniedException', 'not authorized to perform: states:DescribeExecution'));
    const result = await cli.run(['reprocess', '--job', 'orders-curated', '--from', FROM, '--to', TO]);

    expect(result.code).toBe(1);
    expect(cli.sfn.mock.commandCalls(DescribeExecutionCommand)).toHaveLength(3);
    expect(result.stdout).toContain('could not read the status (will retry): AccessDeniedException: not authorized to perform: states:DescribeExecution\n');
    expect(result.stdout).toContain('\nCould not read the execution\'s status 3 times in a row: AccessDeniedException: not authorized to perform: states:DescribeExecution\n'
      + `It may still be running: ${EXECUTION}\n`);
  });
});

describe('reprocess / rewind: could not start (exit 2)', () => {
  test('a job without the tag: not a BookmarkedJob with reprocessing (or an older version): pass --state-machine', async () => {
    const cli = harness('SUCCEEDED', 15, { job: { tags: { stage: 'integ' } } });
    const result = await cli.run(['rewind', '--job', 'orders-curated', '--to', FROM]);

    expect(result.code).toBe(2);
    expect(result.stderr).toBe(`error: the Glue job orders-curated in ${REGION} has no tag ${REPROCESS_STATE_MACHINE_TAG}: `
      + 'it is not a BookmarkedJob with reprocessing, or it was deployed by an older version of cdk-glue-lake; '
      + 'pass --state-machine <arn> to name its reprocessing state machine\n');
    expect(cli.sfn.mock.calls()).toEqual([]);
  });

  test('a tag that is not a state machine ARN', async () => {
    const cli = harness('SUCCEEDED', 15, { job: { tags: { [REPROCESS_STATE_MACHINE_TAG]: 'OrdersReprocessing' } } });
    const result = await cli.run(['rewind', '--job', 'orders-curated', '--to', FROM]);

    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`error: the tag ${REPROCESS_STATE_MACHINE_TAG} of the Glue job orders-curated: expected a Step Functions state machine ARN`);
    expect(result.stderr).toContain('got "OrdersReprocessing" (pass --state-machine <arn>)\n');
    expect(cli.sfn.mock.calls()).toEqual([]);
  });

  test('an unknown job', async () => {
    const cli = harness('SUCCEEDED', 15);
    const result = await cli.run(['reprocess', '--job', 'orders-curatd', '--from', FROM, '--to', TO]);

    expect(result.code).toBe(2);
    expect(result.stderr).toBe(`error: unknown Glue job in ${REGION}: orders-curatd (check the name, the region and the account)\n`);
    expect(cli.glue.mock.commandCalls(GetTagsCommand)).toHaveLength(0);
    expect(cli.sfn.mock.calls()).toEqual([]);
  });

  test('missing credentials', async () => {
    const cli = harness('SUCCEEDED', 15);
    cli.glue.mock.on(GetJobCommand).rejects(awsError('CredentialsProviderError', 'Could not load credentials from any providers'));
    const result = await cli.run(['reprocess', '--job', 'orders-curated', '--from', FROM, '--to', TO]);

    expect(result.code).toBe(2);
    expect(result.stderr).toBe('error: no AWS credentials found: CredentialsProviderError: Could not load credentials from any providers '
      + '(set AWS_PROFILE, pass --profile, or run where a role is available)\n');
  });

  test('StartExecution denied: exit 2 naming the state machine', async () => {
    const cli = harness('SUCCEEDED', 15);
    cli.sfn.mock.on(StartExecutionCommand).rejects(awsError('AccessDeniedException', 'not authorized to perform: states:StartExecution'));
    const result = await cli.run(['reprocess', '--job', 'orders-curated', '--from', FROM, '--to', TO]);

    expect(result.code).toBe(2);
    expect(result.stderr).toBe(`error: could not start the reprocessing state machine ${STATE_MACHINE}: AccessDeniedException: not authorized to perform: states:StartExecution\n`);
    expect(cli.sfn.mock.commandCalls(DescribeExecutionCommand)).toHaveLength(0);
  });

  test('a job whose role is a name: the account of the credentials, the partition of the region', async () => {
    const cli = new CliHarness({
      jobs: {
        'orders-curated': {
          ...BOOKMARKED,
          role: 'lake-GlueJobRole',
        },
      },
      accountId: ACCOUNT,
    });
    cli.sfn.mock.on(StartExecutionCommand).resolves({ executionArn: EXECUTION });
    cli.sfn.mock.on(DescribeExecutionCommand).resolves({ status: 'SUCCEEDED' });
    const result = await cli.run(['rewind', '--job', 'orders-curated', '--to', FROM]);

    expect(result.code).toBe(0);
    expect(cli.glue.mock.commandCalls(GetTagsCommand).map(call => call.args[0].input)).toEqual([{ ResourceArn: JOB_ARN }]);
  });

  test('a job whose role is a name, credentials that do not name their account: pass --state-machine', async () => {
    const cli = new CliHarness({
      jobs: {
        'orders-curated': {
          ...BOOKMARKED,
          role: 'lake-GlueJobRole',
        },
      },
    });
    const result = await cli.run(['rewind', '--job', 'orders-curated', '--to', FROM]);

    expect(result.code).toBe(2);
    expect(result.stderr).toBe('error: could not tell the account of the Glue job orders-curated (its role "lake-GlueJobRole" is not an ARN '
      + 'and the credentials do not name their account): pass --state-machine <arn>\n');
  });

  test('the job ARN takes the partition and account of the job role (another partition)', async () => {
    const cli = new CliHarness({
      jobs: {
        'orders-curated': {
          ...BOOKMARKED,
          role: 'arn:aws-cn:iam::999988887777:role/GlueJobRole',
        },
      },
      env: { AWS_REGION: 'cn-north-1' },
    });
    const result = await cli.run(['rewind', '--job', 'orders-curated', '--to', FROM]);

    // the fake only knows the job under its own account: the lookup fails as an unknown job
    expect(cli.glue.mock.commandCalls(GetTagsCommand).map(call => call.args[0].input)).toEqual([
      { ResourceArn: 'arn:aws-cn:glue:cn-north-1:999988887777:job/orders-curated' },
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('error: unknown Glue job in cn-north-1: orders-curated (arn:aws-cn:glue:cn-north-1:999988887777:job/orders-curated not found;');
  });
});

describe('rewind', () => {
  test('input {rewindToRunId, startRun: false} by default; the session is cdk-glue-lake-rewind', async () => {
    const cli = harness('SUCCEEDED', 15);
    const result = await cli.run(['rewind', '--job', 'orders-curated', '--to', FROM]);

    expect(result.code).toBe(0);
    expect(startInputs(cli)).toEqual([{
      stateMachineArn: STATE_MACHINE,
      name: 'cli-rewind-2026-05-01T10-00-00-000Z',
      input: `{"rewindToRunId":"${FROM}","startRun":false}`,
    }]);
    expect(cli.clientOptions.map(o => o.sessionName)).toEqual(['cdk-glue-lake-rewind']);
    expect(result.stdout).toContain(`(rewind orders-curated to ${FROM}; input `);
  });

  test('--start-run: startRun true', async () => {
    const cli = harness('SUCCEEDED', 15);
    const result = await cli.run(['rewind', '--job', 'orders-curated', '--to', FROM, '--start-run']);

    expect(result.code).toBe(0);
    expect(startInputs(cli)).toEqual([expect.objectContaining({ input: `{"rewindToRunId":"${FROM}","startRun":true}` })]);
    expect(result.stdout).toContain(`(rewind orders-curated to ${FROM}, then start a run; input `);
  });

  test('execution FAILED (bookmark reset failed): error and cause printed, exit 1; no Glue run is started by the CLI', async () => {
    const cli = harness('FAILED', 20, {
      error: 'BookmarkResetFailed',
      cause: 'EntityNotFoundException: Run id not found',
    });
    const result = await cli.run(['rewind', '--job', 'orders-curated', '--to', FROM, '--start-run']);

    expect(result.code).toBe(1);
    expect(result.stdout).toContain('  error: BookmarkResetFailed\n  cause: EntityNotFoundException: Run id not found\n');
    expect(cli.glue.mock.commandCalls(StartJobRunCommand)).toHaveLength(0);
    expect(cli.glue.mock.commandCalls(ListJobsCommand)).toHaveLength(0);
  });
});

describe('helpers', () => {
  test('execution names: cli-<command>-<UTC time>, at most 80 characters of [A-Za-z0-9-_]', () => {
    const name = executionName('reprocess', Date.parse('2026-12-31T23:59:59.987Z'));
    expect(name).toBe('cli-reprocess-2026-12-31T23-59-59-987Z');
    expect(name).toMatch(/^[A-Za-z0-9_-]{1,80}$/);
    expect(executionName('x'.repeat(100), T0)).toHaveLength(80);
  });

  test.each([
    ['eu-west-1', 'aws'],
    ['cn-northwest-1', 'aws-cn'],
    ['us-gov-west-1', 'aws-us-gov'],
    ['us-iso-east-1', 'aws-iso'],
    ['us-isob-east-1', 'aws-iso-b'],
  ])('partition of %s is %s', (region, partition) => {
    expect(partitionOf(region)).toBe(partition);
  });
});
