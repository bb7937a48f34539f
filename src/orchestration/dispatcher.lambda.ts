/**
 * The dispatcher Lambda of `PartitionedJobOrchestrator`.
 *
 * An EventBridge rule invokes it at the start of every schedule slot. It queries the registry's due
 * index for the active partitions due at the slot, tells the running ones from the stale locks (an
 * execution that is over but left the item `RUNNING`), and starts one execution of the state machine
 * per due partition, within the concurrency budget. Execution names are derived from the partition
 * and the slot, so a retried dispatch of the same slot starts nothing twice.
 *
 * The item format and the naming rule are the contract in `./registry`.
 */
import { DynamoDBClient, QueryCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { DescribeExecutionCommand, ExecutionStatus, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { ScheduledEvent } from 'aws-lambda';
import {
  DUE_AT,
  DUE_INDEX,
  EXECUTION_ARN,
  FREQUENCY_MINUTES,
  MAX_FREQUENCY_MINUTES,
  NO_TAKE_OVER,
  PARTITION_ID,
  PARTITION_ID_EXPECTED,
  PARTITION_ID_PATTERN,
  SCHEDULE,
  SCHEDULE_ACTIVE,
  SCHEDULE_INTERVAL_MINUTES,
  STATUS,
  STATUS_RUNNING,
  executionName,
  slotStart,
  type PartitionExecutionInput,
  ENV_MAX_CONCURRENT_PARTITIONS, ENV_REGISTRY_TABLE_NAME, ENV_SCHEDULE_INTERVAL_MINUTES, ENV_STATE_MACHINE_ARN, MAX_CONCURRENT_PARTITIONS_LIMIT,
} from './registry';
import { jsonLogger, mapWithConcurrency, type Logger } from '../private/handler-runtime';

export { jsonLogger, type LogLevel, type Logger } from '../private/handler-runtime';
export {
  ENV_MAX_CONCURRENT_PARTITIONS, ENV_REGISTRY_TABLE_NAME, ENV_SCHEDULE_INTERVAL_MINUTES, ENV_STATE_MACHINE_ARN, MAX_CONCURRENT_PARTITIONS_LIMIT,
};
/** Items per due-index page, unless the factory is told otherwise. */
export const DEFAULT_PAGE_SIZE = 200;
/** Step Functions calls in flight at once, unless the factory is told otherwise. */
export const DEFAULT_CALL_CONCURRENCY = 10;
/** Attempts per SDK call (the first one included): the SDK's standard retry backs off on throttling. */
export const SDK_MAX_ATTEMPTS = 5;

/** What the dispatcher needs to know; the handler reads it from the environment. */
export interface DispatcherConfig {
  /** The registry table. */
  readonly tableName: string;
  /** The state machine that runs one partition. */
  readonly stateMachineArn: string;
  /** The schedule interval in minutes: one of `SCHEDULE_INTERVAL_MINUTES`. */
  readonly intervalMinutes: number;
  /** How many partitions may run at once (1 to 1000). */
  readonly maxConcurrentPartitions: number;
  /** Items per due-index page. @default 200 */
  readonly pageSize?: number;
  /** Step Functions calls (DescribeExecution, StartExecution) in flight at once. @default 10 */
  readonly callConcurrency?: number;
}

/** What the dispatcher is given. */
export interface DispatcherOptions {
  readonly dynamodb: DynamoDBClient;
  readonly sfn: SFNClient;
  readonly config: DispatcherConfig;
  /** @default - `jsonLogger` */
  readonly log?: Logger;
  /** The current time, used when the event carries no valid `time`. @default - the system clock */
  readonly now?: () => Date;
}

/** The invocation: an EventBridge scheduled event, of which only `time` is read (optional). */
export type DispatchEvent = Partial<Pick<ScheduledEvent<unknown>, 'time'>>;

/** A partition that was not considered because its item is malformed. */
export interface InvalidPartition {
  /** The partition id, or `(missing)`. */
  readonly partitionId: string;
  readonly reason: string;
}

/** A partition whose DescribeExecution or StartExecution failed. */
export interface FailedPartition {
  readonly partitionId: string;
  /** `<error name>: <message>`. */
  readonly error: string;
}

/** What one dispatch did; logged as one line and returned. Partition ids, in query order. */
export interface DispatchSummary {
  /** The slot dispatched (ISO 8601, UTC). */
  readonly slot: string;
  /** How many items the due index returned. */
  readonly considered: number;
  /** Partitions whose execution was started by this invocation (or by a retry whose start is still running). */
  readonly started: readonly string[];
  /** Partitions whose execution for this slot exists already (`ExecutionAlreadyExists`). */
  readonly alreadyStarted: readonly string[];
  /** Partitions whose execution is running: not started, counted against the budget. */
  readonly running: readonly string[];
  /** Partitions whose `RUNNING` lock is stale (execution over, missing or unknown); also in `started`, `alreadyStarted`, `deferred` or `failed`. */
  readonly stale: readonly string[];
  /** Due partitions beyond the concurrency budget: due again at the next slot. */
  readonly deferred: readonly string[];
  /** Malformed items: not started; the invocation fails after dispatching the others. */
  readonly invalid: readonly InvalidPartition[];
  /** Partitions whose DescribeExecution or StartExecution failed: not started, the invocation fails. */
  readonly failed: readonly FailedPartition[];
}

/** The dispatch function `createDispatcher` returns. */
export type Dispatcher = (event: DispatchEvent) => Promise<DispatchSummary>;

/** Thrown after a dispatch in which some partitions failed or some items are invalid, so that the invocation counts as an error (and raises the dispatcher alarm). */
export class DispatchError extends Error {
  public constructor(public readonly summary: DispatchSummary) {
    super(dispatchErrorMessage(summary));
    this.name = 'DispatchError';
  }
}

/** Thrown for a missing or invalid setting. */
export class DispatcherConfigError extends Error {
  public constructor(message: string) {
    super(message);
    this.name = 'DispatcherConfigError';
  }
}

/** Execution statuses of a closed execution: its `RUNNING` lock on the item is stale. */
const OVER: ReadonlySet<string> = new Set<string>([
  ExecutionStatus.SUCCEEDED,
  ExecutionStatus.FAILED,
  ExecutionStatus.TIMED_OUT,
  ExecutionStatus.ABORTED,
  ExecutionStatus.PENDING_REDRIVE,
]);

/** How many failed partition ids the `DispatchError` message lists. */
const MAX_IDS_IN_ERROR = 20;

// ---------------------------------------------------------------------------------------------
// Configuration
// ---------------------------------------------------------------------------------------------

/** Reads and validates the configuration from the environment; the error names the variable. */
export function configFromEnv(env: NodeJS.ProcessEnv): DispatcherConfig {
  const config: DispatcherConfig = {
    tableName: requiredEnv(env, ENV_REGISTRY_TABLE_NAME),
    stateMachineArn: requiredEnv(env, ENV_STATE_MACHINE_ARN),
    intervalMinutes: integerEnv(env, ENV_SCHEDULE_INTERVAL_MINUTES),
    maxConcurrentPartitions: integerEnv(env, ENV_MAX_CONCURRENT_PARTITIONS),
  };
  checkInterval(config.intervalMinutes, `environment variable ${ENV_SCHEDULE_INTERVAL_MINUTES}`);
  checkMaxConcurrent(config.maxConcurrentPartitions, `environment variable ${ENV_MAX_CONCURRENT_PARTITIONS}`);
  return config;
}

function requiredEnv(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name]?.trim();
  if (!value) {
    throw new DispatcherConfigError(`environment variable ${name} is missing or empty`);
  }
  return value;
}

function integerEnv(env: NodeJS.ProcessEnv, name: string): number {
  const value = requiredEnv(env, name);
  if (!/^\d+$/.test(value)) {
    throw new DispatcherConfigError(`environment variable ${name}: expected a whole number, got "${value}"`);
  }
  return Number(value);
}

function checkInterval(value: number, label: string): void {
  if (!SCHEDULE_INTERVAL_MINUTES.includes(value)) {
    throw new DispatcherConfigError(`${label}: expected one of ${SCHEDULE_INTERVAL_MINUTES.join(', ')} (minutes), got ${value}`);
  }
}

function checkMaxConcurrent(value: number, label: string): void {
  if (!Number.isInteger(value) || value < 1 || value > MAX_CONCURRENT_PARTITIONS_LIMIT) {
    throw new DispatcherConfigError(`${label}: expected a whole number from 1 to ${MAX_CONCURRENT_PARTITIONS_LIMIT}, got ${value}`);
  }
}

function checkPositive(value: number, label: string): void {
  if (!Number.isInteger(value) || value < 1) {
    throw new DispatcherConfigError(`${label}: expected a whole number >= 1, got ${value}`);
  }
}

/** Validates a configuration given to the factory; the error names the setting. */
function checkConfig(config: DispatcherConfig): void {
  if (!config.tableName) throw new DispatcherConfigError('config.tableName is empty');
  if (!config.stateMachineArn) throw new DispatcherConfigError('config.stateMachineArn is empty');
  checkInterval(config.intervalMinutes, 'config.intervalMinutes');
  checkMaxConcurrent(config.maxConcurrentPartitions, 'config.maxConcurrentPartitions');
  if (config.pageSize !== undefined) checkPositive(config.pageSize, 'config.pageSize');
  if (config.callConcurrency !== undefined) checkPositive(config.callConcurrency, 'config.callConcurrency');
}

// ---------------------------------------------------------------------------------------------
// Registry items
// ---------------------------------------------------------------------------------------------

type Item = Record<string, AttributeValue>;

/** A valid item of the due index. */
interface Partition {
  readonly partitionId: string;
  readonly frequencyMinutes: number;
  readonly status?: string;
  readonly executionArn?: string;
}

/** A due partition: what its execution input needs. */
interface DuePartition {
  readonly partition: Partition;
  readonly takeOverExecution: string;
}

/** Reads an item of the due index; a string is the reason it is invalid. */
function parseItem(item: Item): Partition | string {
  const partitionId = item[PARTITION_ID]?.S;
  if (partitionId === undefined) return `${PARTITION_ID} is missing or not a string`;
  if (!PARTITION_ID_PATTERN.test(partitionId)) return `${PARTITION_ID} is invalid: expected ${PARTITION_ID_EXPECTED}`;

  const frequency = item[FREQUENCY_MINUTES]?.N;
  if (frequency === undefined) return `${FREQUENCY_MINUTES} is missing or not a number`;
  const frequencyMinutes = Number(frequency);
  if (!Number.isInteger(frequencyMinutes) || frequencyMinutes < 1 || frequencyMinutes > MAX_FREQUENCY_MINUTES) {
    return `${FREQUENCY_MINUTES} is ${frequency}: expected a whole number from 1 to ${MAX_FREQUENCY_MINUTES}`;
  }

  return {
    partitionId,
    frequencyMinutes,
    status: item[STATUS]?.S,
    executionArn: item[EXECUTION_ARN]?.S || undefined,
  };
}

/** The partition id of a (possibly invalid) item, for reports. */
function reportedId(item: Item): string {
  const id = item[PARTITION_ID]?.S;
  return id === undefined ? '(missing)' : id;
}

// ---------------------------------------------------------------------------------------------
// Dispatch
// ---------------------------------------------------------------------------------------------

/** `<name>: <message>` of a thrown value, without its stack or cause. */
function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return `Error: ${String(error)}`;
}

