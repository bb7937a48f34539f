import { GetJobCommand, GetJobRunCommand, ListJobsCommand, StartJobRunCommand } from '@aws-sdk/client-glue';
import { awsError, CliHarness, linesWith, REGION, T0 } from './harness';
import { EMULATOR_TEST_TIMEOUT_MS } from '../helpers/timeouts';

jest.setTimeout(EMULATOR_TEST_TIMEOUT_MS);

const INTEG = { stage: 'integ' };
const ESC = '\u001b';

/** The StartJobRun inputs, in call order. */
function started(cli: CliHarness): unknown[] {
  return cli.glue.mock.commandCalls(StartJobRunCommand).map(call => call.args[0].input);
}

/** GetJobRun calls for one job. */
function polls(cli: CliHarness, job: string): number {
  return cli.glue.mock.commandCalls(GetJobRunCommand).filter(call => call.args[0].input.JobName === job).length;
}

/** The summary row of a job, split on runs of two or more spaces. */
function summaryRow(stdout: string, job: string): string[] {
  const table = stdout.slice(stdout.lastIndexOf('JOB  '));
  const row = table.split('\n').find(line => line.startsWith(`${job} `));
  if (!row) throw new Error(`no summary row for ${job} in:\n${stdout}`);
  return row.split(/ {2,}/);
}

