import { DeleteItemCommand, GetItemCommand, UpdateItemCommand, type AttributeValue, type UpdateItemCommandInput } from '@aws-sdk/client-dynamodb';
import { CfnElement, Duration } from 'aws-cdk-lib';
import type * as LocalStepFunctions from 'aws-local-stepfunctions' with { 'resolution-mode': 'import' };
import { orchestratorStack } from './fixtures';
import { createRegistryTable, partitionItem, putItems } from './fixtures-registry';
import { PARTITION_INPUT_CAUSE, PARTITION_INPUT_ERROR, type PartitionedJobOrchestratorProps } from '../../src/orchestration/partitioned-job-orchestrator';
import { retryDelaySeconds } from '../../src/orchestration/registry';
import { RUN_ERROR_CAUSE_PREFIX } from '../../src/private/run-failure';
import { refPlaceholder, stateMachineDefinition } from '../helpers/asl';
import { startDynalite, type LocalDynamoDb } from '../helpers/dynalite';
import { EMULATOR_TEST_TIMEOUT_MS } from '../helpers/timeouts';

// Runs the synthesized per-partition state machine in aws-local-stepfunctions. The Glue task is a
// local stub; the three DynamoDB tasks send their real UpdateItem parameters (update and condition
// expressions) to dynalite, so the registry's locking is exercised against a DynamoDB implementation.

// Every test runs the emulator against dynalite: generous timeouts, so that a busy machine does not fail them.
jest.setTimeout(EMULATOR_TEST_TIMEOUT_MS);

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { ExecutionError, StateMachine }: typeof LocalStepFunctions = require('aws-local-stepfunctions');

type TaskHandlers = NonNullable<NonNullable<LocalStepFunctions.RunOptions['overrides']>['taskResourceLocalHandlers']>;
type Json = Parameters<TaskHandlers[string]>[0];

const { stack, job } = orchestratorStack({ partitions: [] });
const JOB_NAME = refPlaceholder(stack.getLogicalId(job.job.node.defaultChild as CfnElement));
const REGISTRY_LOGICAL_ID = refPlaceholder(stack.getLogicalId(
  stack.node.findChild('Providers').node.findChild('Registry').node.defaultChild as CfnElement));
const machine = new StateMachine(stateMachineDefinition(stack, 'Providers/StateMachine') as LocalStepFunctions.StateMachineDefinition);

const ME = 'arn:aws:states:eu-west-1:111111111111:execution:Providers:acme-20261121T1015Z';
const OTHER = 'arn:aws:states:eu-west-1:111111111111:execution:Providers:acme-20261121T1000Z';
const ENTERED = '2026-11-21T10:21:40.000Z';
const RUN_ID = 'jr_' + 'd'.repeat(64);
const SLOT_SECONDS = Date.UTC(2026, 10, 21, 10, 15) / 1000;
const NEXT_DUE = SLOT_SECONDS + 3600;
const INPUT = { partitionId: 'acme', slot: '2026-11-21T10:15:00.000Z', slotSeconds: SLOT_SECONDS, nextDueAt: NEXT_DUE, takeOverExecution: 'none' };
const FAILED_RUN_CAUSE = JSON.stringify({ Id: RUN_ID, JobRunState: 'FAILED', ErrorMessage: 'AnalysisException: Path does not exist: s3://bronze/acme/' });
/** What is kept of a Glue error that names no run (a refused start, an unreadable cause): the error name only. */
const runErrorCause = (error: string) => `${RUN_ERROR_CAUSE_PREFIX} (${error})`;
/** The Glue console page of a run of the job (the region is the rendered AWS::Region). */
const consoleLink = (runId: string) => `https://eu-west-1.console.aws.amazon.com/gluestudio/home?region=eu-west-1#/job/${JOB_NAME}/run/${runId}`;
/** What the registry and the execution keep of a run that failed the task: run id, state, error name, console link. */
const runFailedCause = (state: string, error = 'States.TaskFailed') =>
  `The Glue job run ${RUN_ID} ended in state ${state} (${error}): ${consoleLink(RUN_ID)}`;

let ddb: LocalDynamoDb;
let table: string;
let tableCount = 0;

beforeAll(async () => {
  ddb = await startDynalite();
});
afterAll(async () => {
  await ddb.close();
});
beforeEach(async () => {
  table = `registry-${++tableCount}`;
  await createRegistryTable(ddb.client, table);
});

