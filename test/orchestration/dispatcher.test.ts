import { QueryCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DescribeExecutionCommand,
  ExecutionAlreadyExists,
  ExecutionDoesNotExist,
  ExecutionStatus,
  SFNClient,
  StartExecutionCommand,
  StateMachineDoesNotExist,
  type DescribeExecutionCommandInput,
  type StartExecutionCommandInput,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { createRegistryTable, partitionItem, putItems, type PartitionSpec, type RegistryItem } from './fixtures-registry';
import {
  DispatchError,
  configFromEnv,
  createDispatcher,
  handler,
  type DispatchSummary,
  type DispatcherConfig,
} from '../../src/orchestration/dispatcher.lambda';
import { NO_TAKE_OVER, STATUS_FAILED, STATUS_RUNNING, STATUS_SUCCEEDED, type PartitionExecutionInput } from '../../src/orchestration/registry';
import { startDynalite, type LocalDynamoDb } from '../helpers/dynalite';
import { EMULATOR_TEST_TIMEOUT_MS } from '../helpers/timeouts';

// Every test reads and writes dynalite: generous timeouts, so that a busy machine does not fail them.
jest.setTimeout(EMULATOR_TEST_TIMEOUT_MS);

const STATE_MACHINE_ARN = 'arn:aws:states:us-east-1:111111111111:stateMachine:PartitionRun';
const executionArnOf = (name: string): string => `arn:aws:states:us-east-1:111111111111:execution:PartitionRun:${name}`;

/** The slot most tests dispatch: 2026-11-21 10:15 UTC with a 15-minute interval. */
const SLOT = '2026-11-21T10:15:00.000Z';
const SLOT_SECONDS = Date.UTC(2026, 10, 21, 10, 15) / 1000;
const EVENT = { time: '2026-11-21T10:15:00Z' };
const STAMP = '20261121T1015Z';

// ---------------------------------------------------------------------------------------------
// A fake Step Functions with the naming semantics of Standard workflows
// ---------------------------------------------------------------------------------------------

interface FakeExecution {
  readonly name: string;
  readonly arn: string;
  readonly input: string;
  status: ExecutionStatus;
}

const sfnMock = mockClient(SFNClient);

/**
 * StartExecution as Step Functions does it: a new name starts an execution; the same name and input
 * as a running execution returns that execution; a closed execution or a different input raises
 * `ExecutionAlreadyExists`. DescribeExecution reads the executions; an unknown ARN raises
 * `ExecutionDoesNotExist`.
 */
class FakeStepFunctions {
  public readonly executions = new Map<string, FakeExecution>();
  /** StartExecution failures by execution name. */
  public readonly startFailures = new Map<string, Error>();
  /** DescribeExecution failures by execution ARN. */
  public readonly describeFailures = new Map<string, Error>();

  public constructor() {
    sfnMock.reset();
    sfnMock.on(StartExecutionCommand).callsFake(async (input: StartExecutionCommandInput) => this.start(input));
    sfnMock.on(DescribeExecutionCommand).callsFake(async (input: DescribeExecutionCommandInput) => this.describe(input));
  }

  /** Registers an execution that exists before the dispatch (e.g. from an earlier slot); returns its ARN. */
  public addExecution(name: string, status: ExecutionStatus, input = '{}'): string {
    const arn = executionArnOf(name);
    this.executions.set(name, { name, arn, input, status });
    return arn;
  }

  /** The inputs of the executions started for a slot stamp, by partition id. */
  public startedInputs(stamp = STAMP): Map<string, PartitionExecutionInput> {
    const inputs = new Map<string, PartitionExecutionInput>();
    for (const execution of this.executions.values()) {
      if (execution.name.endsWith(`-${stamp}`)) {
        const input = JSON.parse(execution.input) as PartitionExecutionInput;
        inputs.set(input.partitionId, input);
      }
    }
    return inputs;
  }

  /** The names of the executions that exist. */
  public names(): string[] {
    return [...this.executions.keys()].sort();
  }

  /** How many times StartExecution was called. */
  public startCalls(): number {
    return sfnMock.commandCalls(StartExecutionCommand).length;
  }

  private start(input: StartExecutionCommandInput): { executionArn: string; startDate: Date } {
    const name = input.name ?? '';
    if (input.stateMachineArn !== STATE_MACHINE_ARN) {
      throw new StateMachineDoesNotExist({ message: `State Machine Does Not Exist: '${input.stateMachineArn}'`, $metadata: {} });
    }
    const failure = this.startFailures.get(name);
    if (failure) throw failure;
    const existing = this.executions.get(name);
    if (existing) {
      if (existing.input === input.input && existing.status === ExecutionStatus.RUNNING) {
        return { executionArn: existing.arn, startDate: new Date(0) };
      }
      throw new ExecutionAlreadyExists({ message: `Execution Already Exists: '${existing.arn}'`, $metadata: {} });
    }
    const arn = this.addExecution(name, ExecutionStatus.RUNNING, input.input ?? '{}');
    return { executionArn: arn, startDate: new Date(0) };
  }

  private describe(input: DescribeExecutionCommandInput): { executionArn: string; status: ExecutionStatus } {
    const arn = input.executionArn ?? '';
    const failure = this.describeFailures.get(arn);
    if (failure) throw failure;
    const execution = [...this.executions.values()].find(e => e.arn === arn);
    if (!execution) throw new ExecutionDoesNotExist({ message: `Execution Does Not Exist: '${arn}'`, $metadata: {} });
    return { executionArn: arn, status: execution.status };
  }
}

/** An error as the SDK raises it: its `name` is the service's error code. */
function awsError(name: string, message: string): Error {
  return Object.assign(new Error(message), { name });
}

// ---------------------------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------------------------

let db: LocalDynamoDb;
let tableCount = 0;
let logLines: string[];
/** The console method of each log line (the level Lambda's JSON log format records). */
let consoleMethods: string[];
let sfn: FakeStepFunctions;

beforeAll(async () => {
  db = await startDynalite();
});

afterAll(async () => {
  await db.close();
});

beforeEach(() => {
  sfn = new FakeStepFunctions();
  logLines = [];
  consoleMethods = [];
  for (const method of ['info', 'warn', 'error', 'log'] as const) {
    jest.spyOn(console, method).mockImplementation((...args: unknown[]) => {
      logLines.push(String(args[0]));
      consoleMethods.push(method);
    });
  }
});

afterEach(() => {
  jest.restoreAllMocks();
});

/** A fresh registry table holding `items`. */
async function registry(items: readonly RegistryItem[]): Promise<string> {
  const tableName = `registry-${++tableCount}`;
  await createRegistryTable(db.client, tableName);
  await putItems(db.client, tableName, items);
  return tableName;
}

/** A dispatcher of `tableName` with the real (dynalite) DynamoDB client and the fake Step Functions. */
function dispatcherOf(tableName: string, config: Partial<DispatcherConfig> = {}, now?: () => Date) {
  return createDispatcher({
    dynamodb: db.client,
    sfn: new SFNClient({ region: 'us-east-1', credentials: { accessKeyId: 'fake', secretAccessKey: 'fake' } }),
    config: { tableName, stateMachineArn: STATE_MACHINE_ARN, intervalMinutes: 15, maxConcurrentPartitions: 100, ...config },
    now,
  });
}

/** Builds a registry of `partitions` and dispatches `event` once. */
async function dispatchOnce(partitions: readonly PartitionSpec[], config: Partial<DispatcherConfig> = {}, event = EVENT): Promise<DispatchSummary> {
  const tableName = await registry(partitions.map(partitionItem));
  return dispatcherOf(tableName, config)(event);
}

/** The rejection of a dispatch that must fail with `DispatchError`. */
async function dispatchError(promise: Promise<DispatchSummary>): Promise<DispatchError> {
  const error: unknown = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(DispatchError);
  return error as DispatchError;
}

/** Counts the commands a client sends from now on. */
function countCommands(client: DynamoDBClient): () => Array<{ name: string; input: Record<string, unknown> }> {
  const send = jest.spyOn(client, 'send');
  return () => send.mock.calls.map(([command]) => ({
    name: command instanceof QueryCommand ? 'Query' : command.constructor.name,
    input: command.input as Record<string, unknown>,
  }));
}

type LogLine = { level: string; message: string; [field: string]: unknown };
const parsedLogs = (): LogLine[] => logLines.map(line => JSON.parse(line) as LogLine);

const due = (partitionId: string, dueAt: number, extra: Partial<PartitionSpec> = {}): PartitionSpec => ({ partitionId, dueAt, ...extra });

// ---------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------

describe('which partitions are started', () => {
  test('due, never-run and failed partitions start; future and paused ones do not', async () => {
    const summary = await dispatchOnce([
      due('succeeded-due', SLOT_SECONDS - 900, { status: STATUS_SUCCEEDED, executionArn: executionArnOf('succeeded-due-20261121T1000Z') }),
      due('due-at-slot', SLOT_SECONDS, { status: STATUS_SUCCEEDED }),
      due('never-run', 0),
      due('failed-before', SLOT_SECONDS - 60, { status: STATUS_FAILED }),
      due('not-due', SLOT_SECONDS + 1, { status: STATUS_SUCCEEDED }),
      due('far-future', SLOT_SECONDS + 86_400),
      due('paused', 0, { schedule: 'paused' }),
    ]);

    expect(sfn.names()).toEqual([
      `due-at-slot-${STAMP}`,
      `failed-before-${STAMP}`,
      `never-run-${STAMP}`,
      `succeeded-due-${STAMP}`,
    ]);
    // most overdue first
    expect(summary.started).toEqual(['never-run', 'succeeded-due', 'failed-before', 'due-at-slot']);
    expect(summary).toMatchObject({ slot: SLOT, considered: 4, alreadyStarted: [], running: [], stale: [], deferred: [], invalid: [], failed: [] });
    for (const input of sfn.startedInputs().values()) {
      expect(input.takeOverExecution).toBe(NO_TAKE_OVER);
    }
  });

  test('an empty registry starts nothing', async () => {
    const summary = await dispatchOnce([]);
    expect(sfn.startCalls()).toBe(0);
    expect(summary).toEqual({
      slot: SLOT, considered: 0, started: [], alreadyStarted: [], running: [], stale: [], deferred: [], invalid: [], failed: [],
    });
  });

  test('a running execution is not started again', async () => {
    const arn = sfn.addExecution('busy-20261121T1000Z', ExecutionStatus.RUNNING);
    const summary = await dispatchOnce([
      due('busy', SLOT_SECONDS - 900, { status: STATUS_RUNNING, executionArn: arn }),
      due('idle', SLOT_SECONDS - 900, { status: STATUS_SUCCEEDED }),
    ]);
    expect(sfn.names()).toEqual(['busy-20261121T1000Z', `idle-${STAMP}`]);
    expect(summary.running).toEqual(['busy']);
    expect(summary.started).toEqual(['idle']);
    expect(summary.stale).toEqual([]);
  });

  test.each([
    ExecutionStatus.FAILED,
    ExecutionStatus.TIMED_OUT,
    ExecutionStatus.ABORTED,
    ExecutionStatus.SUCCEEDED,
    ExecutionStatus.PENDING_REDRIVE,
  ])('a RUNNING lock held by a %s execution is stale: taken over', async status => {
    const arn = sfn.addExecution('stuck-20261121T0900Z', status);
    const summary = await dispatchOnce([due('stuck', SLOT_SECONDS - 4500, { status: STATUS_RUNNING, executionArn: arn })]);
    expect(summary.stale).toEqual(['stuck']);
    expect(summary.started).toEqual(['stuck']);
    expect(sfn.startedInputs().get('stuck')).toEqual({
      partitionId: 'stuck',
      slot: SLOT,
      slotSeconds: SLOT_SECONDS,
      nextDueAt: SLOT_SECONDS + 3600,
      takeOverExecution: arn,
    });
  });

  test('a RUNNING lock held by an execution that does not exist is stale: taken over', async () => {
    const ghost = executionArnOf('ghost-20260101T0000Z');
    const summary = await dispatchOnce([due('ghost', 0, { status: STATUS_RUNNING, executionArn: ghost })]);
    expect(summary.stale).toEqual(['ghost']);
    expect(sfn.startedInputs().get('ghost')?.takeOverExecution).toBe(ghost);
  });

  test('a RUNNING item without an executionArn is stale: started without a take-over', async () => {
    const summary = await dispatchOnce([due('orphan', SLOT_SECONDS - 60, { status: STATUS_RUNNING })]);
    expect(summary.stale).toEqual(['orphan']);
    expect(summary.started).toEqual(['orphan']);
    expect(sfn.startedInputs().get('orphan')?.takeOverExecution).toBe(NO_TAKE_OVER);
    expect(sfnMock.commandCalls(DescribeExecutionCommand)).toHaveLength(0);
  });

  test('invalid items are reported and logged, not started; the valid ones start, then the invocation fails naming them', async () => {
    const noFrequency = partitionItem(due('no-frequency', 0));
    delete noFrequency.frequencyMinutes;
    const stringFrequency = { ...partitionItem(due('string-frequency', 0)), frequencyMinutes: { S: '15' } };
    const tableName = await registry([
      partitionItem(due('valid', 0)),
      partitionItem(due('bad id', 0)),
      partitionItem(due('-leading-dash', 0)),
      partitionItem(due('x'.repeat(65), 0)),
      noFrequency,
      stringFrequency,
      partitionItem(due('fractional', 0, { frequencyMinutes: 1.5 })),
      partitionItem(due('zero', 0, { frequencyMinutes: 0 })),
      partitionItem(due('too-rare', 0, { frequencyMinutes: 525_601 })),
    ]);

    const error = await dispatchError(dispatcherOf(tableName)(EVENT));

    expect(error.message).toMatch(/^dispatch of slot 2026-11-21T10:15:00.000Z failed: 8 registry item\(s\) are invalid: /);
    const summary = error.summary;
    expect(summary.started).toEqual(['valid']);
    expect(sfn.names()).toEqual([`valid-${STAMP}`]);
    expect(summary.considered).toBe(9);
    const invalid = new Map(summary.invalid.map(i => [i.partitionId, i.reason]));
    expect([...invalid.keys()].sort()).toEqual(['-leading-dash', 'bad id', 'fractional', 'no-frequency', 'string-frequency', 'too-rare', 'x'.repeat(65), 'zero'].sort());
    expect(invalid.get('bad id')).toMatch(/^partitionId is invalid: expected letters, digits/);
    expect(invalid.get('no-frequency')).toBe('frequencyMinutes is missing or not a number');
    expect(invalid.get('string-frequency')).toBe('frequencyMinutes is missing or not a number');
    expect(invalid.get('fractional')).toBe('frequencyMinutes is 1.5: expected a whole number from 1 to 525600');
    expect(invalid.get('zero')).toBe('frequencyMinutes is 0: expected a whole number from 1 to 525600');
    expect(invalid.get('too-rare')).toBe('frequencyMinutes is 525601: expected a whole number from 1 to 525600');
    const errors = parsedLogs().filter(l => l.level === 'error');
    expect(errors.map(l => l.partitionId).sort()).toEqual([...invalid.keys()].sort());
  });
});

describe('execution names and inputs', () => {
  test('the slot is the start of the interval that contains event.time', async () => {
    const summary = await dispatchOnce([
      due('hourly', SLOT_SECONDS - 3600, { frequencyMinutes: 60 }),
      due('daily', SLOT_SECONDS, { frequencyMinutes: 1440 }),
      // due after the slot but before the event time: not due in this slot
      due('later', SLOT_SECONDS + 60),
    ], {}, { time: '2026-11-21T10:29:59Z' });

    expect(summary.slot).toBe(SLOT);
    expect(sfn.names()).toEqual(['daily-20261121T1015Z', 'hourly-20261121T1015Z']);
    expect(JSON.parse(sfn.executions.get('hourly-20261121T1015Z')!.input)).toEqual({
      partitionId: 'hourly',
      slot: '2026-11-21T10:15:00.000Z',
      slotSeconds: SLOT_SECONDS,
      nextDueAt: SLOT_SECONDS + 3600,
      takeOverExecution: 'none',
    });
    expect(JSON.parse(sfn.executions.get('daily-20261121T1015Z')!.input)).toEqual({
      partitionId: 'daily',
      slot: '2026-11-21T10:15:00.000Z',
      slotSeconds: SLOT_SECONDS,
      nextDueAt: SLOT_SECONDS + 86_400,
      takeOverExecution: 'none',
    });
    const call = sfnMock.commandCalls(StartExecutionCommand)[0].args[0].input;
    expect(call.stateMachineArn).toBe(STATE_MACHINE_ARN);
  });

  test('a 60-minute interval aligns the slot to the hour', async () => {
    const hour = Date.UTC(2026, 10, 21, 10) / 1000;
    const summary = await dispatchOnce([
      due('at-hour', hour, { frequencyMinutes: 120 }),
      due('after-hour', hour + 1),
    ], { intervalMinutes: 60 }, { time: '2026-11-21T10:59:59Z' });

    expect(summary.slot).toBe('2026-11-21T10:00:00.000Z');
    expect(sfn.names()).toEqual(['at-hour-20261121T1000Z']);
    expect(sfn.startedInputs('20261121T1000Z').get('at-hour')).toEqual({
      partitionId: 'at-hour', slot: '2026-11-21T10:00:00.000Z', slotSeconds: hour, nextDueAt: hour + 7200, takeOverExecution: 'none',
    });
  });

  test.each([
    ['no time', {}],
    ['an invalid time', { time: 'not a date' }],
  ])('an event with %s dispatches the slot of the current time', async (_, event) => {
    const tableName = await registry([partitionItem(due('p1', 0))]);
    const dispatch = dispatcherOf(tableName, {}, () => new Date('2026-11-21T10:22:10Z'));
    const summary = await dispatch(event);
    expect(summary.slot).toBe(SLOT);
    expect(sfn.names()).toEqual([`p1-${STAMP}`]);
    expect(parsedLogs().some(l => l.level === 'warn' && /no valid time/.test(l.message))).toBe(true);
  });
});

describe('the due index is read page by page', () => {
  test('7 due partitions with pages of 2: 4 Query calls on the due index, every partition started once', async () => {
    const partitions = Array.from({ length: 7 }, (_, i) => due(`p${i}`, SLOT_SECONDS - 100 * (7 - i)));
    const tableName = await registry([...partitions, due('future', SLOT_SECONDS + 60)].map(partitionItem));
    const commands = countCommands(db.client);

    const summary = await dispatcherOf(tableName, { pageSize: 2 })(EVENT);

    const sent = commands();
    expect(sent.map(c => c.name)).toEqual(['Query', 'Query', 'Query', 'Query']);
    for (const { input } of sent) {
      expect(input).toMatchObject({ TableName: tableName, IndexName: 'due', Limit: 2 });
    }
    expect(sent[0].input.ExclusiveStartKey).toBeUndefined();
    expect(sent[1].input.ExclusiveStartKey).toBeDefined();
    expect(summary.started).toEqual(['p0', 'p1', 'p2', 'p3', 'p4', 'p5', 'p6']);
    expect(sfn.startCalls()).toBe(7);
    expect(sfn.names()).toEqual(partitions.map(p => `${p.partitionId}-${STAMP}`));
  });
});

describe('the concurrency budget', () => {
  const fiveDue = [500, 400, 300, 200, 100].map((age, i) => due(`p${i + 1}`, SLOT_SECONDS - age));

  test('maxConcurrentPartitions caps the starts; the least overdue are deferred', async () => {
    const summary = await dispatchOnce([...fiveDue].reverse(), { maxConcurrentPartitions: 3 });
    expect(summary.started).toEqual(['p1', 'p2', 'p3']);
    expect(summary.deferred).toEqual(['p4', 'p5']);
    expect(sfn.names()).toEqual(['p1', 'p2', 'p3'].map(p => `${p}-${STAMP}`));
  });

  test('running executions use the budget; stale locks do not', async () => {
    const r1 = sfn.addExecution('r1-20261121T1000Z', ExecutionStatus.RUNNING);
    const r2 = sfn.addExecution('r2-20261121T1000Z', ExecutionStatus.RUNNING);
    const dead = sfn.addExecution('dead-20261121T1000Z', ExecutionStatus.FAILED);
    const summary = await dispatchOnce([
      ...fiveDue,
      due('r1', SLOT_SECONDS - 900, { status: STATUS_RUNNING, executionArn: r1 }),
      due('r2', SLOT_SECONDS - 900, { status: STATUS_RUNNING, executionArn: r2 }),
      due('dead', SLOT_SECONDS - 900, { status: STATUS_RUNNING, executionArn: dead }),
    ], { maxConcurrentPartitions: 4 });

    expect(summary.running.slice().sort()).toEqual(['r1', 'r2']);
    expect(summary.stale).toEqual(['dead']);
    expect(summary.started).toEqual(['dead', 'p1']);
    expect(summary.deferred).toEqual(['p2', 'p3', 'p4', 'p5']);
    expect(sfn.startCalls()).toBe(2);
  });

  test('no budget left: nothing starts, every due partition is deferred', async () => {
    const r1 = sfn.addExecution('r1-20261121T1000Z', ExecutionStatus.RUNNING);
    const r2 = sfn.addExecution('r2-20261121T1000Z', ExecutionStatus.RUNNING);
    const summary = await dispatchOnce([
      due('p1', 0),
      due('r1', 0, { status: STATUS_RUNNING, executionArn: r1 }),
      due('r2', 0, { status: STATUS_RUNNING, executionArn: r2 }),
    ], { maxConcurrentPartitions: 1 });
    expect(sfn.startCalls()).toBe(0);
    expect(summary.started).toEqual([]);
    expect(summary.deferred).toEqual(['p1']);
  });
});

describe('retries within a slot start nothing twice', () => {
  test('an immediate retry returns the running executions: no new execution', async () => {
    const tableName = await registry([due('a', 0), due('b', SLOT_SECONDS - 60), due('c', SLOT_SECONDS)].map(partitionItem));
    const dispatch = dispatcherOf(tableName);
    await dispatch(EVENT);
    const first = new Map([...sfn.executions].map(([name, e]) => [name, e.input]));
    expect(first.size).toBe(3);

    await dispatch({ time: '2026-11-21T10:16:30Z' });

    expect(sfn.startCalls()).toBe(6);
    expect(new Map([...sfn.executions].map(([name, e]) => [name, e.input]))).toEqual(first);
  });

  test('after the executions took their locks, a retry sees them running or closed', async () => {
    const tableName = await registry([due('a', 0), due('b', 10), due('c', 20)].map(partitionItem));
    const dispatch = dispatcherOf(tableName);
    await dispatch(EVENT);
    const names = sfn.names();

    // the state machine takes the locks; c's execution fails within the slot
    sfn.executions.get(`c-${STAMP}`)!.status = ExecutionStatus.FAILED;
    await putItems(db.client, tableName, [
      partitionItem(due('a', 0, { status: STATUS_RUNNING, executionArn: executionArnOf(`a-${STAMP}`) })),
      partitionItem(due('b', 10, { status: STATUS_RUNNING, executionArn: executionArnOf(`b-${STAMP}`) })),
      partitionItem(due('c', 20, { status: STATUS_FAILED, executionArn: executionArnOf(`c-${STAMP}`) })),
    ]);

    const retry = await dispatch(EVENT);

    expect(retry.running).toEqual(['a', 'b']);
    expect(retry.alreadyStarted).toEqual(['c']);
    expect(retry.started).toEqual([]);
    expect(sfn.names()).toEqual(names);
  });

  test('a take-over retried after its execution failed is reported as already started', async () => {
    const dead = sfn.addExecution('p-20261121T1000Z', ExecutionStatus.ABORTED);
    const tableName = await registry([partitionItem(due('p', 0, { status: STATUS_RUNNING, executionArn: dead }))]);
    const dispatch = dispatcherOf(tableName);
    await dispatch(EVENT);
    sfn.executions.get(`p-${STAMP}`)!.status = ExecutionStatus.FAILED;

    const retry = await dispatch(EVENT);

    expect(retry.alreadyStarted).toEqual(['p']);
    expect(retry.failed).toEqual([]);
    expect(sfn.names()).toEqual(['p-20261121T1000Z', `p-${STAMP}`]);
  });
});

describe('failures', () => {
  test('a failing StartExecution does not stop the others; the invocation fails naming it; a retry starts only it', async () => {
    const tableName = await registry([due('a', 0), due('b', 10), due('c', 20)].map(partitionItem));
    sfn.startFailures.set(`b-${STAMP}`, awsError('ServiceUnavailable', 'try again'));
    const dispatch = dispatcherOf(tableName);

    const error = await dispatchError(dispatch(EVENT));

    expect(error.name).toBe('DispatchError');
    expect(error.message).toBe(`dispatch of slot ${SLOT} failed: 1 partition(s) could not be dispatched: b`);
    expect(error.summary.failed).toEqual([{ partitionId: 'b', error: 'ServiceUnavailable: try again' }]);
    expect(error.summary.started).toEqual(['a', 'c']);
    expect(sfn.names()).toEqual([`a-${STAMP}`, `c-${STAMP}`]);
    expect(parsedLogs().find(l => l.message === 'dispatch summary')?.summary).toEqual(error.summary);

    // Lambda retries the invocation: only b is new
    sfn.startFailures.clear();
    const retry = await dispatch(EVENT);
    expect(retry.failed).toEqual([]);
    expect(sfn.names()).toEqual([`a-${STAMP}`, `b-${STAMP}`, `c-${STAMP}`]);
  });

  test('a wrong state machine fails every partition', async () => {
    const tableName = await registry([due('a', 0), due('b', 10)].map(partitionItem));
    const dispatch = createDispatcher({
      dynamodb: db.client,
      sfn: new SFNClient({ region: 'us-east-1' }),
      config: { tableName, stateMachineArn: `${STATE_MACHINE_ARN}-gone`, intervalMinutes: 15, maxConcurrentPartitions: 10 },
    });
    const error = await dispatchError(dispatch(EVENT));
    expect(error.summary.failed.map(f => f.partitionId)).toEqual(['a', 'b']);
    expect(error.summary.failed[0].error).toMatch(/^StateMachineDoesNotExist: /);
    expect(error.message).toMatch(/: a, b$/);
    expect(sfn.executions.size).toBe(0);
  });

  test('a failing DescribeExecution fails that partition only; it still uses the budget', async () => {
    const unknown = sfn.addExecution('unknown-20261121T1000Z', ExecutionStatus.RUNNING);
    sfn.describeFailures.set(unknown, awsError('AccessDeniedException', 'not authorized to describe'));
    const tableName = await registry([
      due('unknown', 0, { status: STATUS_RUNNING, executionArn: unknown }),
      due('p1', 10),
      due('p2', 20),
    ].map(partitionItem));

    const error = await dispatchError(dispatcherOf(tableName, { maxConcurrentPartitions: 2 })(EVENT));

    expect(error.summary.failed).toEqual([{ partitionId: 'unknown', error: 'AccessDeniedException: not authorized to describe' }]);
    expect(error.summary.started).toEqual(['p1']);
    expect(error.summary.deferred).toEqual(['p2']);
    expect(sfn.startedInputs().has('unknown')).toBe(false);
    expect(error.message).toContain('unknown');
  });

  test('a failure to read the registry rejects before starting anything', async () => {
    const dispatch = dispatcherOf('no-such-table');
    await expect(dispatch(EVENT)).rejects.toThrow(/resource not found|ResourceNotFound/i);
    expect(sfn.startCalls()).toBe(0);
  });
});

describe('configuration', () => {
  const validEnv = {
    REGISTRY_TABLE_NAME: 'registry',
    STATE_MACHINE_ARN,
    SCHEDULE_INTERVAL_MINUTES: '15',
    MAX_CONCURRENT_PARTITIONS: '50',
  };

  test('reads the environment', () => {
    expect(configFromEnv(validEnv)).toEqual({
      tableName: 'registry', stateMachineArn: STATE_MACHINE_ARN, intervalMinutes: 15, maxConcurrentPartitions: 50,
    });
  });

  test.each([
    ['REGISTRY_TABLE_NAME', undefined, 'environment variable REGISTRY_TABLE_NAME is missing or empty'],
    ['REGISTRY_TABLE_NAME', ' ', 'environment variable REGISTRY_TABLE_NAME is missing or empty'],
    ['STATE_MACHINE_ARN', '', 'environment variable STATE_MACHINE_ARN is missing or empty'],
    ['SCHEDULE_INTERVAL_MINUTES', undefined, 'environment variable SCHEDULE_INTERVAL_MINUTES is missing or empty'],
    ['SCHEDULE_INTERVAL_MINUTES', '7', 'environment variable SCHEDULE_INTERVAL_MINUTES: expected one of 1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30, 60, 120, 180, 240, 360, 480, 720, 1440 (minutes), got 7'],
    ['SCHEDULE_INTERVAL_MINUTES', '15.0', 'environment variable SCHEDULE_INTERVAL_MINUTES: expected a whole number, got "15.0"'],
    ['SCHEDULE_INTERVAL_MINUTES', 'quarter', 'environment variable SCHEDULE_INTERVAL_MINUTES: expected a whole number, got "quarter"'],
    ['MAX_CONCURRENT_PARTITIONS', '0', 'environment variable MAX_CONCURRENT_PARTITIONS: expected a whole number from 1 to 1000, got 0'],
    ['MAX_CONCURRENT_PARTITIONS', '1001', 'environment variable MAX_CONCURRENT_PARTITIONS: expected a whole number from 1 to 1000, got 1001'],
    ['MAX_CONCURRENT_PARTITIONS', '-1', 'environment variable MAX_CONCURRENT_PARTITIONS: expected a whole number, got "-1"'],
  ])('%s=%j is rejected', (name, value, message) => {
    const env: NodeJS.ProcessEnv = { ...validEnv, [name]: value };
    if (value === undefined) delete env[name];
    expect(() => configFromEnv(env)).toThrow(message);
  });

  test.each([
    [{ intervalMinutes: 7 }, /config\.intervalMinutes: expected one of/],
    [{ maxConcurrentPartitions: 0 }, /config\.maxConcurrentPartitions: expected a whole number from 1 to 1000, got 0/],
    [{ pageSize: 0 }, /config\.pageSize: expected a whole number >= 1, got 0/],
    [{ tableName: '' }, /config\.tableName is empty/],
  ])('the factory rejects %j', (override, message) => {
    expect(() => dispatcherOf('registry', override)).toThrow(message);
  });

  test('the handler fails with the missing variable, then works once the environment is complete', async () => {
    const tableName = await registry([partitionItem(due('p1', 0))]);
    const env: Record<string, string> = {
      ...validEnv,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'fake',
      AWS_SECRET_ACCESS_KEY: 'fake',
      AWS_ENDPOINT_URL_DYNAMODB: db.endpoint,
    };
    const saved = Object.fromEntries(Object.keys(env).map(name => [name, process.env[name]]));
    try {
      Object.assign(process.env, env);
      delete process.env.REGISTRY_TABLE_NAME;
      await expect(handler(EVENT)).rejects.toThrow('environment variable REGISTRY_TABLE_NAME is missing or empty');

      process.env.REGISTRY_TABLE_NAME = tableName;
      const summary = await handler(EVENT);
      expect(summary.started).toEqual(['p1']);
      expect(sfn.names()).toEqual([`p1-${STAMP}`]);
    } finally {
      for (const [name, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  });
});

describe('logging', () => {
  test('every line is a JSON object with a level; the summary is one info line', async () => {
    const orphanArn = executionArnOf('gone-20260101T0000Z');
    const { summary } = await dispatchError(dispatchOnce([
      due('p1', 0),
      due('gone', 10, { status: STATUS_RUNNING, executionArn: orphanArn }),
      due('bad id', 20),
    ]));

    const lines = parsedLogs();
    expect(lines.length).toBeGreaterThan(0);
    lines.forEach((line, i) => {
      expect(['info', 'warn', 'error']).toContain(line.level);
      expect(typeof line.message).toBe('string');
      // written with the console method of its level, never console.log
      expect(consoleMethods[i]).toBe(line.level);
    });
    expect(lines.some(l => l.level === 'error')).toBe(true);
    const summaries = lines.filter(l => l.message === 'dispatch summary');
    expect(summaries).toHaveLength(1);
    expect(summaries[0].level).toBe('info');
    expect(summaries[0].summary).toEqual(summary);
    expect(summary).toMatchObject({ started: ['p1', 'gone'], stale: ['gone'], invalid: [{ partitionId: 'bad id' }] });
    // no raw DynamoDB items in the logs
    expect(logLines.join('\n')).not.toContain('"S":');
  });
});

describe('load', () => {
  test('1,000 due partitions are each started exactly once in one invocation', async () => {
    const partitions = Array.from({ length: 1000 }, (_, i) => due(`partition-${String(i).padStart(4, '0')}`, SLOT_SECONDS - i, { frequencyMinutes: 15 + (i % 4) * 15 }));
    const tableName = await registry(partitions.map(partitionItem));

    const summary = await dispatcherOf(tableName, { maxConcurrentPartitions: 1000 })(EVENT);

    expect(sfn.startCalls()).toBe(1000);
    const startedNames = sfnMock.commandCalls(StartExecutionCommand).map(c => c.args[0].input.name);
    expect(new Set(startedNames).size).toBe(1000);
    expect(sfn.names()).toEqual(partitions.map(p => `${p.partitionId}-${STAMP}`).sort());
    expect(summary.started).toHaveLength(1000);
    expect(summary.deferred).toEqual([]);
    const inputs = sfn.startedInputs();
    partitions.forEach(p => expect(inputs.get(p.partitionId)?.nextDueAt).toBe(SLOT_SECONDS + (p.frequencyMinutes ?? 0) * 60));
  }, 60_000);
});