describe('run-jobs: selection', () => {
  test('all runs succeed: exit 0, every job tagged stage=integ started once, a passing summary', async () => {
    const cli = new CliHarness({
      jobs: {
        'orders-raw': {
          tags: INTEG,
          timeline: [[0, 'RUNNING'], [90, 'SUCCEEDED']],
        },
        'orders-curated': {
          tags: INTEG,
          timeline: [[20, 'RUNNING'], [240, 'SUCCEEDED']],
        },
        'orders-prod-only': { tags: { stage: 'prod' } },
      },
    });
    const result = await cli.run(['run-jobs', '--tag', 'stage=integ']);

    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(cli.glue.mock.commandCalls(ListJobsCommand).map(call => call.args[0].input)).toEqual([{ Tags: { stage: 'integ' } }]);
    expect(started(cli)).toEqual([{ JobName: 'orders-curated' }, { JobName: 'orders-raw' }]);
    expect(result.stdout).toContain(`Running 2 Glue jobs with tag stage=integ in ${REGION}: orders-curated, orders-raw\n`);
    expect(summaryRow(result.stdout, 'orders-raw')).toEqual(['orders-raw', cli.glue.runIds('orders-raw')[0], 'SUCCEEDED', '1m30s', 'passed']);
    expect(summaryRow(result.stdout, 'orders-curated')).toEqual(['orders-curated', cli.glue.runIds('orders-curated')[0], 'SUCCEEDED', '4m', 'passed']);
    expect(result.stdout).toMatch(/\n2 jobs: 2 passed, 0 failed\n$/);
    // followed until the last run ended (4m), not longer
    expect(cli.clock.elapsedSeconds).toBe(240);
    expect(result.stdout).not.toContain('batch-stop-job-run');
  });

  test('ListJobs is followed through every page (3 pages): every job is started exactly once', async () => {
    const jobs = Object.fromEntries(['a', 'b', 'c', 'd', 'e'].map(name => [`job-${name}`, { tags: INTEG }]));
    const cli = new CliHarness({
      jobs,
      pageSize: 2,
    });
    const result = await cli.run(['run-jobs', '--tag', 'stage=integ']);

    expect(result.code).toBe(0);
    expect(cli.glue.mock.commandCalls(ListJobsCommand).map(call => call.args[0].input)).toEqual([
      { Tags: { stage: 'integ' } },
      {
        Tags: { stage: 'integ' },
        NextToken: 'page-2',
      },
      {
        Tags: { stage: 'integ' },
        NextToken: 'page-4',
      },
    ]);
    expect(started(cli)).toEqual(Object.keys(jobs).map(JobName => ({ JobName })));
    expect(result.stdout).toContain('5 jobs: 5 passed, 0 failed');
  });

  test('a tag that matches no job is an error (exit 2) naming the tag and the region; nothing starts', async () => {
    const cli = new CliHarness({ jobs: { 'orders-raw': { tags: { stage: 'prod' } } } });
    const result = await cli.run(['run-jobs', '--tag', 'stage=integ']);

    expect(result.code).toBe(2);
    expect(result.stderr).toBe(`error: no Glue job in ${REGION} has the tag stage=integ: nothing to run (check the tag, the region and the account)\n`);
    expect(result.stdout).toBe('');
    expect(started(cli)).toEqual([]);
  });

  test('jobs by name: each read once (duplicates dropped), started in the order given', async () => {
    const cli = new CliHarness({ jobs: { a: {}, b: {} } });
    const result = await cli.run(['run-jobs', '--job', 'b', '--job', 'a', '--job=b']);

    expect(result.code).toBe(0);
    expect(cli.glue.mock.commandCalls(GetJobCommand).map(call => call.args[0].input)).toEqual([{ JobName: 'b' }, { JobName: 'a' }]);
    expect(started(cli)).toEqual([{ JobName: 'b' }, { JobName: 'a' }]);
    expect(result.stdout).toContain('Running 2 Glue jobs by name');
  });

  test('unknown job names: exit 2 listing every unknown name and the region; no job is started', async () => {
    const cli = new CliHarness({ jobs: { 'orders-raw': {} } });
    const result = await cli.run(['run-jobs', '--job', 'orders-raw', '--job', 'typo-one', '--job', 'typo-two']);

    expect(result.code).toBe(2);
    expect(result.stderr).toBe(`error: unknown Glue jobs in ${REGION}: typo-one, typo-two (no job started; check the names, the region and the account)\n`);
    expect(started(cli)).toEqual([]);
  });

  test('AccessDenied on ListJobs: exit 2 with the AWS error, nothing started', async () => {
    const cli = new CliHarness();
    cli.glue.mock.on(ListJobsCommand).rejects(awsError('AccessDeniedException', 'User: arn:aws:sts::123456789012:assumed-role/x is not authorized to perform: glue:GetJobs'));
    const result = await cli.run(['run-jobs', '--tag', 'stage=integ']);

    expect(result.code).toBe(2);
    expect(result.stderr).toBe(`error: could not list the Glue jobs with tag stage=integ in ${REGION}: AccessDeniedException: `
      + 'User: arn:aws:sts::123456789012:assumed-role/x is not authorized to perform: glue:GetJobs\n');
    expect(started(cli)).toEqual([]);
  });

  test('AccessDenied on GetJob: exit 2 naming the job (not reported as an unknown job)', async () => {
    const cli = new CliHarness({ jobs: { a: {} } });
    cli.glue.mock.on(GetJobCommand).rejects(awsError('AccessDeniedException', 'not authorized to perform: glue:GetJob'));
    const result = await cli.run(['run-jobs', '--job', 'a']);

    expect(result.code).toBe(2);
    expect(result.stderr).toBe(`error: could not read the Glue job "a" in ${REGION}: AccessDeniedException: not authorized to perform: glue:GetJob\n`);
  });
});