/** The error a task raises, as Step Functions names it. */
function taskError(name: string, message = name): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

interface Outcome {
  readonly states: string[];
  readonly glueCalls: Json[];
  readonly dynamoTables: string[];
  readonly failure?: { error: string; cause: string };
}

interface Stubs {
  /** What the Glue task does on each call, in order (the last one repeats): a result or an error to throw. */
  readonly glue?: Array<Json | Error>;
  /** Errors the DynamoDB tasks throw before reaching the table (e.g. throttling), per state, in order. */
  readonly dynamoErrors?: Record<string, Error[]>;
  /** Runs inside the Glue task, before it returns. */
  readonly onRun?: () => Promise<unknown>;
  /** Replaces the first MarkRunning attempt (the retries reach the table). */
  readonly onMarkRunning?: () => Promise<unknown>;
}

/** The state machine of an orchestrator with these props (no declared partitions), ready to run. */
function machineWith(props: Partial<PartitionedJobOrchestratorProps>): LocalStepFunctions.StateMachine {
  const built = orchestratorStack({ partitions: [], ...props });
  return new StateMachine(stateMachineDefinition(built.stack, 'Providers/StateMachine') as LocalStepFunctions.StateMachineDefinition);
}

/** Runs one execution against the test table (with the default orchestrator's state machine unless told otherwise). */
async function execute(input: Json, stubs: Stubs = {}, stateMachine: LocalStepFunctions.StateMachine = machine): Promise<Outcome> {
  const glueCalls: Json[] = [];
  const dynamoTables: string[] = [];
  const glue = stubs.glue ?? [{ Id: RUN_ID, JobRunState: 'SUCCEEDED', ExecutionTime: 95 }];
  const dynamoErrors = Object.fromEntries(Object.entries(stubs.dynamoErrors ?? {}).map(([k, v]) => [k, [...v]]));
  let firstMarkRunning = true;
  const dynamo = (state: string) => async (params: Json) => {
    if (state === 'MarkRunning' && stubs.onMarkRunning && firstMarkRunning) {
      firstMarkRunning = false;
      await stubs.onMarkRunning();
    }
    const pending = dynamoErrors[state]?.shift();
    if (pending) throw pending;
    const request = params as unknown as UpdateItemCommandInput;
    dynamoTables.push(request.TableName!);
    try {
      await ddb.client.send(new UpdateItemCommand({ ...request, TableName: table }));
      return {};
    } catch (e) {
      // The optimized integration prefixes the service's error names.
      throw taskError(`DynamoDB.${(e as Error).name}`, (e as Error).message);
    }
  };
  const handlers: TaskHandlers = {
    MarkRunning: dynamo('MarkRunning'),
    MarkSucceeded: dynamo('MarkSucceeded'),
    MarkFailed: dynamo('MarkFailed'),
    MarkFailedAtMaxDelay: dynamo('MarkFailedAtMaxDelay'),
    RunJob: async (params: Json) => {
      const step = glue[Math.min(glueCalls.length, glue.length - 1)];
      glueCalls.push(params);
      await stubs.onRun?.();
      if (step instanceof Error) throw step;
      return step;
    },
  };
  const execution = stateMachine.run(input, {
    overrides: {
      taskResourceLocalHandlers: handlers,
      retryIntervalOverrides: { RunJob: 0, MarkRunning: 0, MarkSucceeded: 0, MarkFailed: 0, MarkFailedAtMaxDelay: 0 },
    },
    context: { Execution: { Id: ME }, State: { EnteredTime: ENTERED } },
  });
  let failure: Outcome['failure'];
  try {
    await execution.result;
  } catch (e) {
    if (!(e instanceof ExecutionError)) throw e;
    const cause = e.cause as Error;
    failure = { error: cause.name, cause: cause.message };
  }
  const states: string[] = [];
  for await (const event of execution.eventLogs) {
    if (event.type === 'StateEntered') states.push(event.state.name);
  }
  return { states, glueCalls, dynamoTables, failure };
}

/** The registry item of a partition, unmarshalled to plain strings and numbers. */
async function item(partitionId = 'acme'): Promise<Record<string, string | number> | undefined> {
  const out = await ddb.client.send(new GetItemCommand({ TableName: table, Key: { partitionId: { S: partitionId } }, ConsistentRead: true }));
  if (!out.Item) return undefined;
  return Object.fromEntries(Object.entries(out.Item).map(([k, v]: [string, AttributeValue]) => [k, v.N !== undefined ? Number(v.N) : v.S!]));
}

