/**
 * The partition registry's item format, shared by `PartitionedJobOrchestrator` (table, index,
 * state machine updates), the dispatcher Lambda and the documentation. Pure values and functions:
 * the dispatcher's bundle includes this file.
 *
 * One item per partition, keyed by `partitionId`:
 *
 * | attribute | type | written by | meaning |
 * |---|---|---|---|
 * | `partitionId` | S | team | the partition (table key; passed to the job as its argument value) |
 * | `schedule` | S | team | `active` to be dispatched; any other value (e.g. `paused`) pauses it |
 * | `frequencyMinutes` | N | team | how often the partition runs, in whole minutes |
 * | `dueAt` | N | team, then state machine | epoch seconds from which it is due (`0`: at the next dispatch); a success sets the slot plus the frequency, a failure the slot plus the retry delay |
 * | `status` | S | state machine | `RUNNING`, `SUCCEEDED` or `FAILED` (absent before the first run) |
 * | `executionArn` | S | state machine | the execution that last took the partition |
 * | `startedAt` | S | state machine | when that execution started (ISO 8601) |
 * | `lastSuccessAt` | S | state machine | when the last run succeeded (ISO 8601) |
 * | `lastRunId` | S | state machine | the Glue run id of the last success |
 * | `lastFailureAt` | S | state machine | when the last run failed (ISO 8601) |
 * | `lastError`, `lastCause` | S | state machine | the error name of the last failure, and its cause: for the Glue run, its id, state, error name and console link, never Glue's error text (it can quote data); for a registry update, DynamoDB's message |
 * | `consecutiveFailures` | N | state machine | failures recorded since the last success (absent after a success, and before the first failure) |
 * | `nextRetryDelaySeconds` | N | state machine | how long after its slot the next failure's retry is due: doubles per consecutive failure up to the maximum (absent after a success: the next failure waits `retryFailedAfter`) |
 *
 * Failure backoff: the n-th consecutive failure sets `dueAt` to its slot plus `retryDelaySeconds(n, ...)`
 * (`retryFailedAfter` doubled per earlier consecutive failure, capped at `retryFailedAfterMax`). The
 * state machine derives it from the item in one conditional update (DynamoDB has no multiplication
 * or minimum): it keeps the delay the next failure will use in `nextRetryDelaySeconds` and doubles it
 * while the double is within the cap, or sets it to the cap. The dispatcher needs nothing more: a
 * failed partition whose `dueAt` is after the slot is not in the due query. Neither attribute is
 * projected into the due index, on purpose: CloudFormation does not update an index's projection
 * (`NonKeyAttributes`: "Updates are not supported"), so a new projected attribute would mean
 * deleting and re-creating the index of every deployed registry.
 *
 * The dispatcher relies on two facts: the state machine moves `dueAt` only when it records the
 * outcome of a run, as the execution's last registry write (a partition being run keeps its `dueAt`
 * and stays in the due query, so it counts against the concurrency budget; a dead execution never
 * recorded its outcome, so its stale `RUNNING` lock stays in the query to be taken over), and a
 * paused partition (`schedule` other than `active`) is not queried at all, so its running execution
 * is not counted. A recorded outcome moves `dueAt` past the execution's slot (the frequency and the
 * retry delay are at least a minute): the item leaves the due query until its new `dueAt`, and no
 * execution of that slot or an earlier one can take it again. The partition is not running then
 * (the execution ends right after its last write), so not counting it is right.
 *
 * The state machine takes a partition (sets `status` to `RUNNING` and `executionArn` to itself)
 * only while the item exists, is still due at the execution's slot (`dueAt <= slotSeconds`: a run
 * that ended after the dispatcher read the item, in success or failure, has moved `dueAt` past the
 * slot), and no other execution holds it (`status` is not `RUNNING`, or the lock is its own, or it
 * is the dead execution the dispatcher named in `takeOverExecution`).
 */

/** The table's partition key. */
export const PARTITION_ID = 'partitionId';
/** `active` (dispatched) or anything else (paused); the hash key of the due index. */
export const SCHEDULE = 'schedule';
/** The value of `schedule` of a partition the dispatcher considers. */
export const SCHEDULE_ACTIVE = 'active';
/** Epoch seconds from which the partition is due; the range key of the due index. */
export const DUE_AT = 'dueAt';
/** How often the partition runs, in whole minutes. */
export const FREQUENCY_MINUTES = 'frequencyMinutes';
/** `RUNNING`, `SUCCEEDED` or `FAILED`. */
export const STATUS = 'status';
/** The ARN of the execution that last took the partition. */
export const EXECUTION_ARN = 'executionArn';
/** Written by the state machine. */
export const STARTED_AT = 'startedAt';
export const LAST_SUCCESS_AT = 'lastSuccessAt';
export const LAST_RUN_ID = 'lastRunId';
export const LAST_FAILURE_AT = 'lastFailureAt';
export const LAST_ERROR = 'lastError';
export const LAST_CAUSE = 'lastCause';
/** Failures recorded since the last success; removed by a success. */
export const CONSECUTIVE_FAILURES = 'consecutiveFailures';
/** Seconds after its slot at which the next failure's retry is due; removed by a success. */
export const NEXT_RETRY_DELAY_SECONDS = 'nextRetryDelaySeconds';

/** The global secondary index the dispatcher queries: `schedule = active AND dueAt <= slot`. */
export const DUE_INDEX = 'due';
/** The attributes the due index projects besides its keys and the table key. */
export const DUE_INDEX_ATTRIBUTES: readonly string[] = [STATUS, EXECUTION_ARN, FREQUENCY_MINUTES];