describe('run-jobs: credentials and region', () => {
  test.each([
    ['CredentialsProviderError', 'Could not load credentials from any providers'],
    ['Error', 'Could not load credentials from any providers'],
  ])('missing credentials (%s): exit 2 with the hint', async (name, message) => {
    const cli = new CliHarness();
    cli.glue.mock.on(ListJobsCommand).rejects(awsError(name, message));
    const result = await cli.run(['run-jobs', '--tag', 'stage=integ']);

    expect(result.code).toBe(2);
    expect(result.stderr).toBe(`error: no AWS credentials found: ${name}: ${message} (set AWS_PROFILE, pass --profile, or run where a role is available)\n`);
  });

  test('missing credentials with --profile names the profile', async () => {
    const cli = new CliHarness({ jobs: { a: {} } });
    cli.glue.mock.on(GetJobCommand).rejects(awsError('CredentialsProviderError', 'Could not load credentials from any providers'));
    const result = await cli.run(['run-jobs', '--job', 'a', '--profile', 'integ']);

    expect(result.code).toBe(2);
    expect(result.stderr).toContain('error: no AWS credentials found (profile "integ"): CredentialsProviderError:');
    expect(started(cli)).toEqual([]);
  });

  test('a role that cannot be assumed: exit 2 naming --role-arn', async () => {
    const cli = new CliHarness({ jobs: { a: {} } });
    const role = 'arn:aws:iam::210987654321:role/integ-runner';
    cli.glue.mock.on(GetJobCommand).rejects(awsError('AccessDenied', `User: x is not authorized to perform: sts:AssumeRole on resource: ${role}`));
    const result = await cli.run(['run-jobs', '--job', 'a', '--role-arn', role]);

    expect(result.code).toBe(2);
    expect(result.stderr).toBe(`error: could not assume --role-arn ${role}: AccessDenied: User: x is not authorized to perform: sts:AssumeRole on resource: ${role}\n`);
  });

  test('no region anywhere: exit 2 before any client is built', async () => {
    const cli = new CliHarness({
      jobs: { a: {} },
      env: {},
    });
    const result = await cli.run(['run-jobs', '--job', 'a']);

    expect(result.code).toBe(2);
    expect(result.stderr).toBe('error: no AWS region: pass --region or set AWS_REGION\n');
    expect(cli.clientOptions).toEqual([]);
    expect(cli.profileLookups).toEqual([undefined]);
  });

  test.each([
    ['--region wins over everything', ['--region', 'us-west-2'], { AWS_REGION: 'eu-west-1', AWS_DEFAULT_REGION: 'eu-central-1' }, 'sa-east-1', 'us-west-2'],
    ['then AWS_REGION', [], { AWS_REGION: 'eu-west-1', AWS_DEFAULT_REGION: 'eu-central-1' }, 'sa-east-1', 'eu-west-1'],
    ['then AWS_DEFAULT_REGION', [], { AWS_DEFAULT_REGION: 'eu-central-1' }, 'sa-east-1', 'eu-central-1'],
    ['then the region of the profile', ['--profile', 'integ'], {}, 'sa-east-1', 'sa-east-1'],
  ])('region: %s', async (_, flags, env, profileRegion, expected) => {
    const cli = new CliHarness({
      jobs: { a: {} },
      env,
      profileRegion,
    });
    const result = await cli.run(['run-jobs', '--job', 'a', ...flags]);

    expect(result.code).toBe(0);
    expect(cli.clientOptions.map(options => options.region)).toEqual([expected]);
    expect(result.stdout).toContain(`by name in ${expected}:`);
  });

  test('--profile and --role-arn reach the clients, with the session name cdk-glue-lake-run-jobs', async () => {
    const cli = new CliHarness({
      jobs: { a: {} },
      env: { AWS_PROFILE: 'from-env' },
      profileRegion: 'eu-north-1',
    });
    const role = 'arn:aws-cn:iam::210987654321:role/path/integ-runner';
    const result = await cli.run(['run-jobs', '--job', 'a', '--profile', 'ci', '--role-arn', role]);

    expect(result.code).toBe(0);
    expect(cli.profileLookups).toEqual(['ci']);
    expect(cli.clientOptions).toEqual([{
      region: 'eu-north-1',
      profile: 'ci',
      roleArn: role,
      sessionName: 'cdk-glue-lake-run-jobs',
    }]);
  });
});