async function seed(spec: Partial<Parameters<typeof partitionItem>[0]> = {}): Promise<void> {
  await putItems(ddb.client, table, [partitionItem({ partitionId: 'acme', dueAt: 0, frequencyMinutes: 60, ...spec })]);
}

describe('success path', () => {
  test('marks the partition running, runs the job for it, then records the success and when it is next due', async () => {
    await seed();
    const outcome = await execute(INPUT);

    expect(outcome.failure).toBeUndefined();
    expect(outcome.states).toEqual(['CheckInput', 'MarkRunning', 'RunJob', 'CheckRunState', 'MarkSucceeded', 'Done']);
    expect(outcome.glueCalls).toEqual([{ JobName: JOB_NAME, Arguments: { '--partition': 'acme' } }]);
    expect(outcome.dynamoTables).toEqual([REGISTRY_LOGICAL_ID, REGISTRY_LOGICAL_ID]);
    expect(await item()).toEqual({
      partitionId: 'acme',
      schedule: 'active',
      frequencyMinutes: 60,
      status: 'SUCCEEDED',
      executionArn: ME,
      // the emulator sets $$.Execution.StartTime to the real start time
      startedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      lastSuccessAt: ENTERED,
      lastRunId: RUN_ID,
      dueAt: NEXT_DUE,
    });
  });

  test('the argument name is configurable', async () => {
    const custom = orchestratorStack({ partitions: [], argumentName: '--provider' });
    const customMachine = new StateMachine(stateMachineDefinition(custom.stack, 'Providers/StateMachine') as LocalStepFunctions.StateMachineDefinition);
    let args: Json = null;
    await customMachine.run(INPUT, {
      overrides: {
        taskResourceLocalHandlers: {
          MarkRunning: async () => ({}),
          MarkSucceeded: async () => ({}),
          RunJob: async (params: Json) => {
            args = (params as { Arguments: Json }).Arguments;
            return { Id: RUN_ID, JobRunState: 'SUCCEEDED' };
          },
        },
      },
      context: { Execution: { Id: ME }, State: { EnteredTime: ENTERED } },
    }).result;

    expect(args).toEqual({ '--provider': 'acme' });
  });
});

