import { Annotations, ArnFormat, CustomResource, Duration, Names, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cw_actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as glue from 'aws-cdk-lib/aws-glue';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { DispatcherFunction } from './dispatcher-function';
import {
  ENV_MAX_CONCURRENT_PARTITIONS, ENV_REGISTRY_TABLE_NAME, ENV_SCHEDULE_INTERVAL_MINUTES, ENV_STATE_MACHINE_ARN, MAX_CONCURRENT_PARTITIONS_LIMIT,
  CONSECUTIVE_FAILURES, DEFAULT_RETRY_FAILED_AFTER_MAX_MINUTES, MAX_RETRY_DELAY_MINUTES, NEXT_RETRY_DELAY_SECONDS,
  DUE_AT, DUE_INDEX, DUE_INDEX_ATTRIBUTES, EXECUTION_ARN, LAST_CAUSE, LAST_ERROR, LAST_FAILURE_AT,
  LAST_RUN_ID, LAST_SUCCESS_AT, MAX_FREQUENCY_MINUTES, PARTITION_ID, PARTITION_ID_EXPECTED, PARTITION_ID_PATTERN,
  SCHEDULE, SCHEDULE_INTERVAL_MINUTES, STARTED_AT, STATUS, STATUS_FAILED, STATUS_RUNNING, STATUS_SUCCEEDED,
  SEED_CHUNK_INDEX, SEED_CHUNK_SIZE, SEED_PARTITIONS, SEED_TABLE_NAME,
} from './registry';
import { SeedFunction } from './seed-function';
import { Described, LakeValidationError } from '../private/errors';
import { grantKeyThroughService } from '../private/grants';
import { InlinePolicyRole, lambdaExecutionRole } from '../private/inline-policy-role';
import { acknowledgeNag, HIPAA, inPacks, NIST, PCI, SERVERLESS, wildcardResourceFinding } from '../private/nag';
import { resolveRemovalPolicy } from '../private/removal-policy';
import { describeRun, describeRunFailure, runFacts } from '../private/run-failure';
import { BookmarkedJob } from '../processing/bookmarked-job';
import { acknowledgeOwnPolicy, GlueJob, MANAGED_ARGUMENTS } from '../processing/glue-job';
import { SharedJobResources } from '../processing/shared-job-resources';

const CONSTRUCT = 'PartitionedJobOrchestrator';

/** Declared partitions per registry seed custom resource. */
const SEED_CHUNK = SEED_CHUNK_SIZE;
/** The most partitions the props may declare (more belong in the registry, added with PutItem). */
export const MAX_DECLARED_PARTITIONS = 500;
/** Glue's default job timeout, used when the job's own timeout cannot be read. */
const GLUE_DEFAULT_TIMEOUT_MINUTES = 2880;
/** What an execution may spend waiting for a free run slot (the ConcurrentRunsExceeded retries) and updating the registry. */
const EXECUTION_TIMEOUT_MARGIN_MINUTES = 90;
/** The most reserved concurrency accepted for the dispatcher (as for the tokenizer's functions). */
const MAX_RESERVED_CONCURRENCY = 10_000;

/** The error recorded when a job run returns without an error but did not succeed (e.g. it was stopped). */
export const RUN_NOT_SUCCEEDED_ERROR = 'JobRunNotSucceeded';

/** The error of an execution whose input is not what the dispatcher sends. */
export const PARTITION_INPUT_ERROR = 'InvalidPartitionInput';
/** The cause that explains the expected input. */
export const PARTITION_INPUT_CAUSE =
  'Expected {"partitionId": "<id>", "slot": "<ISO 8601 time>", "slotSeconds": <epoch seconds>, "nextDueAt": <epoch seconds>, "takeOverExecution": "none" | "<execution ARN>"}, '
  + 'as the dispatcher sends it; to run a partition now, set its dueAt to 0 in the registry instead.';

/**
 * A partition declared in the orchestrator's props, written to the registry at deploy time.
 */
export interface PartitionDefinition {
  /**
   * The partition's id: passed to the job as the value of its partition argument and part of the
   * execution names. Letters, digits, `.`, `_` and `-`, starting with a letter or digit, at most
   * 64 characters.
   */
  readonly partitionId: string;

  /**
   * How often the partition runs: it is due again this long after the schedule slot of its last
   * success. Whole minutes, at least the schedule interval, at most 365 days.
   *
   * @default Duration.days(1)
   */
  readonly frequency?: Duration;
}

/**
 * Properties of a `PartitionedJobOrchestrator`.
 */
export interface PartitionedJobOrchestratorProps {
  /**
   * The Glue job run once per partition (a batch job: not a streaming job). It receives the
   * partition as the value of `argumentName`.
   */
  readonly job: glue.IJob;

  /**
   * Partitions written to the registry at deploy time. Deploying again updates their frequency
   * and never resets their state; partitions added to the registry with `PutItem` are left alone,
   * and a partition removed from this list stays in the registry until its item is deleted.
   *
   * @default - none: the registry is filled with `PutItem` (see the README for the item format)
   */
  readonly partitions?: PartitionDefinition[];

  /**
   * How often the dispatcher wakes up. Whole minutes that divide a day (1, 2, 3, 4, 5, 6, 10, 12,
   * 15, 20, 30 or 60 minutes, or 2, 3, 4, 6, 8, 12 or 24 hours): the schedule is a UTC cron, and
   * each wake-up is a slot that names its executions.
   *
   * @default Duration.minutes(15)
   */
  readonly scheduleInterval?: Duration;

  /**
   * The most executions running at once: each dispatch starts at most this many minus those still
   * running. The job's `maxConcurrentRuns` must allow it.
   *
   * @default - the job's `maxConcurrentRuns` when it can be read, otherwise 1
   */
  readonly maxConcurrentPartitions?: number;

  /**
   * The job argument that carries the partition id (`--` followed by letters, digits, `_` or `-`).
   *
   * @default '--partition'
   */
  readonly argumentName?: string;

  /**
   * How long one partition's execution may take (waiting for a run slot, the run, the registry
   * updates). An execution that times out leaves its partition `RUNNING`; the next dispatch sees
   * the execution is over and starts the partition again.
   *
   * @default - the job's timeout plus 90 minutes (Glue's 48-hour default when the job's timeout cannot be read)
   */
  readonly executionTimeout?: Duration;

  /**
   * The shared resources whose key encrypts the registry (unless `encryptionKey` is given) and the
   * log groups, and whose log retention applies.
   *
   * @default - the job's shared resources when it is a `GlueJob`, else `SharedJobResources.of(this)`
   */
  readonly shared?: SharedJobResources;

  /**
   * The customer-managed key of the registry table.
   *
   * @default - the shared resources' key
   */
  readonly encryptionKey?: kms.IKey;

  /**
   * What happens to the registry table when it leaves the stack. `DESTROY` takes effect only with
   * the context key `cdk-glue-lake:removeDataOnDestroy` set to `true`, and turns the table's
   * deletion protection off.
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;

  /**
   * Where the alarms (failed executions, dispatcher errors) notify.
   *
   * @default - the alarms have no action
   */
  readonly alarmTopic?: sns.ITopic;

  /**
   * Reserved concurrency of the dispatcher function: at most this many dispatches run at once.
   * Reserved concurrency is taken from the account's unreserved pool, and Lambda refuses a
   * reservation that leaves less than its minimum unreserved (new accounts have a reduced quota),
   * so none is reserved by default. Overlapping dispatches are safe without it: an execution's name
   * is derived from the partition and the slot, and an execution takes its partition only while no
   * other execution holds it and it is still due at its slot.
   *
   * @default - none: the dispatcher shares the account's unreserved concurrency
   */
  readonly reservedConcurrency?: number;

  /**
   * How long after the slot of a failed run the partition is due again, after its first failure
   * since its last success. Each further consecutive failure doubles the delay, up to
   * `retryFailedAfterMax`; a success resets it. The registry item shows the count
   * (`consecutiveFailures`) and the `dueAt` the failure set. Whole minutes, from the schedule
   * interval to 365 days.
   *
   * @default - the schedule interval: a transient failure is retried at the next slot
   */
  readonly retryFailedAfter?: Duration;

  /**
   * The longest delay between a failed run's slot and the partition's retry, however many
   * consecutive failures: a partition that stays broken runs about once per this delay. Whole
   * minutes, from `retryFailedAfter` to 365 days.
   *
   * @default - 24 hours, or `retryFailedAfter` when it is longer
   */
  readonly retryFailedAfterMax?: Duration;
}

/**
 * Runs a Glue job once per data partition (provider, organisation, tenant), each on its own
 * frequency, concurrently, from a registry the team changes without a deploy.
 *
 * - the partition registry: a DynamoDB table (on-demand, customer-managed key, point-in-time
 *   recovery, deletion protection, RETAIN) with a `due` index the dispatcher queries;
 * - the schedule: an EventBridge rule (UTC cron, every 15 minutes by default) invoking the
 *   dispatcher, a Node 22 ARM Lambda (no reserved concurrency unless `reservedConcurrency` is set),
 *   which starts one execution per due partition with a deterministic name (partition and slot), so
 *   that a retried or overlapping dispatch never starts a partition twice in a slot, and which frees
 *   the lock of an execution that died;
 * - the per-partition state machine (Standard, logged, traced): mark the partition running with a
 *   conditional update (it must still be due at the slot and not held by another execution), run
 *   the job with `startJobRun.sync` (retrying while the job has no free run slot), mark it succeeded
 *   when the run's state is `SUCCEEDED`, or otherwise (an error, or a run that ended in another
 *   state such as `STOPPED`) mark it failed, due again after a delay that doubles per consecutive
 *   failure up to a maximum (`retryFailedAfter`, `retryFailedAfterMax`), and fail;
 * - alarms on failed, timed-out and aborted executions and on dispatcher errors.
 */
export class PartitionedJobOrchestrator extends Construct {
  /** The partition registry. */
  public readonly registryTable: dynamodb.Table;

  /** The per-partition state machine. */
  public readonly stateMachine: sfn.StateMachine;

  /** The dispatcher Lambda. */
  public readonly dispatcher: lambda.Function;

  /** The schedule rule that invokes the dispatcher. */
  public readonly scheduleRule: events.Rule;

  /** Alarms when an execution fails, times out or is aborted. */
  public readonly failureAlarm: cloudwatch.Alarm;

  /** Alarms when a dispatch fails (including when a partition's execution could not be started). */
  public readonly dispatcherAlarm: cloudwatch.Alarm;

  /** The schedule interval. */
  public readonly scheduleInterval: Duration;

  /** The most executions running at once. */
  public readonly maxConcurrentPartitions: number;

  /** The job argument that carries the partition id. */
  public readonly argumentName: string;

  /** How long after a failed run's slot the partition is due again after its first consecutive failure. */
  public readonly retryFailedAfter: Duration;

  /** The longest delay before a failed partition is retried. */
  public readonly retryFailedAfterMax: Duration;

  constructor(scope: Construct, id: string, props: PartitionedJobOrchestratorProps) {
    super(scope, id);
    const job = props.job;
    if (job === undefined || job === null) {
      throw new LakeValidationError(this, CONSTRUCT, 'job', job, 'a Glue job (glue.IJob)');
    }
    const jobFacts = readJob(job);
    if (jobFacts.command === 'gluestreaming') {
      throw new LakeValidationError(this, CONSTRUCT, 'job', job,
        'a batch job: a streaming job runs continuously and never finishes, so it cannot run once per partition');
    }

    this.scheduleInterval = props.scheduleInterval ?? Duration.minutes(15);
    const intervalMinutes = this.validateInterval(this.scheduleInterval);
    this.argumentName = props.argumentName ?? '--partition';
    this.validateArgumentName(this.argumentName);
    this.maxConcurrentPartitions = this.resolveConcurrency(props.maxConcurrentPartitions, jobFacts);
    const partitions = this.validatePartitions(props.partitions ?? [], intervalMinutes);
    const executionTimeout = this.resolveExecutionTimeout(props.executionTimeout, jobFacts);
    const reservedConcurrency = this.validateReservedConcurrency(props.reservedConcurrency);
    const retry = this.resolveRetryDelays(props.retryFailedAfter, props.retryFailedAfterMax, intervalMinutes);
    this.retryFailedAfter = retry.base;
    this.retryFailedAfterMax = retry.max;
    if (job instanceof BookmarkedJob) {
      Annotations.of(this).addWarningV2('cdk-glue-lake:partitionedBookmarks',
        'the job is a BookmarkedJob: a job has one bookmark state, shared by the runs of every partition. '
        + 'Include the partition in the transformation_ctx of each source so that partitions do not skip each other\'s input.');
    }

    const shared = props.shared ?? jobFacts.shared ?? SharedJobResources.of(this);
    const removalPolicy = resolveRemovalPolicy(this, props.removalPolicy);
    const key = props.encryptionKey ?? shared.encryptionKey;

    this.registryTable = new dynamodb.Table(this, 'Registry', {
      partitionKey: { name: PARTITION_ID, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: key,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: removalPolicy !== RemovalPolicy.DESTROY,
      removalPolicy,
    });
    this.registryTable.addGlobalSecondaryIndex({
      indexName: DUE_INDEX,
      partitionKey: { name: SCHEDULE, type: dynamodb.AttributeType.STRING },
      sortKey: { name: DUE_AT, type: dynamodb.AttributeType.NUMBER },
      projectionType: dynamodb.ProjectionType.INCLUDE,
      nonKeyAttributes: [...DUE_INDEX_ATTRIBUTES],
    });
    acknowledgeNag(this.registryTable, ...inPacks('DynamoDBInBackupPlan',
      'The registry has point-in-time recovery (35 days of continuous backups); adding it to an AWS Backup plan is an account-level decision left to the team.',
      HIPAA, NIST, PCI));

    const logRetention = shared.logRetention.toDays() as logs.RetentionDays;
    this.stateMachine = this.createStateMachine(job, key, shared, logRetention, executionTimeout, retry);

    const dispatcherLogs = new logs.LogGroup(this, 'DispatcherLogs', {
      encryptionKey: shared.encryptionKey,
      retention: logRetention,
      removalPolicy: shared.removalPolicy,
    });
    this.dispatcher = new DispatcherFunction(this, 'Dispatcher', {
      description: `Starts one execution of ${this.node.path}'s state machine per due partition`,
      role: lambdaExecutionRole(this, 'DispatcherRole', `Runs the dispatcher of ${this.node.path}`),
      architecture: lambda.Architecture.ARM_64,
      memorySize: 256,
      timeout: Duration.minutes(2),
      reservedConcurrentExecutions: reservedConcurrency,
      // A dispatch that failed is retried (the same slot names the same executions) until the next slot.
      retryAttempts: 2,
      maxEventAge: Duration.minutes(Math.max(1, Math.min(intervalMinutes, 360))),
      logGroup: dispatcherLogs,
      loggingFormat: lambda.LoggingFormat.JSON,
      applicationLogLevelV2: lambda.ApplicationLogLevel.INFO,
      systemLogLevelV2: lambda.SystemLogLevel.WARN,
      tracing: lambda.Tracing.ACTIVE,
      environment: {
        [ENV_REGISTRY_TABLE_NAME]: this.registryTable.tableName,
        [ENV_STATE_MACHINE_ARN]: this.stateMachine.stateMachineArn,
        [ENV_SCHEDULE_INTERVAL_MINUTES]: String(intervalMinutes),
        [ENV_MAX_CONCURRENT_PARTITIONS]: String(this.maxConcurrentPartitions),
      },
    });
    this.grantDispatcher(key, reservedConcurrency !== undefined);

    this.scheduleRule = new events.Rule(this, 'Schedule', {
      description: `Wakes the dispatcher of ${this.node.path} every ${this.scheduleInterval.toHumanString()}`,
      schedule: events.Schedule.expression(cronFor(intervalMinutes)),
      targets: [new targets.LambdaFunction(this.dispatcher, {
        retryAttempts: 2,
        maxEventAge: Duration.minutes(Math.max(1, Math.min(intervalMinutes, 1440))),
      })],
    });
    acknowledgeNag(this.scheduleRule, { id: 'Serverless-EventBusDLQ', reason: DISPATCH_RETRY_REASON });

    if (partitions.length > 0) this.seedPartitions(partitions, key, dispatcherLogs);

    const [failureAlarm, dispatcherAlarm] = this.createAlarms(props.alarmTopic);
    this.failureAlarm = failureAlarm;
    this.dispatcherAlarm = dispatcherAlarm;
  }

  /**
   * Grants managing partitions: reading and writing registry items (and using its key through
   * DynamoDB), e.g. for the team that adds providers.
   */
  public grantRegistryWrite(grantee: iam.IGrantable): iam.Grant {
    return this.registryTable.grantReadWriteData(grantee);
  }

  private createStateMachine(
    job: glue.IJob, key: kms.IKey, shared: SharedJobResources, retention: logs.RetentionDays, timeout: Duration, retry: RetryDelays,
  ): sfn.StateMachine {
    const scope = new Construct(this, 'Execution');
    const table = this.registryTable;
    const names = (...attributes: string[]) => Object.fromEntries(attributes.map(a => [`#${a}`, a]));
    const str = (value: string) => tasks.DynamoAttributeValue.fromString(value);
    const key_ = { [PARTITION_ID]: str(sfn.JsonPath.stringAt('$.partitionId')) };
    // The optimized DynamoDB integration reports DynamoDB's errors as DynamoDB.<name> (AWS SDK integrations would say
    // DynamoDb.<name>). The documentation does not say whether <name> is the error code (RequestLimitExceeded,
    // InternalServerError) or the exception's name (RequestLimitExceededException, ...): both are retried.
    const throttling = [
      'DynamoDB.ProvisionedThroughputExceededException', 'DynamoDB.RequestLimitExceeded', 'DynamoDB.RequestLimitExceededException',
      'DynamoDB.ThrottlingException', 'DynamoDB.InternalServerError', 'DynamoDB.InternalServerErrorException',
    ];
    const retryThrottling = <T extends sfn.TaskStateBase>(task: T): T => {
      task.addRetry({ errors: throttling, interval: Duration.seconds(2), backoffRate: 2, maxAttempts: 6, jitterStrategy: sfn.JitterType.FULL });
      return task;
    };

    const invalid = new sfn.Fail(scope, 'InvalidInput', { error: PARTITION_INPUT_ERROR, cause: PARTITION_INPUT_CAUSE });
    const skipped = new sfn.Succeed(scope, 'Skipped', {
      comment: 'Another execution holds the partition, or the partition left the registry: nothing to do.',
    });
    const failed = new sfn.Fail(scope, 'Failed', {
      errorPath: sfn.JsonPath.stringAt('$.failure.Error'),
      causePath: sfn.JsonPath.stringAt('$.failure.Cause'),
    });
    const done = new sfn.Succeed(scope, 'Done');

    // Only the execution that holds the lock writes the outcome; an item deleted meanwhile is not re-created.
    const holdsLock = `attribute_exists(#${PARTITION_ID}) AND #${EXECUTION_ARN} = :me`;
    // Failure backoff (registry.ts, retryDelaySeconds): the failure is due again at its slot plus the delay kept in
    // nextRetryDelaySeconds (retryFailedAfter when absent), which doubles while the double is within the maximum
    // (MarkFailed) and is set to the maximum otherwise (MarkFailedAtMaxDelay, reached when MarkFailed's condition
    // fails: at the maximum, or when the lock is not held, in which case its own condition fails too).
    const baseSeconds = retry.base.toSeconds();
    const maxSeconds = retry.max.toSeconds();
    const delay = `if_not_exists(#${NEXT_RETRY_DELAY_SECONDS}, :base)`;
    const recordFailure = (nextDelay: string) => `SET #${STATUS} = :failed, #${LAST_FAILURE_AT} = :now, #${LAST_ERROR} = :error, #${LAST_CAUSE} = :cause, `
      + `#${DUE_AT} = :slot + ${delay}, #${NEXT_RETRY_DELAY_SECONDS} = ${nextDelay} ADD #${CONSECUTIVE_FAILURES} :one`;
    const failureNames = names(
      PARTITION_ID, EXECUTION_ARN, STATUS, LAST_FAILURE_AT, LAST_ERROR, LAST_CAUSE, DUE_AT, NEXT_RETRY_DELAY_SECONDS, CONSECUTIVE_FAILURES);
    const failureValues = {
      ':failed': str(STATUS_FAILED),
      ':now': str(sfn.JsonPath.stringAt('$$.State.EnteredTime')),
      ':error': str(sfn.JsonPath.stringAt('$.failure.Error')),
      ':cause': str(sfn.JsonPath.stringAt('$.failure.Cause')),
      ':me': str(sfn.JsonPath.executionId),
      ':slot': tasks.DynamoAttributeValue.numberFromString(sfn.JsonPath.format('{}', sfn.JsonPath.stringAt('$.slotSeconds'))),
      ':base': tasks.DynamoAttributeValue.fromNumber(baseSeconds),
      ':one': tasks.DynamoAttributeValue.fromNumber(1),
    };
    // The delay doubles only while the double stays within the maximum; a first failure uses retryFailedAfter.
    const canDouble = 2 * baseSeconds <= maxSeconds
      ? `(attribute_not_exists(#${NEXT_RETRY_DELAY_SECONDS}) OR #${NEXT_RETRY_DELAY_SECONDS} <= :half)`
      : `(attribute_exists(#${NEXT_RETRY_DELAY_SECONDS}) AND #${NEXT_RETRY_DELAY_SECONDS} <= :half)`;
    const markFailed = retryThrottling(new tasks.DynamoUpdateItem(scope, 'MarkFailed', {
      table,
      key: key_,
      updateExpression: recordFailure(`${delay} + ${delay}`),
      conditionExpression: `${holdsLock} AND ${canDouble}`,
      expressionAttributeNames: failureNames,
      expressionAttributeValues: { ...failureValues, ':half': tasks.DynamoAttributeValue.fromNumber(Math.floor(maxSeconds / 2)) },
      resultPath: sfn.JsonPath.DISCARD,
    }));
    const markFailedAtMaxDelay = retryThrottling(new tasks.DynamoUpdateItem(scope, 'MarkFailedAtMaxDelay', {
      table,
      key: key_,
      updateExpression: recordFailure(':max'),
      conditionExpression: holdsLock,
      expressionAttributeNames: failureNames,
      expressionAttributeValues: { ...failureValues, ':max': tasks.DynamoAttributeValue.fromNumber(maxSeconds) },
      resultPath: sfn.JsonPath.DISCARD,
    }));
    // Whatever happens while recording the failure, the execution ends with the original error.
    markFailed.addCatch(markFailedAtMaxDelay, { errors: ['DynamoDB.ConditionalCheckFailedException'], resultPath: '$.recordFailure' });
    markFailed.addCatch(failed, { errors: ['States.ALL'], resultPath: '$.recordFailure' });
    markFailed.next(failed);
    markFailedAtMaxDelay.addCatch(failed, { errors: ['States.ALL'], resultPath: '$.recordFailure' });
    markFailedAtMaxDelay.next(failed);

    const markSucceeded = retryThrottling(new tasks.DynamoUpdateItem(scope, 'MarkSucceeded', {
      table,
      key: key_,
      updateExpression: `SET #${STATUS} = :succeeded, #${LAST_SUCCESS_AT} = :now, #${LAST_RUN_ID} = :runId, #${DUE_AT} = :nextDueAt `
        + `REMOVE #${CONSECUTIVE_FAILURES}, #${NEXT_RETRY_DELAY_SECONDS}`,
      conditionExpression: holdsLock,
      expressionAttributeNames: names(
        PARTITION_ID, EXECUTION_ARN, STATUS, LAST_SUCCESS_AT, LAST_RUN_ID, DUE_AT, CONSECUTIVE_FAILURES, NEXT_RETRY_DELAY_SECONDS),
      expressionAttributeValues: {
        ':succeeded': str(STATUS_SUCCEEDED),
        ':now': str(sfn.JsonPath.stringAt('$$.State.EnteredTime')),
        ':runId': str(sfn.JsonPath.stringAt('$.run.Id')),
        ':nextDueAt': tasks.DynamoAttributeValue.numberFromString(sfn.JsonPath.format('{}', sfn.JsonPath.stringAt('$.nextDueAt'))),
        ':me': str(sfn.JsonPath.executionId),
      },
      resultPath: sfn.JsonPath.DISCARD,
    }));
    markSucceeded.addCatch(markFailed, { errors: ['States.ALL'], resultPath: '$.failure' });
    markSucceeded.next(done);

    const runJob = new tasks.GlueStartJobRun(scope, 'RunJob', {
      glueJobName: job.jobName,
      integrationPattern: sfn.IntegrationPattern.RUN_JOB,
      arguments: sfn.TaskInput.fromObject({ [this.argumentName]: sfn.JsonPath.stringAt('$.partitionId') }),
      resultSelector: { 'Id.$': '$.Id', 'JobRunState.$': '$.JobRunState' },
      resultPath: '$.run',
    });
    // The job has no free run slot (other partitions, a manual run): wait with backoff, up to about an hour.
    runJob.addRetry({ errors: ['Glue.ConcurrentRunsExceededException'], interval: Duration.minutes(1), backoffRate: 2, maxAttempts: 6, jitterStrategy: sfn.JitterType.FULL });
    // Throttling: glue:startJobRun.sync has been seen to report Glue's (unmodelled) ThrottlingException as
    // Glue.AWSGlueException, with the error code in the cause; both names are retried.
    runJob.addRetry({
      errors: ['Glue.ThrottlingException', 'Glue.AWSGlueException', 'Glue.InternalServiceException'],
      interval: Duration.seconds(5),
      backoffRate: 2,
      maxAttempts: 5,
      jitterStrategy: sfn.JitterType.FULL,
    });
    // A run that FAILED or timed out fails the task (States.TaskFailed): recorded as a failure. Glue's cause
    // (the run as JSON, with Spark's error text, which can quote a row) is replaced by the run id, its
    // state, the error name and a console link before it reaches the registry or the Fail state.
    runJob.addCatch(describeRunFailure(scope, { jobName: job.jobName, next: markFailed }), { errors: ['States.ALL'], resultPath: '$.failure' });

    // The documentation does not say that a STOPPED run fails the task: only a SUCCEEDED run is a success.
    const runNotSucceeded = new sfn.Pass(scope, 'RunNotSucceeded', {
      comment: 'The run ended without an error but did not succeed (e.g. it was stopped): recorded as a failure.',
      parameters: runFacts(job.jobName, sfn.JsonPath.objectAt('$.run'), RUN_NOT_SUCCEEDED_ERROR),
      resultPath: '$.failure',
    });
    runNotSucceeded.next(new sfn.Pass(scope, 'DescribeRunNotSucceeded', {
      parameters: { Error: sfn.JsonPath.stringAt('$.failure.Error'), Cause: describeRun('The Glue job run {} ended in state {}') },
      resultPath: '$.failure',
    })).next(markFailed);
    const checkRunState = new sfn.Choice(scope, 'CheckRunState')
      .when(sfn.Condition.stringEquals('$.run.JobRunState', 'SUCCEEDED'), markSucceeded)
      .otherwise(runNotSucceeded);
    runJob.next(checkRunState);

    // Takes the partition unless another execution holds it; a dead execution's lock is taken over
    // when the dispatcher passes its ARN; a retry after a write whose answer was lost finds its own
    // lock and goes on; an item deleted meanwhile is not re-created. The partition must still be due
    // at the slot: a run that ended after the dispatcher read the item (so that its lock looked
    // stale) has moved dueAt past the slot, and is not run again.
    const markRunning = retryThrottling(new tasks.DynamoUpdateItem(scope, 'MarkRunning', {
      table,
      key: key_,
      updateExpression: `SET #${STATUS} = :running, #${EXECUTION_ARN} = :me, #${STARTED_AT} = :startedAt`,
      conditionExpression: `attribute_exists(#${PARTITION_ID}) AND #${DUE_AT} <= :slot `
        + `AND (attribute_not_exists(#${STATUS}) OR #${STATUS} <> :running `
        + `OR attribute_not_exists(#${EXECUTION_ARN}) OR #${EXECUTION_ARN} = :takeOver OR #${EXECUTION_ARN} = :me)`,
      expressionAttributeNames: names(PARTITION_ID, DUE_AT, STATUS, EXECUTION_ARN, STARTED_AT),
      expressionAttributeValues: {
        ':running': str(STATUS_RUNNING),
        ':me': str(sfn.JsonPath.executionId),
        ':startedAt': str(sfn.JsonPath.stringAt('$$.Execution.StartTime')),
        ':takeOver': str(sfn.JsonPath.stringAt('$.takeOverExecution')),
        ':slot': tasks.DynamoAttributeValue.numberFromString(sfn.JsonPath.format('{}', sfn.JsonPath.stringAt('$.slotSeconds'))),
      },
      resultPath: sfn.JsonPath.DISCARD,
    }));
    markRunning.addCatch(skipped, { errors: ['DynamoDB.ConditionalCheckFailedException'], resultPath: sfn.JsonPath.DISCARD });
    markRunning.addCatch(markFailed, { errors: ['States.ALL'], resultPath: '$.failure' });
    markRunning.next(runJob);

    // One rule per test, in order: Step Functions takes the first rule that matches, so a field's type
    // is tested only once it is known to be present (a type test of a missing field is a runtime
    // error that no Catch handles), without relying on And stopping at its first false operand,
    // which the documentation does not promise.
    const fields: Array<[string, (path: string) => sfn.Condition]> = [
      ['$.partitionId', sfn.Condition.isString], ['$.slotSeconds', sfn.Condition.isNumeric],
      ['$.nextDueAt', sfn.Condition.isNumeric], ['$.takeOverExecution', sfn.Condition.isString],
    ];
    const checkInput = new sfn.Choice(scope, 'CheckInput');
    for (const [path] of fields) checkInput.when(sfn.Condition.not(sfn.Condition.isPresent(path)), invalid);
    for (const [path, isType] of fields) checkInput.when(sfn.Condition.not(isType(path)), invalid);
    checkInput.otherwise(markRunning);

    const logGroup = new logs.LogGroup(scope, 'Logs', {
      logGroupName: `/aws/vendedlogs/states/${Names.uniqueResourceName(scope, { maxLength: 200, separator: '-' })}`,
      encryptionKey: shared.encryptionKey,
      retention,
      removalPolicy: shared.removalPolicy,
    });
    const stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      comment: `Runs the Glue job for one partition of ${this.node.path} and records the outcome in its registry`,
      // Its grants inline in its role: one resource, not two.
      role: new InlinePolicyRole(this, 'StateMachineRole', {
        assumedBy: new iam.ServicePrincipal('states.amazonaws.com'),
        description: `Runs the partition state machine of ${this.node.path}`,
      }),
      definitionBody: sfn.DefinitionBody.fromChainable(checkInput),
      stateMachineType: sfn.StateMachineType.STANDARD,
      timeout,
      tracingEnabled: true,
      // Without execution data: the states' input and output (a failed run's error text among them) stay
      // in the execution history, readable with states:GetExecutionHistory, and out of the log group.
      logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: false },
    });
    // The DynamoDB tasks update items of a table encrypted with a customer-managed key.
    grantKeyThroughService(this, key, stateMachine, ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey', 'kms:DescribeKey'], 'dynamodb');

    acknowledgeOwnPolicy(stateMachine.role);
    acknowledgeNag(stateMachine.role,
      { id: 'AwsSolutions-IAM5[Resource::*]', reason: 'Step Functions log delivery (logs:CreateLogDelivery and related) and X-Ray tracing (xray:PutTraceSegments) do not support resource-level permissions.' },
    );
    return stateMachine;
  }

  /** Query the due index, start (only) this state machine's executions, read their status. */
  private grantDispatcher(key: kms.IKey, reserved: boolean): void {
    const fn = this.dispatcher;
    iam.Grant.addToPrincipal({
      grantee: fn,
      actions: ['dynamodb:Query'],
      resourceArns: [`${this.registryTable.tableArn}/index/${DUE_INDEX}`],
    });
    grantKeyThroughService(this, key, fn, ['kms:Decrypt', 'kms:DescribeKey'], 'dynamodb');
    this.stateMachine.grantStartExecution(fn);
    const executions = Stack.of(this).formatArn({
      service: 'states',
      resource: 'execution',
      resourceName: `${this.stateMachine.stateMachineName}:*`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    iam.Grant.addToPrincipal({ grantee: fn, actions: ['states:DescribeExecution'], resourceArns: [executions] });

    const role = fn.role!;
    acknowledgeOwnPolicy(role);
    acknowledgeNag(role,
      { id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]', reason: 'The dispatcher writes only to its own log group; the AWS managed basic execution policy is the standard way to grant it.' },
      {
        id: 'Serverless-LambdaStarPermissions',
        reason: 'The only wildcards are X-Ray tracing (xray:PutTraceSegments, xray:PutTelemetryRecords: no resource-level permissions) and DescribeExecution on the executions of this orchestrator\'s state machine, whose names (partition and slot) are not known in advance; no action is a wildcard.',
      },
      {
        id: wildcardResourceFinding(this, executions),
        reason: 'DescribeExecution is limited to the executions of this orchestrator\'s state machine; their names (partition and slot) are not known in advance.',
      },
      { id: 'AwsSolutions-IAM5[Resource::*]', reason: 'X-Ray tracing (xray:PutTraceSegments, xray:PutTelemetryRecords) does not support resource-level permissions.' },
    );
    const runtime = 'The library pins Node.js 22, a supported Lambda runtime, because the handler is bundled and tested for it; moving to a newer runtime is a library release, not a synth-time choice.';
    acknowledgeNag(fn,
      { id: 'AwsSolutions-L1', reason: runtime },
      { id: 'Serverless-LambdaLatestVersion', reason: runtime },
      ...dispatcherNagReasons(),
      ...(reserved ? [] : inPacks('LambdaConcurrency',
        'Reserved concurrency is taken from the account\'s unreserved pool and cannot be deployed in accounts with a low concurrency quota; '
        + 'overlapping dispatches are safe without it (deterministic execution names, conditional lock), and reservedConcurrency sets one.',
        HIPAA, NIST)),
    );
  }

  /**
   * Upserts the declared partitions: frequency set, state kept (`if_not_exists`). One
   * `Custom::PartitionRegistrySeed` per 100 partitions, answered by the orchestrator's own seed
   * function (seed.lambda.ts), whose role may only update registry items.
   *
   * The custom resources' ids are `RegistrySeed<n>`, not the `Seed<n>` of the earlier
   * AwsCustomResource seeds: CloudFormation does not change a custom resource's ServiceToken on
   * update, so an upgrade creates the new resources (a Create seeds, idempotently) and deletes the
   * old ones (their provider had no Delete call: nothing happens to the registry).
   */
  private seedPartitions(
    partitions: Array<{ partitionId: string; frequencyMinutes: number }>, key: kms.IKey, logGroup: logs.ILogGroup,
  ): void {
    const table = this.registryTable;
    const fn = new SeedFunction(this, 'SeedFunction', {
      description: `Writes the partitions declared in ${this.node.path} to its registry at deploy time (CloudFormation custom resource)`,
      role: lambdaExecutionRole(this, 'SeedRole', `Runs the registry seed of ${this.node.path}`),
      architecture: lambda.Architecture.ARM_64,
      memorySize: 256,
      timeout: Duration.minutes(1),
      // CloudFormation invokes it asynchronously: an invocation that fails (its answer could not be sent) is
      // retried twice, Lambda's default, which needs no EventInvokeConfig resource (the seed is idempotent).
      // The dispatcher's log group: Lambda names each function's streams after it in a shared group
      // (ledger O28), and the seed only logs at deploy time; one log group fewer per orchestrator.
      logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      applicationLogLevelV2: lambda.ApplicationLogLevel.INFO,
      systemLogLevelV2: lambda.SystemLogLevel.WARN,
      tracing: lambda.Tracing.ACTIVE,
    });
    // UpdateItem only (the update expression sets the frequency and the absent state), and the key
    // through DynamoDB; both inline in the role, which the function (and so every seed) depends on.
    iam.Grant.addToPrincipal({ grantee: fn, actions: ['dynamodb:UpdateItem'], resourceArns: [table.tableArn] });
    grantKeyThroughService(this, key, fn, ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey', 'kms:DescribeKey'], 'dynamodb');
    acknowledgeSeedFunction(fn);

    for (let i = 0; i < partitions.length; i += SEED_CHUNK) {
      const index = i / SEED_CHUNK;
      const chunk = partitions.slice(i, i + SEED_CHUNK);
      new CustomResource(this, `RegistrySeed${index}`, {
        resourceType: 'Custom::PartitionRegistrySeed',
        serviceToken: fn.functionArn,
        // CloudFormation passes property values as strings: the partitions are one JSON string.
        properties: {
          [SEED_TABLE_NAME]: table.tableName,
          [SEED_CHUNK_INDEX]: String(index),
          [SEED_PARTITIONS]: JSON.stringify(Object.fromEntries(chunk.map(p => [p.partitionId, p.frequencyMinutes]))),
        },
      });
    }
  }

  private createAlarms(topic?: sns.ITopic): [cloudwatch.Alarm, cloudwatch.Alarm] {
    const period = Duration.minutes(Math.max(5, Math.min(this.scheduleInterval.toMinutes(), 60)));
    const failed = new cloudwatch.MathExpression({
      expression: 'failed + timedOut + aborted',
      usingMetrics: {
        failed: this.stateMachine.metricFailed({ statistic: 'Sum', period }),
        timedOut: this.stateMachine.metricTimedOut({ statistic: 'Sum', period }),
        aborted: this.stateMachine.metricAborted({ statistic: 'Sum', period }),
      },
      label: 'Partition executions failed, timed out or aborted',
      period,
    });
    const failureAlarm = failed.createAlarm(this, 'FailureAlarm', {
      alarmDescription: `A partition execution of ${this.node.path} failed, timed out or was aborted: the registry's lastError and lastCause say why`,
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    const dispatcherAlarm = this.dispatcher.metricErrors({ statistic: 'Sum', period }).createAlarm(this, 'DispatcherAlarm', {
      alarmDescription: `A dispatch of ${this.node.path} failed or could not start a partition: see the dispatcher's log group`,
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    for (const alarm of [failureAlarm, dispatcherAlarm]) {
      if (topic) {
        alarm.addAlarmAction(new cw_actions.SnsAction(topic));
      } else {
        const reason = 'No alarmTopic was given: the alarm state is visible in CloudWatch and can be routed by an EventBridge rule on alarm state changes; passing alarmTopic adds the notification action.';
        acknowledgeNag(alarm, ...inPacks('CloudWatchAlarmAction', reason, HIPAA, NIST));
      }
    }
    return [failureAlarm, dispatcherAlarm];
  }

  private validateInterval(interval: Duration): number {
    if (interval.isUnresolved()) {
      throw new LakeValidationError(this, CONSTRUCT, 'scheduleInterval', interval, 'a resolved duration (it names the schedule slots)');
    }
    const minutes = interval.toSeconds() / 60;
    if (!SCHEDULE_INTERVAL_MINUTES.includes(minutes)) {
      const expected = minutes < 1
        ? 'at least 1 minute (EventBridge schedules are at most once a minute)'
        : 'whole minutes that divide a day: 1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30 or 60 minutes, or 2, 3, 4, 6, 8, 12 or 24 hours';
      throw new LakeValidationError(this, CONSTRUCT, 'scheduleInterval', interval, expected);
    }
    return minutes;
  }

  private validateArgumentName(name: string): void {
    if (Token.isUnresolved(name) || !/^--[A-Za-z0-9_-]{1,128}$/.test(name)) {
      throw new LakeValidationError(this, CONSTRUCT, 'argumentName', name, "'--' followed by 1 to 128 letters, digits, '_' or '-', e.g. '--partition'");
    }
    if (MANAGED_ARGUMENTS.includes(name) || name.startsWith('--enable-') || name.startsWith('--job-') || name === '--JOB_NAME') {
      throw new LakeValidationError(this, CONSTRUCT, 'argumentName', name, 'an argument of the script, not one that Glue or the library manages (e.g. --partition)');
    }
  }

  private resolveConcurrency(requested: number | undefined, job: JobFacts): number {
    const value = requested ?? Math.min(job.maxConcurrentRuns ?? 1, MAX_CONCURRENT_PARTITIONS_LIMIT);
    if (!Number.isInteger(value) || value < 1 || value > MAX_CONCURRENT_PARTITIONS_LIMIT) {
      throw new LakeValidationError(this, CONSTRUCT, 'maxConcurrentPartitions', value, `an integer from 1 to ${MAX_CONCURRENT_PARTITIONS_LIMIT}`);
    }
    if (job.maxConcurrentRuns === undefined) {
      if (requested !== undefined && requested > 1) {
        Annotations.of(this).addWarningV2('cdk-glue-lake:jobConcurrencyUnknown',
          `the job's maxConcurrentRuns cannot be read (an imported job): make sure it allows ${value} concurrent runs, `
          + 'or executions beyond it wait (ConcurrentRunsExceeded retries) and may fail.');
      }
    } else if (job.maxConcurrentRuns < value) {
      throw new LakeValidationError(this, CONSTRUCT, 'maxConcurrentPartitions', value,
        `at most the job's maxConcurrentRuns (${job.maxConcurrentRuns}); raise the job's maxConcurrentRuns to run more partitions at once`);
    }
    return value;
  }

  private validatePartitions(partitions: PartitionDefinition[], intervalMinutes: number): Array<{ partitionId: string; frequencyMinutes: number }> {
    if (!Array.isArray(partitions)) {
      throw new LakeValidationError(this, CONSTRUCT, 'partitions', partitions, 'a list of { partitionId, frequency }');
    }
    if (partitions.length > MAX_DECLARED_PARTITIONS) {
      throw new LakeValidationError(this, CONSTRUCT, 'partitions', new Described(`${partitions.length} partitions`),
        `at most ${MAX_DECLARED_PARTITIONS}; add more to the registry with PutItem (they need no deploy)`);
    }
    const seen = new Set<string>();
    return partitions.map((p, i) => {
      const id = p?.partitionId;
      if (typeof id !== 'string' || Token.isUnresolved(id) || !PARTITION_ID_PATTERN.test(id)) {
        throw new LakeValidationError(this, CONSTRUCT, `partitions[${i}].partitionId`, id, PARTITION_ID_EXPECTED);
      }
      if (seen.has(id)) {
        throw new LakeValidationError(this, CONSTRUCT, `partitions[${i}].partitionId`, id, 'a partition id declared once (it is the registry key)');
      }
      seen.add(id);
      const frequency = p.frequency ?? Duration.days(1);
      const minutes = frequency.isUnresolved() ? NaN : frequency.toSeconds() / 60;
      if (!Number.isInteger(minutes) || minutes < intervalMinutes || minutes > MAX_FREQUENCY_MINUTES) {
        throw new LakeValidationError(this, CONSTRUCT, `partitions[${i}].frequency`, frequency,
          `whole minutes from the schedule interval (${this.scheduleInterval.toHumanString()}) to 365 days: a partition cannot be due more often than the dispatcher wakes up`);
      }
      return { partitionId: id, frequencyMinutes: minutes };
    });
  }

  private validateReservedConcurrency(value: number | undefined): number | undefined {
    const bad = value !== undefined && !Token.isUnresolved(value)
      && (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_RESERVED_CONCURRENCY);
    if (bad) {
      throw new LakeValidationError(this, CONSTRUCT, 'reservedConcurrency', value, `an integer from 1 to ${MAX_RESERVED_CONCURRENCY}`);
    }
    return value;
  }

  /** The failure retry delays: whole minutes, the first from the schedule interval, the maximum from the first, both at most 365 days. */
  private resolveRetryDelays(base: Duration | undefined, max: Duration | undefined, intervalMinutes: number): RetryDelays {
    const minutesOf = (d: Duration): number => (d.isUnresolved() ? NaN : d.toSeconds({ integral: false }) / 60);
    const resolvedBase = base ?? this.scheduleInterval;
    const baseMinutes = minutesOf(resolvedBase);
    if (!Number.isInteger(baseMinutes) || baseMinutes < intervalMinutes || baseMinutes > MAX_RETRY_DELAY_MINUTES) {
      throw new LakeValidationError(this, CONSTRUCT, 'retryFailedAfter', resolvedBase,
        `whole minutes from the schedule interval (${this.scheduleInterval.toHumanString()}) to 365 days: a failed partition cannot be retried before the next slot`);
    }
    const resolvedMax = max ?? Duration.minutes(Math.max(DEFAULT_RETRY_FAILED_AFTER_MAX_MINUTES, baseMinutes));
    const maxMinutes = minutesOf(resolvedMax);
    if (!Number.isInteger(maxMinutes) || maxMinutes < baseMinutes || maxMinutes > MAX_RETRY_DELAY_MINUTES) {
      throw new LakeValidationError(this, CONSTRUCT, 'retryFailedAfterMax', resolvedMax,
        `whole minutes from retryFailedAfter (${Duration.minutes(baseMinutes).toHumanString()}) to 365 days`);
    }
    return { base: Duration.minutes(baseMinutes), max: Duration.minutes(maxMinutes) };
  }

  private resolveExecutionTimeout(requested: Duration | undefined, job: JobFacts): Duration {
    const timeout = requested ?? Duration.minutes((job.timeoutMinutes ?? GLUE_DEFAULT_TIMEOUT_MINUTES) + EXECUTION_TIMEOUT_MARGIN_MINUTES);
    if (!timeout.isUnresolved()) {
      const seconds = timeout.toSeconds({ integral: false });
      if (!Number.isInteger(seconds) || seconds < 60 || seconds > 365 * 24 * 3600) {
        throw new LakeValidationError(this, CONSTRUCT, 'executionTimeout', timeout, 'a whole number of seconds from 1 minute to 365 days');
      }
    }
    return timeout;
  }
}

/** The failure backoff: the first retry delay and the longest one. */
interface RetryDelays {
  readonly base: Duration;
  readonly max: Duration;
}

/** What can be read from the job's definition (nothing for an imported job). */
interface JobFacts {
  readonly command?: string;
  readonly maxConcurrentRuns?: number;
  readonly timeoutMinutes?: number;
  readonly shared?: SharedJobResources;
}

function readJob(job: glue.IJob): JobFacts {
  const cfnJobs = job.node.findAll().filter((c): c is glue.CfnJob => c instanceof glue.CfnJob);
  const shared = job instanceof GlueJob ? job.shared : undefined;
  if (cfnJobs.length !== 1) return { shared };
  const cfn = cfnJobs[0];
  const stack = Stack.of(cfn);
  const command = stack.resolve(cfn.command)?.name;
  const runs = stack.resolve(cfn.executionProperty)?.maxConcurrentRuns;
  const timeout = stack.resolve(cfn.timeout);
  return {
    command: typeof command === 'string' ? command : undefined,
    // Glue's default is one run at a time.
    maxConcurrentRuns: typeof runs === 'number' ? runs : (cfn.executionProperty === undefined ? 1 : undefined),
    timeoutMinutes: typeof timeout === 'number' ? timeout : undefined,
    shared,
  };
}

/** Acknowledges the findings on the registry seed function, which CloudFormation invokes at deploy time only, and its role. */
function acknowledgeSeedFunction(fn: lambda.Function): void {
  const deployOnly = 'The registry seed runs only when CloudFormation creates or updates its custom resources, and CloudFormation waits for its answer '
    + 'and fails the deployment on error (a seed whose answer could not be sent is retried twice): a dead-letter queue, a failure destination or reserved concurrency has nothing to add.';
  const role = fn.role!;
  acknowledgeOwnPolicy(role);
  acknowledgeNag(role,
    { id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]', reason: 'The seed writes only to its own log group; the AWS managed basic execution policy is the standard way to grant it.' },
    { id: 'Serverless-LambdaStarPermissions', reason: 'The only wildcards are X-Ray tracing (xray:PutTraceSegments, xray:PutTelemetryRecords: no resource-level permissions); no action is a wildcard.' },
    { id: 'AwsSolutions-IAM5[Resource::*]', reason: 'X-Ray tracing (xray:PutTraceSegments, xray:PutTelemetryRecords) does not support resource-level permissions.' },
  );
  const runtime = 'The library pins Node.js 22, a supported Lambda runtime, because the handler is bundled and tested for it; moving to a newer runtime is a library release, not a synth-time choice.';
  acknowledgeNag(fn,
    { id: 'AwsSolutions-L1', reason: runtime },
    { id: 'Serverless-LambdaLatestVersion', reason: runtime },
    ...inPacks('LambdaDLQ', deployOnly, HIPAA, NIST, PCI, SERVERLESS),
    ...inPacks('LambdaAsyncFailureDestination', deployOnly, SERVERLESS),
    ...inPacks('LambdaConcurrency', deployOnly, HIPAA, NIST),
    ...inPacks('LambdaInsideVPC', 'The seed calls only the DynamoDB API and CloudFormation\'s pre-signed response URL over TLS, and exposes no endpoint; a VPC would need NAT or endpoints for both without reducing exposure.', HIPAA, NIST, PCI),
  );
}

/** The UTC cron of a schedule interval that divides a day, so that wake-ups fall on slot starts. */
function cronFor(minutes: number): string {
  if (minutes < 60) return `cron(0/${minutes} * * * ? *)`;
  if (minutes === 60) return 'cron(0 * * * ? *)';
  if (minutes === 1440) return 'cron(0 0 * * ? *)';
  return `cron(0 0/${minutes / 60} * * ? *)`;
}

/** Why a failed dispatch needs no dead-letter queue or failure destination. */
const DISPATCH_RETRY_REASON = 'The dispatcher is invoked by its schedule only and is idempotent per slot: a failed dispatch is retried twice, raises the dispatcher alarm, and the next slot dispatches again; a queued schedule event would have nothing to replay.';

/** Why the dispatcher's Lambda findings of the compliance packs are acceptable. */
function dispatcherNagReasons(): Array<{ id: string; reason: string }> {
  const vpc = 'The dispatcher calls only the DynamoDB and Step Functions APIs over TLS with IAM authentication; it holds no network-reachable endpoint, and a VPC would add NAT or endpoint cost without reducing exposure.';
  return [
    ...inPacks('LambdaDLQ', DISPATCH_RETRY_REASON, HIPAA, NIST, PCI, SERVERLESS),
    ...inPacks('LambdaAsyncFailureDestination', DISPATCH_RETRY_REASON, SERVERLESS),
    ...inPacks('LambdaInsideVPC', vpc, HIPAA, NIST, PCI),
  ];
}