describe('run-jobs: outcomes', () => {
  test('one run fails: exit 1, its ErrorMessage shown, the other runs followed to their end', async () => {
    const cli = new CliHarness({
      jobs: {
        ingest: { timeline: [[0, 'RUNNING'], [300, 'SUCCEEDED']] },
        transform: {
          timeline: [[0, 'RUNNING'], [120, 'FAILED']],
          errorMessage: 'An error occurred while calling o123.save. Out of memory\n  at line 42',
        },
        publish: { timeline: [[10, 'RUNNING'], [420, 'SUCCEEDED']] },
      },
    });
    const result = await cli.run(['run-jobs', '--job', 'ingest', '--job', 'transform', '--job', 'publish']);

    expect(result.code).toBe(1);
    expect(summaryRow(result.stdout, 'transform')).toEqual([
      'transform', cli.glue.runIds('transform')[0], 'FAILED', '2m', 'failed: An error occurred while calling o123.save. Out of memory at line 42',
    ]);
    expect(summaryRow(result.stdout, 'ingest').slice(2)).toEqual(['SUCCEEDED', '5m', 'passed']);
    expect(summaryRow(result.stdout, 'publish').slice(2)).toEqual(['SUCCEEDED', '7m', 'passed']);
    expect(result.stdout).toMatch(/\n3 jobs: 2 passed, 1 failed\n$/);
    // transform is no longer read once it failed; publish is read until it succeeded
    expect(polls(cli, 'transform')).toBe(120 / 15);
    expect(polls(cli, 'publish')).toBe(420 / 15);
    expect(result.stdout).not.toContain('batch-stop-job-run');
  });

  test.each(['ERROR', 'TIMEOUT', 'STOPPED', 'EXPIRED'] as const)('a run that ends %s fails (exit 1)', async state => {
    const cli = new CliHarness({ jobs: { a: { timeline: [[0, 'RUNNING'], [30, state]] } } });
    const result = await cli.run(['run-jobs', '--job', 'a']);

    expect(result.code).toBe(1);
    expect(summaryRow(result.stdout, 'a').slice(2)).toEqual([state, '30s', `failed: the run ended ${state} (no error message)`]);
  });

  test('--max-duration: a run still running is failed at the limit and left; a run that succeeded too slowly fails', async () => {
    const cli = new CliHarness({
      jobs: {
        stuck: { timeline: [[0, 'RUNNING'], [3600, 'SUCCEEDED']] },
        slow: {
          timeline: [[0, 'RUNNING'], [585, 'SUCCEEDED']],
          // Glue counts 12m30s (the run waited for resources before this tool saw it start)
          reportedSeconds: 750,
        },
        quick: { timeline: [[0, 'RUNNING'], [300, 'SUCCEEDED']] },
      },
    });
    const result = await cli.run(['run-jobs', '--job', 'stuck', '--job', 'slow', '--job', 'quick', '--max-duration', '10m']);

    expect(result.code).toBe(1);
    const stuck = cli.glue.runIds('stuck')[0];
    expect(summaryRow(result.stdout, 'stuck')).toEqual(['stuck', stuck, 'RUNNING', '10m', 'over max duration: still RUNNING after 10m']);
    expect(summaryRow(result.stdout, 'slow').slice(2)).toEqual(['SUCCEEDED', '12m30s', 'over max duration: 12m30s > 10m']);
    expect(summaryRow(result.stdout, 'quick').slice(2)).toEqual(['SUCCEEDED', '5m', 'passed']);
    expect(result.stdout).toContain('3 jobs: 1 passed, 2 failed');
    // the stuck run is no longer followed after 10m (not until the 60m timeout)
    expect(cli.clock.elapsedSeconds).toBe(600);
    expect(polls(cli, 'stuck')).toBe(600 / 15);
    // it may still be running: the hint names it (the tool cannot stop runs)
    expect(result.stdout).toContain(`This run may still be running (${stuck}); this tool does not stop runs. To stop:\n`
      + `  aws glue batch-stop-job-run --region ${REGION} --job-name stuck --job-run-ids ${stuck}\n`);
  });

  test('--max-duration between two polls: the run is read again at the limit, not at the next poll', async () => {
    const cli = new CliHarness({ jobs: { a: { timeline: [[0, 'RUNNING'], [600, 'SUCCEEDED']] } } });
    const result = await cli.run(['run-jobs', '--job', 'a', '--max-duration', '100s']);

    expect(result.code).toBe(1);
    expect(summaryRow(result.stdout, 'a').slice(2)).toEqual(['RUNNING', '1m40s', 'over max duration: still RUNNING after 1m40s']);
    expect(cli.clock.sleeps).toEqual([15_000, 15_000, 15_000, 15_000, 15_000, 15_000, 10_000]);
  });

  test('a run that succeeds exactly at --max-duration passes (only a longer run fails)', async () => {
    const cli = new CliHarness({ jobs: { a: { timeline: [[0, 'RUNNING'], [600, 'SUCCEEDED']] } } });
    const result = await cli.run(['run-jobs', '--job', 'a', '--max-duration', '10m']);

    expect(result.code).toBe(0);
    expect(summaryRow(result.stdout, 'a').slice(2)).toEqual(['SUCCEEDED', '10m', 'passed']);
  });

  test('--timeout: runs still going fail, are no longer followed, and the hint says how to stop them', async () => {
    const cli = new CliHarness({
      jobs: {
        'long-a': { timeline: [[0, 'RUNNING'], [7200, 'SUCCEEDED']] },
        'long b': { timeline: [[0, 'RUNNING'], [7200, 'SUCCEEDED']] },
        'short': { timeline: [[0, 'RUNNING'], [60, 'SUCCEEDED']] },
      },
    });
    const result = await cli.run(['run-jobs', '--job', 'long-a', '--job', 'long b', '--job', 'short', '--timeout', '2m', '--profile', 'ci']);

    expect(result.code).toBe(1);
    expect(summaryRow(result.stdout, 'long-a').slice(2)).toEqual(['RUNNING', '2m', 'timed out after 2m (still RUNNING)']);
    expect(summaryRow(result.stdout, 'short').slice(2)).toEqual(['SUCCEEDED', '1m', 'passed']);
    expect(cli.clock.elapsedSeconds).toBe(120);
    expect(polls(cli, 'long-a')).toBe(120 / 15);
    // at the deadline: one line per run, the time-out (no heartbeat before it)
    expect(linesWith(result.stdout, 'T10:02:00Z')).toEqual([
      '2026-05-01T10:02:00Z  long-a  RUNNING    2m       timed out after 2m (still RUNNING)',
      '2026-05-01T10:02:00Z  long b  RUNNING    2m       timed out after 2m (still RUNNING)',
    ]);
    const [a, b] = [cli.glue.runIds('long-a')[0], cli.glue.runIds('long b')[0]];
    expect(result.stdout).toContain(`These runs may still be running (${a}, ${b}); this tool does not stop runs. To stop:\n`
      + `  aws glue batch-stop-job-run --region ${REGION} --profile ci --job-name long-a --job-run-ids ${a}\n`
      + `  aws glue batch-stop-job-run --region ${REGION} --profile ci --job-name 'long b' --job-run-ids ${b}\n`);
  });

  test('the default timeout is 60m', async () => {
    const cli = new CliHarness({ jobs: { a: { timeline: [[0, 'RUNNING'], [7200, 'SUCCEEDED']] } } });
    const result = await cli.run(['run-jobs', '--job', 'a']);

    expect(result.code).toBe(1);
    expect(cli.clock.elapsedSeconds).toBe(3600);
    expect(summaryRow(result.stdout, 'a')[4]).toBe('timed out after 1h (still RUNNING)');
  });

  test('a start that fails (ConcurrentRunsExceededException) fails that job only; the others run', async () => {
    const cli = new CliHarness({
      jobs: {
        busy: { startError: 'ConcurrentRunsExceededException' },
        free: { timeline: [[0, 'RUNNING'], [45, 'SUCCEEDED']] },
      },
    });
    const result = await cli.run(['run-jobs', '--job', 'busy', '--job', 'free']);

    expect(result.code).toBe(1);
    expect(summaryRow(result.stdout, 'busy')).toEqual(['busy', '-', '-', '-', 'not started: ConcurrentRunsExceededException: ConcurrentRunsExceededException for busy (test)']);
    expect(summaryRow(result.stdout, 'free').slice(2)).toEqual(['SUCCEEDED', '45s', 'passed']);
    expect(started(cli)).toEqual([{ JobName: 'busy' }, { JobName: 'free' }]);
    expect(polls(cli, 'busy')).toBe(0);
    expect(result.stdout).toContain('2 jobs: 1 passed, 1 failed');
  });

  test('GetJobRun failing now and then is retried; failing 3 times in a row gives the run up (exit 1)', async () => {
    const cli = new CliHarness({
      jobs: {
        flaky: { timeline: [[0, 'RUNNING'], [60, 'SUCCEEDED']] },
        lost: { timeline: [[0, 'RUNNING'], [600, 'SUCCEEDED']] },
      },
    });
    let flakyCalls = 0;
    cli.glue.mock.on(GetJobRunCommand, { JobName: 'lost' }).rejects(awsError('AccessDeniedException', 'not authorized to perform: glue:GetJobRun'));
    cli.glue.mock.on(GetJobRunCommand, { JobName: 'flaky' }).callsFake(input => {
      flakyCalls++;
      if (flakyCalls === 2) throw awsError('ThrottlingException', 'Rate exceeded');
      const secondsSinceStart = cli.clock.elapsedSeconds;
      return { JobRun: { Id: input.RunId, JobRunState: secondsSinceStart >= 60 ? 'SUCCEEDED' : 'RUNNING' } };
    });
    const result = await cli.run(['run-jobs', '--job', 'flaky', '--job', 'lost']);

    expect(result.code).toBe(1);
    expect(result.stdout).toContain('flaky  RUNNING    30s      could not read the run (will retry): ThrottlingException: Rate exceeded\n');
    expect(summaryRow(result.stdout, 'flaky').slice(2)).toEqual(['SUCCEEDED', '1m', 'passed']);
    expect(summaryRow(result.stdout, 'lost').slice(2)).toEqual([
      'STARTING', '45s', 'state unknown: GetJobRun failed 3 times: AccessDeniedException: not authorized to perform: glue:GetJobRun',
    ]);
    expect(result.stdout).toContain(`--job-name lost --job-run-ids ${cli.glue.runIds('lost')[0]}`);
  });
});