describe('failure path', () => {
  test('a failed Glue run marks the partition failed with the error and cause, due again one schedule interval after its slot, and ends in Fail', async () => {
    await seed({ dueAt: 0 });
    const outcome = await execute(INPUT, { glue: [taskError('States.TaskFailed', FAILED_RUN_CAUSE)] });

    expect(outcome.states).toEqual(['CheckInput', 'MarkRunning', 'RunJob', 'DescribeRunError', 'ReadFailedRun', 'DescribeFailedRun', 'MarkFailed', 'Failed']);
    expect(outcome.failure).toEqual({ error: 'States.TaskFailed', cause: runFailedCause('FAILED') });
    expect(await item()).toMatchObject({
      status: 'FAILED',
      executionArn: ME,
      lastFailureAt: ENTERED,
      lastError: 'States.TaskFailed',
      lastCause: runFailedCause('FAILED'),
      // retryFailedAfter defaults to the schedule interval (15 minutes): due at the next slot
      dueAt: SLOT_SECONDS + 900,
      consecutiveFailures: 1,
      nextRetryDelaySeconds: 1800,
    });
    expect(await item()).not.toHaveProperty('lastSuccessAt');
  });

  test('a previous success is kept when a later run fails', async () => {
    await seed();
    await execute(INPUT);
    // the next slot at which the partition is due again
    const later = { ...INPUT, slot: new Date(NEXT_DUE * 1000).toISOString(), slotSeconds: NEXT_DUE, nextDueAt: NEXT_DUE + 3600 };
    const outcome = await execute(later, { glue: [taskError('States.TaskFailed', FAILED_RUN_CAUSE)] });

    expect(outcome.failure?.error).toBe('States.TaskFailed');
    expect(await item()).toMatchObject({ status: 'FAILED', lastSuccessAt: ENTERED, lastRunId: RUN_ID, dueAt: NEXT_DUE + 900, consecutiveFailures: 1 });
  });

  test('when the success cannot be recorded (the lock moved to another execution), the execution fails and leaves the new owner alone', async () => {
    await seed();
    const outcome = await execute(INPUT, {
      // While the job runs, another execution takes the partition over.
      onRun: () => ddb.client.send(new UpdateItemCommand({
        TableName: table,
        Key: { partitionId: { S: 'acme' } },
        UpdateExpression: 'SET executionArn = :other',
        ExpressionAttributeValues: { ':other': { S: OTHER } },
      })),
    });

    // MarkFailed's condition fails (the lock), then MarkFailedAtMaxDelay's (the same lock).
    expect(outcome.states).toEqual(['CheckInput', 'MarkRunning', 'RunJob', 'CheckRunState', 'MarkSucceeded', 'MarkFailed', 'MarkFailedAtMaxDelay', 'Failed']);
    expect(outcome.failure?.error).toBe('DynamoDB.ConditionalCheckFailedException');
    expect(await item()).toMatchObject({ status: 'RUNNING', executionArn: OTHER, dueAt: 0 });
    expect(await item()).not.toHaveProperty('lastSuccessAt');
    expect(await item()).not.toHaveProperty('consecutiveFailures');
  });

  test('an error marking the partition running (other than the lock) fails the execution without touching the item', async () => {
    await seed({ status: 'SUCCEEDED', executionArn: OTHER });
    const outcome = await execute(INPUT, { dynamoErrors: { MarkRunning: [taskError('DynamoDB.AmazonDynamoDBException', 'User is not authorized to perform: dynamodb:UpdateItem')] } });

    expect(outcome.states).toEqual(['CheckInput', 'MarkRunning', 'MarkFailed', 'MarkFailedAtMaxDelay', 'Failed']);
    expect(outcome.failure).toEqual({ error: 'DynamoDB.AmazonDynamoDBException', cause: 'User is not authorized to perform: dynamodb:UpdateItem' });
    expect(outcome.glueCalls).toEqual([]);
    expect(await item()).toEqual({ partitionId: 'acme', schedule: 'active', frequencyMinutes: 60, dueAt: 0, status: 'SUCCEEDED', executionArn: OTHER });
  });
});

describe('outcomes of the Glue run, as Step Functions reports them', () => {
  // Under glue:startJobRun.sync a run that FAILED or TIMEOUT fails the task with States.TaskFailed. The documentation does
  // not say what a STOPPED (or ERROR) run does to the task: if it returns normally, the run must not count as a success.
  test.each(['STOPPED', 'ERROR', 'TIMEOUT', 'FAILED'])('a run returned in state %s is recorded as a failure, not a success; the partition is due again after the retry delay', async state => {
    await seed({ dueAt: SLOT_SECONDS - 60 });
    const outcome = await execute(INPUT, { glue: [{ Id: RUN_ID, JobRunState: state }] });

    expect(outcome.states).toEqual(['CheckInput', 'MarkRunning', 'RunJob', 'CheckRunState', 'RunNotSucceeded', 'DescribeRunNotSucceeded', 'MarkFailed', 'Failed']);
    const cause = `The Glue job run ${RUN_ID} ended in state ${state}: ${consoleLink(RUN_ID)}`;
    expect(outcome.failure).toEqual({ error: 'JobRunNotSucceeded', cause });
    const recorded = await item();
    expect(recorded).toMatchObject({ status: 'FAILED', lastError: 'JobRunNotSucceeded', lastCause: cause, lastFailureAt: ENTERED, dueAt: SLOT_SECONDS + 900, consecutiveFailures: 1 });
    expect(recorded).not.toHaveProperty('lastSuccessAt');
    expect(recorded).not.toHaveProperty('lastRunId');
  });

  test.each<[string, string, string, string]>([
    ['a failed run', 'States.TaskFailed', FAILED_RUN_CAUSE, runFailedCause('FAILED')],
    ['a timed-out run', 'States.TaskFailed', JSON.stringify({ Id: RUN_ID, JobRunState: 'TIMEOUT', ErrorMessage: 'Job run timed out' }), runFailedCause('TIMEOUT')],
    ['a denied StartJobRun', 'Glue.AccessDeniedException', 'User is not authorized to perform: glue:StartJobRun', runErrorCause('Glue.AccessDeniedException')],
    ['a job that does not exist', 'Glue.EntityNotFoundException', 'Job not found', runErrorCause('Glue.EntityNotFoundException')],
  ])('%s (%s) is recorded once, without a retry, by its run id, state and error name', async (_, error, cause, recorded) => {
    await seed();
    const outcome = await execute(INPUT, { glue: [taskError(error, cause)] });

    expect(outcome.glueCalls).toHaveLength(1);
    expect(outcome.states).toEqual(expect.arrayContaining(['CheckInput', 'MarkRunning', 'RunJob', 'DescribeRunError', 'MarkFailed', 'Failed']));
    expect(outcome.failure).toEqual({ error, cause: recorded });
    expect(await item()).toMatchObject({ status: 'FAILED', lastError: error, lastCause: recorded });
  });

  test.each<[string, string]>([
    // As reported for glue:startJobRun.sync: the optimized integration names Glue's unmodelled throttling error AWSGlueException.
    ['Glue.AWSGlueException', 'Rate exceeded (Service: AWSGlue; Status Code: 400; Error Code: ThrottlingException; Proxy: null)'],
    ['Glue.ThrottlingException', 'Rate exceeded'],
    ['Glue.InternalServiceException', 'Internal service error'],
  ])('%s is retried, then the run succeeds', async (error, cause) => {
    await seed();
    const outcome = await execute(INPUT, { glue: [taskError(error, cause), { Id: RUN_ID, JobRunState: 'SUCCEEDED' }] });

    expect(outcome.failure).toBeUndefined();
    expect(outcome.glueCalls).toHaveLength(2);
    expect(await item()).toMatchObject({ status: 'SUCCEEDED', lastRunId: RUN_ID });
  });
});

