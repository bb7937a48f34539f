import { GetItemCommand, UpdateItemCommand, type UpdateItemCommandInput } from '@aws-sdk/client-dynamodb';
import {
  DescribeExecutionCommand,
  ExecutionAlreadyExists,
  ExecutionDoesNotExist,
  ExecutionStatus,
  SFNClient,
  StartExecutionCommand,
  type DescribeExecutionCommandInput,
  type StartExecutionCommandInput,
} from '@aws-sdk/client-sfn';
import type * as LocalStepFunctions from 'aws-local-stepfunctions' with { 'resolution-mode': 'import' };
import { mockClient } from 'aws-sdk-client-mock';
import { orchestratorStack } from './fixtures';
import { createRegistryTable, partitionItem, putItems, type PartitionSpec } from './fixtures-registry';
import { createDispatcher, type DispatchSummary } from '../../src/orchestration/dispatcher.lambda';
import { stateMachineDefinition } from '../helpers/asl';
import { startDynalite, type LocalDynamoDb } from '../helpers/dynalite';
import { EMULATOR_TEST_TIMEOUT_MS } from '../helpers/timeouts';

// Without reserved concurrency, two dispatches can overlap: two containers for the same slot (a retry
// delivered while the first invocation still runs), or a late dispatch of one slot beside the next
// slot's. These tests run the real dispatcher against dynalite, and each execution it starts runs the
// synthesized state machine in aws-local-stepfunctions against the same registry, with a Step
// Functions fake that follows the documented StartExecution semantics of Standard workflows
// (https://docs.aws.amazon.com/step-functions/latest/apireference/API_StartExecution.html): the same
// name and input as an open execution returns that execution; a different input, or a closed
// execution of that name, raises ExecutionAlreadyExists. They count the Glue runs per partition.

// Emulators (dynalite and the local state machine) on a possibly busy machine: generous timeouts.
jest.setTimeout(EMULATOR_TEST_TIMEOUT_MS);

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { StateMachine }: typeof LocalStepFunctions = require('aws-local-stepfunctions');

type TaskHandlers = NonNullable<NonNullable<LocalStepFunctions.RunOptions['overrides']>['taskResourceLocalHandlers']>;

const { stack } = orchestratorStack({ partitions: [] });
const machine = new StateMachine(stateMachineDefinition(stack, 'Providers/StateMachine') as LocalStepFunctions.StateMachineDefinition);

const STATE_MACHINE_ARN = 'arn:aws:states:eu-west-1:111111111111:stateMachine:Providers';
const executionArnOf = (name: string): string => `arn:aws:states:eu-west-1:111111111111:execution:Providers:${name}`;
const RUN_ID = 'jr_' + 'e'.repeat(64);
const at = (iso: string): number => Date.parse(iso) / 1000;

const sfnMock = mockClient(SFNClient);

/** A promise and its resolver. */
function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>(r => { resolve = r; });
  return { promise, resolve };
}

interface Execution {
  readonly name: string;
  readonly arn: string;
  readonly input: string;
  readonly startDate: Date;
  status: ExecutionStatus;
  /** The states entered, in order (filled in when the execution closes). */
  states: string[];
  done: Promise<void>;
}

interface Hooks {
  /** Awaited at the start of each StartExecution call (to interleave dispatches). */
  beforeStart?: () => Promise<void>;
  /** Awaited at the start of each DescribeExecution call. */
  beforeDescribe?: (arn: string) => Promise<void>;
  /** Awaited inside the Glue task, after the run is counted (to hold a run). */
  runGate?: (execution: Execution) => Promise<void>;
  /** Called when an execution's MarkRunning has taken or been refused the lock. */
  onLockDecided?: (execution: Execution) => void;
  /** Whether the Glue run of an execution fails (States.TaskFailed); by default every run succeeds. */
  runFails?: (execution: Execution) => boolean;
}

/** Step Functions for the registry's state machine: StartExecution and DescribeExecution as documented; executions run locally. */
class LocalStepFunctionsService {
  public readonly executions = new Map<string, Execution>();
  /** Partition ids of the Glue runs started, in order. */
  public readonly glueRuns: string[] = [];
  public startCalls = 0;
  /** What a test does at given points, to interleave dispatches and executions. */
  public readonly hooks: Hooks = {};

  public constructor(private readonly db: LocalDynamoDb, private readonly table: string) {
    sfnMock.reset();
    sfnMock.on(StartExecutionCommand).callsFake((input: StartExecutionCommandInput) => this.start(input));
    sfnMock.on(DescribeExecutionCommand).callsFake((input: DescribeExecutionCommandInput) => this.describe(input));
  }