describe('run-jobs: output', () => {
  const jobs = {
    'orders-raw': { timeline: [[0, 'RUNNING'], [150, 'SUCCEEDED']] as const },
    'orders-curated': { timeline: [[20, 'RUNNING'], [75, 'FAILED']] as const, errorMessage: 'AnalysisException: column id not found' },
  };

  test('not a terminal: timestamped lines on each state change and a heartbeat a minute, no ANSI codes', async () => {
    const cli = new CliHarness({ jobs });
    const result = await cli.run(['run-jobs', '--job', 'orders-raw', '--job', 'orders-curated']);

    expect(result.stdout).not.toContain(ESC);
    const raw = cli.glue.runIds('orders-raw')[0];
    expect(linesWith(result.stdout, 'orders-raw  ')).toEqual([
      `2026-05-01T10:00:00Z  orders-raw      STARTING   0s       started ${raw}`,
      '2026-05-01T10:00:15Z  orders-raw      RUNNING    15s',
      '2026-05-01T10:01:00Z  orders-raw      RUNNING    1m',
      '2026-05-01T10:02:00Z  orders-raw      RUNNING    2m',
      '2026-05-01T10:02:30Z  orders-raw      SUCCEEDED  2m30s    passed',
      // the summary row (run ids aligned on the longest)
      `orders-raw      ${raw}      SUCCEEDED  2m30s     passed`,
    ]);
    expect(linesWith(result.stdout, 'orders-curated  ').slice(0, 4)).toEqual([
      `2026-05-01T10:00:00Z  orders-curated  STARTING   0s       started ${cli.glue.runIds('orders-curated')[0]}`,
      '2026-05-01T10:00:30Z  orders-curated  RUNNING    30s',
      '2026-05-01T10:01:00Z  orders-curated  RUNNING    1m',
      '2026-05-01T10:01:15Z  orders-curated  FAILED     1m15s    failed: AnalysisException: column id not found',
    ]);
    expect(result.stdout).toContain('Limits: timeout 1h, max duration none; state read every 15s\n');
  });

  test('a terminal: one line per job redrawn in place (cursor up, clear line), then the summary', async () => {
    const cli = new CliHarness({
      jobs,
      isTTY: true,
    });
    const result = await cli.run(['run-jobs', '--job', 'orders-raw', '--job', 'orders-curated']);

    expect(result.code).toBe(1);
    // the block is drawn once after the starts, then once per poll (150s / 15s), each time over the previous one
    const redraws = result.stdout.split(`${ESC}[2A`).length - 1;
    expect(redraws).toBe(150 / 15);
    expect(result.stdout.split(`${ESC}[2K`).length - 1).toBe(2 * (1 + 150 / 15));
    // no timestamped event lines on a terminal
    expect(result.stdout).not.toMatch(/\d{4}-\d\d-\d\dT/);
    // the last drawing, without colours
    const plain = result.stdout.replace(/\u001b\[[0-9;]*m/g, '');
    expect(plain).toContain(`${ESC}[2Korders-raw      SUCCEEDED  2m30s    passed\n${ESC}[2Korders-curated  FAILED     1m15s    failed: AnalysisException: column id not found\n`);
    // colours on a terminal: the states and results of the summary
    expect(result.stdout).toContain(`${ESC}[32mSUCCEEDED${ESC}[0m`);
    expect(result.stdout).toContain(`${ESC}[31mfailed: AnalysisException: column id not found${ESC}[0m`);
  });

  test('a terminal with NO_COLOR: redrawn, but no colours', async () => {
    const cli = new CliHarness({
      jobs,
      isTTY: true,
      env: {
        AWS_REGION: REGION,
        NO_COLOR: '1',
      },
    });
    const result = await cli.run(['run-jobs', '--job', 'orders-raw', '--job', 'orders-curated']);

    expect(result.stdout).toContain(`${ESC}[2A`);
    expect(result.stdout).not.toMatch(/\u001b\[\d+m/);
  });

  test('summary of a mixed outcome (snapshot)', async () => {
    const cli = new CliHarness({
      jobs: {
        'orders-raw': {
          tags: INTEG,
          timeline: [[0, 'RUNNING'], [150, 'SUCCEEDED']],
        },
        'orders-curated': {
          tags: INTEG,
          timeline: [[20, 'RUNNING'], [75, 'FAILED']],
          errorMessage: 'AnalysisException: column id not found',
        },
        'orders-late': {
          tags: INTEG,
          timeline: [[0, 'RUNNING'], [590, 'SUCCEEDED']],
          reportedSeconds: 640,
        },
        'orders-stuck': {
          tags: INTEG,
          timeline: [[0, 'RUNNING'], [5000, 'SUCCEEDED']],
        },
        'orders-busy': {
          tags: INTEG,
          startError: 'ConcurrentRunsExceededException',
        },
      },
    });
    const result = await cli.run(['run-jobs', '--tag', 'stage=integ', '--max-duration', '10m', '--timeout', '20m']);

    expect(result.code).toBe(1);
    expect(cli.clock.time).toBe(T0 + 600_000);
    expect(result.stdout.slice(result.stdout.lastIndexOf('\nJOB ') + 1)).toMatchSnapshot();
  });
});