export const STATUS_RUNNING = 'RUNNING';
export const STATUS_SUCCEEDED = 'SUCCEEDED';
export const STATUS_FAILED = 'FAILED';

/** The environment variables the construct sets on the dispatcher function. */
export const ENV_REGISTRY_TABLE_NAME = 'REGISTRY_TABLE_NAME';
export const ENV_STATE_MACHINE_ARN = 'STATE_MACHINE_ARN';
export const ENV_SCHEDULE_INTERVAL_MINUTES = 'SCHEDULE_INTERVAL_MINUTES';
export const ENV_MAX_CONCURRENT_PARTITIONS = 'MAX_CONCURRENT_PARTITIONS';
/** The most executions one dispatch may start, and the highest accepted `MAX_CONCURRENT_PARTITIONS`. */
export const MAX_CONCURRENT_PARTITIONS_LIMIT = 1000;

/**
 * The properties of a `Custom::PartitionRegistrySeed` custom resource (besides `ServiceToken`), read
 * by the seed Lambda. CloudFormation passes every property value to the provider as a string.
 */
/** The registry table's name (not a property named `...Name`: it names no resource of its own). */
export const SEED_TABLE_NAME = 'RegistryTable';
/** The chunk's partitions as one JSON string: `{"<partitionId>": <frequency in minutes>, ...}`. */
export const SEED_PARTITIONS = 'Partitions';
/** The chunk's index (`0`, `1`, ...): part of the physical resource id. */
export const SEED_CHUNK_INDEX = 'Chunk';
/** The most partitions one seed custom resource carries. */
export const SEED_CHUNK_SIZE = 100;

/** What `takeOverExecution` holds in an execution's input when no stale lock is taken over. */
export const NO_TAKE_OVER = 'none';

/**
 * Partition ids: letters, digits, `_` and `-`, starting with a letter or digit, at most 64
 * characters. They become job argument values and part of execution names, and the executions are
 * logged to CloudWatch Logs, for which Step Functions asks names of only 0-9, A-Z, a-z, `-` and `_`
 * (https://docs.aws.amazon.com/step-functions/latest/apireference/API_StartExecution.html). A `.`
 * could not be replaced in the name without two ids sharing one execution name.
 */
export const PARTITION_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
/** How the pattern reads in error messages. */
export const PARTITION_ID_EXPECTED =
  'letters, digits, "_" and "-", starting with a letter or digit, at most 64 characters (Step Functions logs executions named with these only)';

/** Schedule intervals (minutes) that divide a day evenly, so that slots align with a UTC cron. */
export const SCHEDULE_INTERVAL_MINUTES: readonly number[] = [
  1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30, 60, 120, 180, 240, 360, 480, 720, 1440,
];

/** The longest partition frequency, in minutes (a year). */
export const MAX_FREQUENCY_MINUTES = 525_600;

/** The longest failure retry delay accepted for `retryFailedAfter` and `retryFailedAfterMax`, in minutes (a year). */
export const MAX_RETRY_DELAY_MINUTES = MAX_FREQUENCY_MINUTES;
/** The default `retryFailedAfterMax`, in minutes: a broken partition runs at most about once a day. */
export const DEFAULT_RETRY_FAILED_AFTER_MAX_MINUTES = 1440;

/**
 * How long after its slot the retry of a partition's `failures`-th consecutive failure is due, in
 * seconds: `baseSeconds` doubled per earlier consecutive failure, at most `maxSeconds`
 * (`min(base * 2^(failures - 1), max)`). The state machine's failure update computes the same.
 */
export function retryDelaySeconds(failures: number, baseSeconds: number, maxSeconds: number): number {
  if (!Number.isInteger(failures) || failures < 1) throw new RangeError(`failures: expected a whole number >= 1, got ${failures}`);
  let delay = baseSeconds;
  for (let n = 1; n < failures && delay < maxSeconds; n++) delay *= 2;
  return Math.min(delay, maxSeconds);
}

/** What the dispatcher passes to each execution. */
export interface PartitionExecutionInput {
  /** The partition (the job argument's value). */
  readonly partitionId: string;
  /** The schedule slot the execution belongs to (ISO 8601, UTC). */
  readonly slot: string;
  /** The same slot in epoch seconds: the execution takes the partition only while its `dueAt` is at most this. */
  readonly slotSeconds: number;
  /** When the partition is next due after a success: the slot plus its frequency (epoch seconds). */
  readonly nextDueAt: number;
  /** The ARN of the dead execution whose `RUNNING` lock this execution may take over, or `none`. */
  readonly takeOverExecution: string;
}

/** The start of the schedule slot that contains `time` (slots are aligned to UTC midnight). */
export function slotStart(time: Date, intervalMinutes: number): Date {
  const interval = intervalMinutes * 60_000;
  return new Date(Math.floor(time.getTime() / interval) * interval);
}

/** `20261121T1015Z`: the slot as it appears in execution names. */
export function slotStamp(slot: Date): string {
  return slot.toISOString().replace(/[-:]/g, '').replace(/\d\d\.\d{3}Z$/, 'Z');
}

/**
 * The execution name of a partition in a slot: the same on every retry of a dispatch, so that
 * Step Functions starts it at most once (at most 64 + 1 + 14 = 79 characters).
 */
export function executionName(partitionId: string, slot: Date): string {
  return `${partitionId}-${slotStamp(slot)}`;
}