describe('retries', () => {
  test('ConcurrentRunsExceededException is retried, then the run succeeds', async () => {
    await seed();
    const busy = () => taskError('Glue.ConcurrentRunsExceededException', 'Concurrent runs exceeded for job');
    const outcome = await execute(INPUT, { glue: [busy(), busy(), { Id: RUN_ID, JobRunState: 'SUCCEEDED' }] });

    expect(outcome.failure).toBeUndefined();
    expect(outcome.glueCalls).toHaveLength(3);
    expect(await item()).toMatchObject({ status: 'SUCCEEDED', lastRunId: RUN_ID });
  });

  test('ConcurrentRunsExceededException gives up after 6 retries and marks the partition failed', async () => {
    await seed();
    const outcome = await execute(INPUT, { glue: [taskError('Glue.ConcurrentRunsExceededException', 'Concurrent runs exceeded for job')] });

    expect(outcome.glueCalls).toHaveLength(7);
    expect(outcome.failure?.error).toBe('Glue.ConcurrentRunsExceededException');
    expect(await item()).toMatchObject({ status: 'FAILED', lastError: 'Glue.ConcurrentRunsExceededException' });
  });

  test('Glue throttling is retried', async () => {
    await seed();
    const outcome = await execute(INPUT, { glue: [taskError('Glue.ThrottlingException', 'Rate exceeded'), { Id: RUN_ID, JobRunState: 'SUCCEEDED' }] });

    expect(outcome.failure).toBeUndefined();
    expect(outcome.glueCalls).toHaveLength(2);
  });

  test.each([
    'DynamoDB.RequestLimitExceeded', 'DynamoDB.RequestLimitExceededException', 'DynamoDB.ThrottlingException',
    'DynamoDB.InternalServerError', 'DynamoDB.InternalServerErrorException',
  ])('%s on MarkRunning is retried', async error => {
    await seed();
    const outcome = await execute(INPUT, { dynamoErrors: { MarkRunning: [taskError(error, 'try again')] } });

    expect(outcome.failure).toBeUndefined();
    expect(outcome.glueCalls).toHaveLength(1);
  });

  test('DynamoDB throttling on the registry updates is retried', async () => {
    await seed();
    const throttled = () => taskError('DynamoDB.ProvisionedThroughputExceededException', 'The level of configured provisioned throughput for the table was exceeded');
    const outcome = await execute(INPUT, { dynamoErrors: { MarkRunning: [throttled(), throttled()], MarkSucceeded: [throttled()] } });

    expect(outcome.failure).toBeUndefined();
    expect(await item()).toMatchObject({ status: 'SUCCEEDED' });
  });
});