  /** The executions of a partition (their names start with the partition id and a dash followed by the slot stamp). */
  public executionsOf(partitionId: string): Execution[] {
    return [...this.executions.values()].filter(e => JSON.parse(e.input).partitionId === partitionId);
  }

  /** Waits until every execution, including those started meanwhile, has closed. */
  public async settle(): Promise<void> {
    let count: number;
    do {
      count = this.executions.size;
      await Promise.all([...this.executions.values()].map(e => e.done));
    } while (this.executions.size !== count);
  }

  private async start(input: StartExecutionCommandInput): Promise<{ executionArn: string; startDate: Date }> {
    this.startCalls++;
    await this.hooks.beforeStart?.();
    const name = input.name!;
    const existing = this.executions.get(name);
    if (existing) {
      if (existing.status === ExecutionStatus.RUNNING && existing.input === input.input) {
        return { executionArn: existing.arn, startDate: existing.startDate };
      }
      throw new ExecutionAlreadyExists({ message: `Execution Already Exists: '${existing.arn}'`, $metadata: {} });
    }
    const execution: Execution = {
      name, arn: executionArnOf(name), input: input.input ?? '{}', startDate: new Date(), status: ExecutionStatus.RUNNING, states: [], done: Promise.resolve(),
    };
    this.executions.set(name, execution);
    execution.done = this.run(execution);
    return { executionArn: execution.arn, startDate: execution.startDate };
  }

  private async describe(input: DescribeExecutionCommandInput): Promise<{ executionArn: string; status: ExecutionStatus }> {
    const arn = input.executionArn!;
    await this.hooks.beforeDescribe?.(arn);
    const execution = [...this.executions.values()].find(e => e.arn === arn);
    if (!execution) throw new ExecutionDoesNotExist({ message: `Execution Does Not Exist: '${arn}'`, $metadata: {} });
    return { executionArn: arn, status: execution.status };
  }

  private async run(execution: Execution): Promise<void> {
    const dynamo = (state: string) => async (params: unknown) => {
      try {
        await this.db.client.send(new UpdateItemCommand({ ...(params as UpdateItemCommandInput), TableName: this.table }));
        return {};
      } catch (e) {
        // The optimized DynamoDB integration names the service's errors DynamoDB.<name>.
        throw Object.assign(new Error((e as Error).message), { name: `DynamoDB.${(e as Error).name}` });
      } finally {
        if (state === 'MarkRunning') this.hooks.onLockDecided?.(execution);
      }
    };
    const handlers: TaskHandlers = {
      MarkRunning: dynamo('MarkRunning'),
      MarkSucceeded: dynamo('MarkSucceeded'),
      MarkFailed: dynamo('MarkFailed'),
      MarkFailedAtMaxDelay: dynamo('MarkFailedAtMaxDelay'),
      RunJob: async (params: any) => {
        this.glueRuns.push(params.Arguments['--partition']);
        await this.hooks.runGate?.(execution);
        if (this.hooks.runFails?.(execution)) {
          throw Object.assign(new Error(JSON.stringify({ Id: RUN_ID, JobRunState: 'FAILED' })), { name: 'States.TaskFailed' });
        }
        return { Id: RUN_ID, JobRunState: 'SUCCEEDED' };
      },
    };
    const run = machine.run(JSON.parse(execution.input), {
      overrides: {
        taskResourceLocalHandlers: handlers,
        retryIntervalOverrides: { RunJob: 0, MarkRunning: 0, MarkSucceeded: 0, MarkFailed: 0, MarkFailedAtMaxDelay: 0 },
      },
      // the emulator does not set $$.State.EnteredTime, which the registry updates record
      context: { Execution: { Id: execution.arn, Name: execution.name }, State: { EnteredTime: new Date().toISOString() } },
    });
    try {
      await run.result;
      execution.status = ExecutionStatus.SUCCEEDED;
    } catch {
      execution.status = ExecutionStatus.FAILED;
    }
    for await (const event of run.eventLogs) {
      if (event.type === 'StateEntered') execution.states.push(event.state.name);
    }
  }
}

let db: LocalDynamoDb;
let tableCount = 0;
let table: string;
let sfn: LocalStepFunctionsService;

beforeAll(async () => {
  db = await startDynalite();
});
afterAll(async () => {
  await db.close();
});
beforeEach(async () => {
  table = `overlap-${++tableCount}`;
  await createRegistryTable(db.client, table);
  sfn = new LocalStepFunctionsService(db, table);
});

/** A dispatcher as one Lambda container runs it (its own clients), every 15 minutes. */
function dispatcher(maxConcurrentPartitions = 10) {
  return createDispatcher({
    dynamodb: db.client,
    sfn: new SFNClient({ region: 'eu-west-1', credentials: { accessKeyId: 'fake', secretAccessKey: 'fake' } }),
    config: { tableName: table, stateMachineArn: STATE_MACHINE_ARN, intervalMinutes: 15, maxConcurrentPartitions },
    log: () => undefined,
  });
}