function errorName(error: unknown): string | undefined {
  return error instanceof Error ? error.name : undefined;
}

function dispatchErrorMessage(summary: DispatchSummary): string {
  const list = (ids: string[]): string => {
    const more = ids.length > MAX_IDS_IN_ERROR ? ` and ${ids.length - MAX_IDS_IN_ERROR} more` : '';
    return `${ids.slice(0, MAX_IDS_IN_ERROR).join(', ')}${more}`;
  };
  const parts: string[] = [];
  if (summary.failed.length > 0) {
    parts.push(`${summary.failed.length} partition(s) could not be dispatched: ${list(summary.failed.map(f => f.partitionId))}`);
  }
  if (summary.invalid.length > 0) {
    parts.push(`${summary.invalid.length} registry item(s) are invalid: ${list(summary.invalid.map(i => i.partitionId))}`);
  }
  return `dispatch of slot ${summary.slot} failed: ${parts.join('; ')}`;
}

/** The time the event was scheduled for, or `now()` when it carries none. */
function invocationTime(event: DispatchEvent, now: () => Date, log: Logger): Date {
  if (typeof event.time === 'string') {
    const time = new Date(event.time);
    if (!Number.isNaN(time.getTime())) return time;
  }
  log('warn', 'the event has no valid time: dispatching the slot of the current time', { eventTime: event.time ?? null });
  return now();
}