describe('failure backoff', () => {
  /** The input of the execution of the partition in the slot at `slotSeconds`. */
  const inputAt = (slotSeconds: number) => ({
    ...INPUT, slot: new Date(slotSeconds * 1000).toISOString(), slotSeconds, nextDueAt: slotSeconds + 3600,
  });
  const failedRun = { glue: [taskError('States.TaskFailed', FAILED_RUN_CAUSE)] };

  /**
   * Fails the partition `count` times in a row, each run in the slot its previous failure made it due at; returns, per
   * failure, the delay it set (dueAt minus its slot), the counter, the delay kept for the next failure and the states.
   */
  async function failRepeatedly(count: number, stateMachine: LocalStepFunctions.StateMachine = machine) {
    const recorded = [];
    let slotSeconds = SLOT_SECONDS;
    for (let n = 1; n <= count; n++) {
      const outcome = await execute(inputAt(slotSeconds), failedRun, stateMachine);
      expect(outcome.glueCalls).toHaveLength(1);
      expect(outcome.failure?.error).toBe('States.TaskFailed');
      const after = (await item())!;
      recorded.push({
        delay: Number(after.dueAt) - slotSeconds,
        failures: after.consecutiveFailures,
        next: after.nextRetryDelaySeconds,
        // the states after DescribeFailedRun
        states: outcome.states.slice(6),
      });
      slotSeconds = Number(after.dueAt);
    }
    return recorded;
  }

  test('by default the delay starts at the schedule interval (15 minutes), doubles per consecutive failure, and stops at 24 hours', async () => {
    await seed();
    const recorded = await failRepeatedly(9);

    const delays = [900, 1800, 3600, 7200, 14400, 28800, 57600, 86400, 86400];
    expect(recorded.map(r => r.delay)).toEqual(delays);
    expect(delays).toEqual(delays.map((_, i) => retryDelaySeconds(i + 1, 900, 86400)));
    expect(recorded.map(r => r.failures)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(recorded.map(r => r.next)).toEqual([1800, 3600, 7200, 14400, 28800, 57600, 86400, 86400, 86400]);
    // Doubling 57,600 s would pass the maximum: from the 7th failure on, the maximum is kept.
    expect(recorded.map(r => r.states)).toEqual([
      ...Array(6).fill(['MarkFailed', 'Failed']),
      ...Array(3).fill(['MarkFailed', 'MarkFailedAtMaxDelay', 'Failed']),
    ]);
  });

  test('retryFailedAfter and retryFailedAfterMax set the first delay and the cap, also when the cap is not the first delay doubled', async () => {
    await seed();
    const recorded = await failRepeatedly(4, machineWith({ retryFailedAfter: Duration.hours(1), retryFailedAfterMax: Duration.hours(3) }));

    expect(recorded.map(r => r.delay)).toEqual([3600, 7200, 10800, 10800]);
    expect(recorded.map(r => r.failures)).toEqual([1, 2, 3, 4]);
    expect(recorded.map(r => r.next)).toEqual([7200, 10800, 10800, 10800]);
  });

  test('a cap equal to the first delay retries at a fixed delay', async () => {
    await seed();
    const recorded = await failRepeatedly(3, machineWith({ retryFailedAfter: Duration.hours(2), retryFailedAfterMax: Duration.hours(2) }));

    expect(recorded.map(r => r.delay)).toEqual([7200, 7200, 7200]);
    expect(recorded.map(r => r.failures)).toEqual([1, 2, 3]);
  });

  test('a success resets the counter and the delay: the next failure waits retryFailedAfter again', async () => {
    await seed();
    await failRepeatedly(3);
    const retrySlot = Number((await item())!.dueAt);
    const success = await execute(inputAt(retrySlot));

    expect(success.failure).toBeUndefined();
    const afterSuccess = await item();
    expect(afterSuccess).toMatchObject({ status: 'SUCCEEDED', dueAt: retrySlot + 3600 });
    expect(afterSuccess).not.toHaveProperty('consecutiveFailures');
    expect(afterSuccess).not.toHaveProperty('nextRetryDelaySeconds');

    await execute(inputAt(retrySlot + 3600), failedRun);
    expect(await item()).toMatchObject({ status: 'FAILED', dueAt: retrySlot + 3600 + 900, consecutiveFailures: 1, nextRetryDelaySeconds: 1800 });
  });

  test('a failed partition is not run before its retry time, even by an execution started for an earlier slot', async () => {
    await seed();
    await failRepeatedly(2);
    // The second failure (in the slot 15 minutes after the first) set dueAt 30 minutes after its slot.
    const retryAt = SLOT_SECONDS + 900 + 1800;
    expect(await item()).toMatchObject({ dueAt: retryAt, consecutiveFailures: 2 });

    const early = await execute(inputAt(retryAt - 900));
    expect(early.states).toEqual(['CheckInput', 'MarkRunning', 'Skipped']);
    expect(early.glueCalls).toEqual([]);
    expect(await item()).toMatchObject({ status: 'FAILED', dueAt: retryAt, consecutiveFailures: 2 });

    const onTime = await execute(inputAt(retryAt));
    expect(onTime.glueCalls).toHaveLength(1);
    expect(await item()).toMatchObject({ status: 'SUCCEEDED', dueAt: retryAt + 3600 });
  });
});

describe('locking', () => {
  test('a partition another execution is running is skipped: no run, item unchanged', async () => {
    await seed({ status: 'RUNNING', executionArn: OTHER });
    const outcome = await execute(INPUT);

    expect(outcome.failure).toBeUndefined();
    expect(outcome.states).toEqual(['CheckInput', 'MarkRunning', 'Skipped']);
    expect(outcome.glueCalls).toEqual([]);
    expect(await item()).toMatchObject({ status: 'RUNNING', executionArn: OTHER });
  });

  test('the stale lock of a dead execution is taken over when the dispatcher names it', async () => {
    await seed({ status: 'RUNNING', executionArn: OTHER });
    const outcome = await execute({ ...INPUT, takeOverExecution: OTHER });

    expect(outcome.failure).toBeUndefined();
    expect(outcome.glueCalls).toHaveLength(1);
    expect(await item()).toMatchObject({ status: 'SUCCEEDED', executionArn: ME });
  });

  test('naming another execution than the lock holder does not take the lock', async () => {
    await seed({ status: 'RUNNING', executionArn: OTHER });
    const outcome = await execute({ ...INPUT, takeOverExecution: ME.replace('1015Z', '0945Z') });

    expect(outcome.states.at(-1)).toBe('Skipped');
    expect(outcome.glueCalls).toEqual([]);
  });

  test('a retried MarkRunning whose first write succeeded (answer lost) finds its own lock and runs the job', async () => {
    await seed();
    const outcome = await execute(INPUT, {
      onMarkRunning: async () => {
        // The first attempt reaches the table, then the answer is lost as an internal error.
        await ddb.client.send(new UpdateItemCommand({
          TableName: table,
          Key: { partitionId: { S: 'acme' } },
          UpdateExpression: 'SET #s = :r, executionArn = :me',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: { ':r': { S: 'RUNNING' }, ':me': { S: ME } },
        }));
        throw taskError('DynamoDB.InternalServerErrorException', 'Internal server error');
      },
    });

    expect(outcome.failure).toBeUndefined();
    expect(outcome.glueCalls).toHaveLength(1);
    expect(await item()).toMatchObject({ status: 'SUCCEEDED', executionArn: ME });
  });

  test('a partition whose dueAt was moved past the slot (its run finished meanwhile) is skipped, even when the dispatcher names the finished execution', async () => {
    // The dispatcher saw the item due and RUNNING under OTHER; OTHER then succeeded (dueAt moved on) before the dispatcher
    // described it, so the lock looked stale and this execution was started to take it over.
    await seed({ status: 'SUCCEEDED', executionArn: OTHER, dueAt: NEXT_DUE });
    const outcome = await execute({ ...INPUT, takeOverExecution: OTHER });

    expect(outcome.failure).toBeUndefined();
    expect(outcome.states).toEqual(['CheckInput', 'MarkRunning', 'Skipped']);
    expect(outcome.glueCalls).toEqual([]);
    expect(await item()).toMatchObject({ status: 'SUCCEEDED', executionArn: OTHER, dueAt: NEXT_DUE });
  });

  test('a partition not due at the slot is skipped, whatever its status', async () => {
    await seed({ dueAt: SLOT_SECONDS + 1 });
    const outcome = await execute(INPUT);

    expect(outcome.states.at(-1)).toBe('Skipped');
    expect(outcome.glueCalls).toEqual([]);
    expect(await item()).toEqual({ partitionId: 'acme', schedule: 'active', frequencyMinutes: 60, dueAt: SLOT_SECONDS + 1 });
  });

  test('a partition due exactly at the slot is taken', async () => {
    await seed({ dueAt: SLOT_SECONDS, status: 'FAILED', executionArn: OTHER });
    const outcome = await execute(INPUT);

    expect(outcome.glueCalls).toHaveLength(1);
    expect(await item()).toMatchObject({ status: 'SUCCEEDED', executionArn: ME, dueAt: NEXT_DUE });
  });

  test('a RUNNING item without an execution ARN is taken', async () => {
    await seed({ status: 'RUNNING' });
    const outcome = await execute(INPUT);

    expect(outcome.glueCalls).toHaveLength(1);
    expect(await item()).toMatchObject({ status: 'SUCCEEDED', executionArn: ME });
  });

  test('a partition deleted from the registry is skipped and not re-created', async () => {
    await seed();
    await ddb.client.send(new DeleteItemCommand({ TableName: table, Key: { partitionId: { S: 'acme' } } }));
    const outcome = await execute(INPUT);

    expect(outcome.states.at(-1)).toBe('Skipped');
    expect(outcome.glueCalls).toEqual([]);
    expect(await item()).toBeUndefined();
  });
});

describe('run errors keep no personal data', () => {
  // Spark's error text can quote a row or a value that failed to cast: a planted e-mail address stands for it.
  const PLANTED = 'jane.doe@example.com';
  const plantedCause = (state: string) => JSON.stringify({
    Id: RUN_ID,
    JobName: JOB_NAME,
    JobRunState: state,
    Arguments: { '--partition': 'acme' },
    ErrorMessage: `SparkNumberFormatException: The value '${PLANTED}' of the type "STRING" cannot be cast to "INT"`,
  });

  test.each(['FAILED', 'TIMEOUT'])('a run in state %s whose error text holds a planted value: neither the registry item nor the execution\'s error keep it', async state => {
    await seed();
    const outcome = await execute(INPUT, { glue: [taskError('States.TaskFailed', plantedCause(state))] });

    const recorded = await item();
    expect(JSON.stringify(recorded)).not.toContain(PLANTED);
    expect(JSON.stringify(outcome.failure)).not.toContain(PLANTED);
    expect(recorded).toMatchObject({ status: 'FAILED', lastError: 'States.TaskFailed', lastCause: runFailedCause(state) });
    expect(outcome.failure).toEqual({ error: 'States.TaskFailed', cause: runFailedCause(state) });
  });

  test.each<[string, string]>([
    ['not JSON', `Job run failed for ${PLANTED}`],
    ['JSON without a run id', JSON.stringify({ JobRunState: 'FAILED', ErrorMessage: PLANTED })],
    ['JSON whose run id is only inside the error text', JSON.stringify({ JobRunState: 'FAILED', ErrorMessage: `"Id":"jr_1" ${PLANTED}` })],
  ])('a task failure whose cause is %s keeps only the error name', async (_, cause) => {
    await seed();
    const outcome = await execute(INPUT, { glue: [taskError('States.TaskFailed', cause)] });

    expect(await item()).toMatchObject({ status: 'FAILED', lastError: 'States.TaskFailed', lastCause: runErrorCause('States.TaskFailed') });
    expect(outcome.failure).toEqual({ error: 'States.TaskFailed', cause: runErrorCause('States.TaskFailed') });
  });
});

describe('input', () => {
  test.each([
    ['no partition id', { ...INPUT, partitionId: undefined }],
    ['a numeric partition id', { ...INPUT, partitionId: 42 }],
    ['nextDueAt as a string', { ...INPUT, nextDueAt: String(NEXT_DUE) }],
    ['no slotSeconds', { ...INPUT, slotSeconds: undefined }],
    ['slotSeconds as a string', { ...INPUT, slotSeconds: String(SLOT_SECONDS) }],
    ['no takeOverExecution', { ...INPUT, takeOverExecution: undefined }],
    ['an empty object', {}],
  ])('%s fails with InvalidPartitionInput before touching the registry', async (_, input) => {
    await seed();
    const outcome = await execute(JSON.parse(JSON.stringify(input)));

    expect(outcome.failure).toEqual({ error: PARTITION_INPUT_ERROR, cause: PARTITION_INPUT_CAUSE });
    expect(outcome.states).toEqual(['CheckInput', 'InvalidInput']);
    expect(outcome.dynamoTables).toEqual([]);
    expect(await item()).toEqual({ partitionId: 'acme', schedule: 'active', frequencyMinutes: 60, dueAt: 0 });
  });
});