/** Holds every StartExecution call until `count` calls have arrived: every dispatch has read the registry before any starts. */
function startBarrier(count: number): () => Promise<void> {
  const all = deferred();
  let arrived = 0;
  return async () => {
    if (++arrived >= count) all.resolve();
    await all.promise;
  };
}

async function seed(...specs: PartitionSpec[]): Promise<void> {
  await putItems(db.client, table, specs.map(partitionItem));
}

async function item(partitionId: string): Promise<Record<string, string | number>> {
  const out = await db.client.send(new GetItemCommand({ TableName: table, Key: { partitionId: { S: partitionId } }, ConsistentRead: true }));
  return Object.fromEntries(Object.entries(out.Item ?? {}).map(([k, v]) => [k, v.N !== undefined ? Number(v.N) : v.S!]));
}

const runsOf = (partitionId: string): number => sfn.glueRuns.filter(p => p === partitionId).length;

test('the fake follows the documented StartExecution semantics of Standard workflows', async () => {
  const client = new SFNClient({ region: 'eu-west-1', credentials: { accessKeyId: 'fake', secretAccessKey: 'fake' } });
  const input = JSON.stringify({ partitionId: 'acme', slot: '2026-11-21T10:15:00.000Z', slotSeconds: at('2026-11-21T10:15:00Z'), nextDueAt: at('2026-11-21T11:15:00Z'), takeOverExecution: 'none' });
  await seed({ partitionId: 'acme', dueAt: 0 });
  const gate = deferred();
  sfn.hooks.runGate = () => gate.promise;

  const first = await client.send(new StartExecutionCommand({ stateMachineArn: STATE_MACHINE_ARN, name: 'acme-20261121T1015Z', input }));
  // same name, same input, execution open: the call succeeds with the same execution
  const again = await client.send(new StartExecutionCommand({ stateMachineArn: STATE_MACHINE_ARN, name: 'acme-20261121T1015Z', input }));
  expect(again.executionArn).toBe(first.executionArn);
  // same name, another input: ExecutionAlreadyExists
  await expect(client.send(new StartExecutionCommand({ stateMachineArn: STATE_MACHINE_ARN, name: 'acme-20261121T1015Z', input: input.replace('"none"', '"other"') })))
    .rejects.toThrow(ExecutionAlreadyExists);
  gate.resolve();
  await sfn.settle();
  // same name and input, execution closed: ExecutionAlreadyExists
  await expect(client.send(new StartExecutionCommand({ stateMachineArn: STATE_MACHINE_ARN, name: 'acme-20261121T1015Z', input }))).rejects.toThrow(ExecutionAlreadyExists);
  expect(sfn.executions.size).toBe(1);
  expect(runsOf('acme')).toBe(1);
});

test('two dispatches of the same slot, interleaved: one execution and one run per due partition', async () => {
  await seed(
    { partitionId: 'acme', dueAt: 0 },
    { partitionId: 'globex', dueAt: at('2026-11-21T10:14:00Z') },
    { partitionId: 'initech', dueAt: at('2026-11-21T10:30:00Z') },
  );
  // both dispatches read the registry before either starts anything (2 partitions x 2 dispatches)
  sfn.hooks.beforeStart = startBarrier(4);
  const event = { time: '2026-11-21T10:15:00Z' };

  const [a, b] = await Promise.all([dispatcher()(event), dispatcher()(event)]);
  await sfn.settle();

  expect(sfn.startCalls).toBe(4);
  for (const summary of [a, b]) {
    // the second call for a name returns the open execution: both invocations see their start succeed
    expect([...summary.started].sort()).toEqual(['acme', 'globex']);
    expect(summary.failed).toEqual([]);
  }
  expect(sfn.executionsOf('acme').map(e => e.name)).toEqual(['acme-20261121T1015Z']);
  expect(sfn.executionsOf('globex').map(e => e.name)).toEqual(['globex-20261121T1015Z']);
  expect(sfn.executionsOf('initech')).toEqual([]);
  expect(runsOf('acme')).toBe(1);
  expect(runsOf('globex')).toBe(1);
  expect(runsOf('initech')).toBe(0);
  expect(await item('acme')).toMatchObject({ status: 'SUCCEEDED', dueAt: at('2026-11-21T11:15:00Z') });
  expect(await item('globex')).toMatchObject({ status: 'SUCCEEDED', dueAt: at('2026-11-21T11:15:00Z') });
});