/** The execution input of a due partition in a slot: a function of the item and the slot only. */
export function executionInput(partitionId: string, frequencyMinutes: number, slot: Date, takeOverExecution: string): PartitionExecutionInput {
  return {
    partitionId,
    slot: slot.toISOString(),
    slotSeconds: slot.getTime() / 1000,
    nextDueAt: slot.getTime() / 1000 + frequencyMinutes * 60,
    takeOverExecution,
  };
}

/**
 * Builds the dispatch function. The handler builds one from the environment; tests build theirs with
 * their own clients and settings.
 */
export function createDispatcher(options: DispatcherOptions): Dispatcher {
  const { dynamodb, sfn, config } = options;
  checkConfig(config);
  const log = options.log ?? jsonLogger;
  const now = options.now ?? (() => new Date());
  const pageSize = config.pageSize ?? DEFAULT_PAGE_SIZE;
  const callConcurrency = config.callConcurrency ?? DEFAULT_CALL_CONCURRENCY;

  /** Every item of the due index with `schedule = active AND dueAt <= slot`, most overdue first. */
  async function queryDue(slotSeconds: number): Promise<Item[]> {
    const items: Item[] = [];
    let exclusiveStartKey: Item | undefined;
    do {
      const page = await dynamodb.send(new QueryCommand({
        TableName: config.tableName,
        IndexName: DUE_INDEX,
        KeyConditionExpression: '#schedule = :active AND #dueAt <= :slot',
        ExpressionAttributeNames: {
          '#schedule': SCHEDULE,
          '#dueAt': DUE_AT,
          '#partitionId': PARTITION_ID,
          '#frequencyMinutes': FREQUENCY_MINUTES,
          '#status': STATUS,
          '#executionArn': EXECUTION_ARN,
        },
        ExpressionAttributeValues: {
          ':active': { S: SCHEDULE_ACTIVE },
          ':slot': { N: String(slotSeconds) },
        },
        ProjectionExpression: '#partitionId, #frequencyMinutes, #status, #executionArn',
        ScanIndexForward: true,
        Limit: pageSize,
        ExclusiveStartKey: exclusiveStartKey,
      }));
      items.push(...(page.Items ?? []));
      exclusiveStartKey = page.LastEvaluatedKey;
    } while (exclusiveStartKey);
    return items;
  }

  /** Whether the execution holding a `RUNNING` lock still runs: `true`, `false` (stale) or the error. */
  async function isStillRunning(executionArn: string): Promise<boolean | { error: unknown }> {
    try {
      const execution = await sfn.send(new DescribeExecutionCommand({ executionArn }));
      if (execution.status === ExecutionStatus.RUNNING) return true;
      if (execution.status !== undefined && OVER.has(execution.status)) return false;
      return { error: new Error(`unexpected execution status ${execution.status}`) };
    } catch (error) {
      if (errorName(error) === 'ExecutionDoesNotExist') return false;
      return { error };
    }
  }

  /** Starts the execution of a partition in a slot; `ExecutionAlreadyExists` means a previous dispatch did. */
  async function start(due: DuePartition, slot: Date): Promise<'started' | 'alreadyStarted' | { error: unknown }> {
    const { partitionId, frequencyMinutes } = due.partition;
    const input = executionInput(partitionId, frequencyMinutes, slot, due.takeOverExecution);
    try {
      await sfn.send(new StartExecutionCommand({
        stateMachineArn: config.stateMachineArn,
        name: executionName(partitionId, slot),
        input: JSON.stringify(input),
      }));
      return 'started';
    } catch (error) {
      if (errorName(error) === 'ExecutionAlreadyExists') return 'alreadyStarted';
      return { error };
    }
  }

  return async function dispatch(event: DispatchEvent): Promise<DispatchSummary> {
    const slot = slotStart(invocationTime(event, now, log), config.intervalMinutes);
    const slotSeconds = slot.getTime() / 1000;
    const items = await queryDue(slotSeconds);

    const invalid: InvalidPartition[] = [];
    const failed: FailedPartition[] = [];
    const running: string[] = [];
    const stale: string[] = [];
    const fail = (partitionId: string, error: unknown, message: string): void => {
      failed.push({ partitionId, error: describeError(error) });
      log('error', message, { slot: slot.toISOString(), partitionId, error: describeError(error) });
    };

    // Valid items, in query order.
    const partitions: Partition[] = [];
    for (const item of items) {
      const parsed = parseItem(item);
      if (typeof parsed === 'string') {
        invalid.push({ partitionId: reportedId(item), reason: parsed });
        log('error', 'invalid registry item: not dispatched', { slot: slot.toISOString(), partitionId: reportedId(item), reason: parsed });
      } else {
        partitions.push(parsed);
      }
    }

    // Tell the running executions from the stale locks; undefined: running, or unknown (failed).
    const classified = await mapWithConcurrency(partitions, callConcurrency, async (partition): Promise<DuePartition | undefined> => {
      if (partition.status !== STATUS_RUNNING) return { partition, takeOverExecution: NO_TAKE_OVER };
      if (partition.executionArn === undefined) {
        stale.push(partition.partitionId);
        return { partition, takeOverExecution: NO_TAKE_OVER };
      }
      const stillRunning = await isStillRunning(partition.executionArn);
      if (stillRunning === true) {
        running.push(partition.partitionId);
        return undefined;
      }
      if (stillRunning === false) {
        stale.push(partition.partitionId);
        return { partition, takeOverExecution: partition.executionArn };
      }
      fail(partition.partitionId, stillRunning.error, 'could not describe the execution holding the lock: not dispatched');
      return undefined;
    });
    const due = classified.filter((d): d is DuePartition => d !== undefined);

    // A partition whose execution could not be described may be running: it uses the budget too, so
    // that the concurrency cap holds.
    const busy = running.length + failed.length;
    const budget = Math.max(0, config.maxConcurrentPartitions - busy);
    const toStart = due.slice(0, budget);
    const deferred = due.slice(budget).map(d => d.partition.partitionId);

    const started: string[] = [];
    const alreadyStarted: string[] = [];
    const outcomes = await mapWithConcurrency(toStart, callConcurrency, d => start(d, slot));
    outcomes.forEach((outcome, i) => {
      const partitionId = toStart[i].partition.partitionId;
      if (outcome === 'started') started.push(partitionId);
      else if (outcome === 'alreadyStarted') alreadyStarted.push(partitionId);
      else fail(partitionId, outcome.error, 'could not start the execution: not dispatched');
    });

    const order = new Map(partitions.map((p, i) => [p.partitionId, i]));
    const inQueryOrder = (ids: string[]): string[] => ids.sort((a, b) => (order.get(a) ?? 0) - (order.get(b) ?? 0));
    const summary: DispatchSummary = {
      slot: slot.toISOString(),
      considered: items.length,
      started,
      alreadyStarted,
      running: inQueryOrder(running),
      stale: inQueryOrder(stale),
      deferred,
      invalid,
      failed: [...failed].sort((a, b) => (order.get(a.partitionId) ?? 0) - (order.get(b.partitionId) ?? 0)),
    };
    log('info', 'dispatch summary', { summary });

    // Invalid items cannot be fixed by a retry, but they fail the invocation too, so that the
    // dispatcher alarm tells the team; the valid partitions have been dispatched already.
    if (summary.failed.length > 0 || summary.invalid.length > 0) throw new DispatchError(summary);
    return summary;
  };
}

// ---------------------------------------------------------------------------------------------
// Lambda entry point
// ---------------------------------------------------------------------------------------------

let dispatcher: Dispatcher | undefined;

/**
 * The Lambda handler. The clients and the configuration are built at the first invocation and kept
 * for the life of the container; an invalid environment fails every invocation with a message that
 * names the variable.
 */
export const handler = async (event: DispatchEvent): Promise<DispatchSummary> => {
  dispatcher ??= createDispatcher({
    config: configFromEnv(process.env),
    dynamodb: new DynamoDBClient({ maxAttempts: SDK_MAX_ATTEMPTS }),
    sfn: new SFNClient({ maxAttempts: SDK_MAX_ATTEMPTS }),
  });
  return dispatcher(event);
};