test('a late dispatch of one slot beside the next slot\'s, interleaved: two executions, one run; the other execution is skipped', async () => {
  await seed({ partitionId: 'acme', dueAt: 0 });
  sfn.hooks.beforeStart = startBarrier(2);
  // No run finishes before both executions have tried to take the lock.
  const decided = deferred();
  let decisions = 0;
  sfn.hooks.onLockDecided = () => { if (++decisions === 2) decided.resolve(); };
  sfn.hooks.runGate = () => decided.promise;

  const summaries: DispatchSummary[] = await Promise.all([
    dispatcher()({ time: '2026-11-21T10:15:00Z' }),
    dispatcher()({ time: '2026-11-21T10:30:00Z' }),
  ]);
  await sfn.settle();

  expect(summaries.map(s => s.started)).toEqual([['acme'], ['acme']]);
  const executions = sfn.executionsOf('acme');
  expect(executions.map(e => e.name).sort()).toEqual(['acme-20261121T1015Z', 'acme-20261121T1030Z']);
  expect(runsOf('acme')).toBe(1);
  expect(executions.map(e => e.states.at(-1)).sort()).toEqual(['Done', 'Skipped']);
  const winner = executions.find(e => e.states.at(-1) === 'Done')!;
  expect(await item('acme')).toMatchObject({ status: 'SUCCEEDED', executionArn: winner.arn, dueAt: JSON.parse(winner.input).nextDueAt });
});

test('a run that ends between the dispatcher\'s query and its stale-lock check is not started again', async () => {
  await seed({ partitionId: 'acme', dueAt: 0 });
  // The 10:00 execution takes the partition; its run is held.
  const running = deferred();
  const release = deferred();
  sfn.hooks.runGate = async execution => {
    if (execution.name === 'acme-20261121T1000Z') {
      running.resolve();
      await release.promise;
    }
  };
  const first = await dispatcher()({ time: '2026-11-21T10:00:00Z' });
  expect(first.started).toEqual(['acme']);
  await running.promise;
  expect(await item('acme')).toMatchObject({ status: 'RUNNING', executionArn: executionArnOf('acme-20261121T1000Z'), dueAt: 0 });

  // The 10:15 dispatch reads the item (RUNNING, due); before it describes the 10:00 execution, that run ends
  // and records its success (dueAt moves to 11:00). The execution is then closed: the lock looks stale.
  sfn.hooks.beforeDescribe = async arn => {
    if (arn === executionArnOf('acme-20261121T1000Z')) {
      release.resolve();
      await sfn.executions.get('acme-20261121T1000Z')!.done;
    }
  };
  const second = await dispatcher()({ time: '2026-11-21T10:15:00Z' });
  await sfn.settle();

  expect(second.stale).toEqual(['acme']);
  expect(second.started).toEqual(['acme']);
  expect(sfn.executions.get('acme-20261121T1015Z')!.states).toEqual(['CheckInput', 'MarkRunning', 'Skipped']);
  expect(runsOf('acme')).toBe(1);
  expect(await item('acme')).toMatchObject({
    status: 'SUCCEEDED', executionArn: executionArnOf('acme-20261121T1000Z'), dueAt: at('2026-11-21T11:00:00Z'),
  });
});

test('a failing partition is dispatched only at its retry times (15, 30, 60 minutes after each failed slot), does not use the concurrency budget while it waits, and runs on its frequency again after a success', async () => {
  await seed({ partitionId: 'acme', dueAt: 0 }, { partitionId: 'globex', dueAt: at('2026-11-21T10:30:00Z') });
  // acme fails until 11:45; globex always succeeds. One partition at a time.
  sfn.hooks.runFails = execution => JSON.parse(execution.input).partitionId === 'acme' && execution.name < 'acme-20261121T1145Z';

  const startedAt: Record<string, readonly string[]> = {};
  for (let slot = Date.parse('2026-11-21T10:00:00Z'); slot <= Date.parse('2026-11-21T12:45:00Z'); slot += 15 * 60_000) {
    const time = new Date(slot).toISOString();
    const summary = await dispatcher(1)({ time });
    await sfn.settle();
    expect(summary.deferred).toEqual([]);
    startedAt[time.slice(11, 16)] = summary.started;
  }

  expect(Object.entries(startedAt).filter(([, ids]) => ids.includes('acme')).map(([slot]) => slot))
    .toEqual(['10:00', '10:15', '10:45', '11:45', '12:45']);
  // globex is due at 10:30 while acme waits for its retry: acme does not hold the only run slot
  expect(startedAt['10:30']).toEqual(['globex']);
  expect(runsOf('acme')).toBe(5);
  expect(await item('acme')).toMatchObject({ status: 'SUCCEEDED', dueAt: at('2026-11-21T13:45:00Z') });
  expect(await item('acme')).not.toHaveProperty('consecutiveFailures');
});
