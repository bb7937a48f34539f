import { Annotations, ArnFormat, Duration, Names, Stack, Tags, Token } from 'aws-cdk-lib';
import type * as glue from 'aws-cdk-lib/aws-glue';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { acknowledgeOwnPolicy, BOOKMARKS_ENABLED, GlueJob, GlueJobProps } from './glue-job';
import { REPROCESS_STATE_MACHINE_TAG, RUN_ID_PREFIX, RUN_ID_STRING_MATCHES } from './reprocess-tag';
import { LakeValidationError } from '../private/errors';
import { InlinePolicyRole } from '../private/inline-policy-role';
import { acknowledgeNag } from '../private/nag';
import { describeRunFailure } from '../private/run-failure';

const CONSTRUCT = 'BookmarkedJob';

/** The error of a reprocessing execution whose input is not one of the two documented shapes. */
export const REPROCESS_INPUT_ERROR = 'InvalidReprocessInput';
/** The cause that explains the expected input. */
export const REPROCESS_INPUT_CAUSE =
  'Expected {"fromRunId": "jr_...", "toRunId": "jr_..."} (two different run ids) to reprocess the input of the runs after fromRunId up to toRunId without moving the bookmark, '
  + 'or {"rewindToRunId": "jr_..."} with an optional boolean "startRun" to reset the bookmark to that run (and start a run); '
  + 'run ids are strings of "jr_" and more characters (as Glue returns them: jr_ and 64 hexadecimal digits), and the two modes cannot be combined.';
/** The error of a reprocessing execution whose Glue run did not succeed. */
export const REPROCESS_RUN_ERROR = 'GlueJobRunFailed';
/** The error of a rewind whose `ResetJobBookmark` call failed (e.g. an unknown run id). */
export const REPROCESS_RESET_ERROR = 'BookmarkResetFailed';

/**
 * Properties of a `BookmarkedJob`.
 */
export interface BookmarkedJobProps extends GlueJobProps {
  /**
   * Creates the reprocessing state machine (`reprocessStateMachine`).
   *
   * @default true
   */
  readonly reprocessing?: boolean;

  /**
   * How long a reprocessing execution may take (it waits for the Glue run).
   *
   * @default - the job's timeout plus 30 minutes
   */
  readonly reprocessingTimeout?: Duration;
}

/**
 * A `GlueJob` with job bookmarks (`--job-bookmark-option job-bookmark-enable`): each run processes
 * only the input that arrived since the last committed run. Bookmarks are encrypted (CSE-KMS) by
 * the shared security configuration. Runs share one bookmark state, so `maxConcurrentRuns` stays 1
 * (a warning says so when raised).
 *
 * The reprocessing state machine, created by default, reprocesses a window of runs with the
 * bookmark paused, or rewinds the bookmark to a run. The job is then tagged
 * `cdk-glue-lake:reprocess-state-machine` with the state machine's ARN, so that
 * `cdk-glue-lake reprocess|rewind --job <name>` finds it from the job's name (a key the `tags`
 * prop may not set).
 */
export class BookmarkedJob extends GlueJob {
  /**
   * The reprocessing state machine (absent with `reprocessing: false`).
   *
   * Its name is derived from the construct path (unique in the app), and the Glue job carries the
   * tag `cdk-glue-lake:reprocess-state-machine` with its ARN: the command-line tool
   * (`cdk-glue-lake reprocess|rewind --job <name>`) finds the state machine from the job's name
   * through that tag.
   */
  public readonly reprocessStateMachine?: sfn.StateMachine;

  constructor(scope: Construct, id: string, props: BookmarkedJobProps) {
    super(scope, id, { ...props, [BOOKMARKS_ENABLED]: true } as GlueJobProps);
    const runs = props.maxConcurrentRuns ?? 1;
    if (!Token.isUnresolved(runs) && runs > 1) {
      Annotations.of(this).addWarningV2('cdk-glue-lake:bookmarkConcurrentRuns',
        `maxConcurrentRuns is ${runs}: concurrent runs of a bookmarked job share one bookmark state, so two runs can process the same input or skip some. Keep it at 1 unless the script partitions its input itself.`);
    }
    if (props.reprocessing ?? true) {
      for (const key of Object.keys(props.tags ?? {})) {
        if (key === REPROCESS_STATE_MACHINE_TAG) {
          throw new LakeValidationError(this, CONSTRUCT, 'tags', key,
            `no '${REPROCESS_STATE_MACHINE_TAG}' key (the library sets it to the reprocessing state machine's ARN)`);
        }
      }
      const jobTimeout = props.timeout ?? Duration.minutes(60);
      const timeout = props.reprocessingTimeout ?? (jobTimeout.isUnresolved() ? Duration.hours(2) : Duration.minutes(jobTimeout.toMinutes() + 30));
      if (!timeout.isUnresolved() && (timeout.toSeconds() < 60 || !Number.isInteger(timeout.toSeconds()))) {
        throw new LakeValidationError(this, CONSTRUCT, 'reprocessingTimeout', timeout, 'a whole number of seconds, at least 1 minute');
      }
      this.reprocessStateMachine = this.createReprocessStateMachine(timeout);
    }
  }

  /**
   * Grants starting reprocessing executions and following them (describe, history, stop), and
   * reading the job and its tags (where the command-line tool finds the state machine).
   * Throws when the job was created with `reprocessing: false`.
   */
  public grantReprocess(grantee: iam.IGrantable): iam.Grant {
    if (!this.reprocessStateMachine) {
      throw new LakeValidationError(this, CONSTRUCT, 'reprocessing', false, 'true to grant reprocessing (the job has no reprocessing state machine)');
    }
    const grant = this.reprocessStateMachine.grantStartExecution(grantee);
    this.reprocessStateMachine.grantExecution(grantee, 'states:DescribeExecution', 'states:GetExecutionHistory', 'states:StopExecution');
    // `cdk-glue-lake reprocess|rewind --job <name>` finds the state machine from the job's tag.
    iam.Grant.addToPrincipal({ grantee, actions: ['glue:GetJob', 'glue:GetTags'], resourceArns: [this.jobArn] });
    return grant;
  }

  private createReprocessStateMachine(timeout: Duration): sfn.StateMachine {
    const scope = new Construct(this, 'Reprocessing');
    const invalid = new sfn.Fail(scope, 'InvalidInput', { error: REPROCESS_INPUT_ERROR, cause: REPROCESS_INPUT_CAUSE });
    const runFailed = new sfn.Fail(scope, 'RunFailed', {
      error: REPROCESS_RUN_ERROR,
      causePath: sfn.JsonPath.stringAt('$.failure.Cause'),
    });
    const resetFailed = new sfn.Fail(scope, 'ResetFailed', {
      error: REPROCESS_RESET_ERROR,
      causePath: sfn.JsonPath.stringAt('$.failure.Cause'),
    });
    const done = new sfn.Succeed(scope, 'Done');

    // Only a SUCCEEDED run is a success. The documentation of `glue:startJobRun.sync` does not say which
    // terminal states fail the task (a STOPPED run, for one), so the run's state is checked after the task:
    // anything but SUCCEEDED fails the execution with GlueJobRunFailed and a cause that names the state.
    // (A Pass state builds the cause: aws-local-stepfunctions cannot evaluate an intrinsic in CausePath.)
    const runState = '$.run.JobRunState';
    const notSucceeded = new sfn.Pass(scope, 'RunNotSucceeded', {
      parameters: {
        Cause: sfn.JsonPath.format('The Glue job run {} ended in state {}: only SUCCEEDED counts as done.',
          sfn.JsonPath.stringAt('$.run.Id'), sfn.JsonPath.stringAt(runState)),
      },
      resultPath: '$.failure',
    }).next(runFailed);
    const noRunState = new sfn.Pass(scope, 'RunStateMissing', {
      parameters: { Cause: 'The Glue job run ended, but its result names no JobRunState and Id: it cannot be told to have succeeded.' },
      resultPath: '$.failure',
    }).next(runFailed);
    // One test per rule, in order: Step Functions evaluates the rules in order and takes the first match, and
    // a comparison on a missing field is a runtime error, so presence and type are each checked by an earlier rule.
    const missing = (path: string) => [sfn.Condition.not(sfn.Condition.isPresent(path)), sfn.Condition.not(sfn.Condition.isString(path))];
    const checkRun = new sfn.Choice(scope, 'CheckRunState');
    for (const condition of missing(runState)) checkRun.when(condition, noRunState);
    checkRun.when(sfn.Condition.stringEquals(runState, 'SUCCEEDED'), done);
    for (const condition of missing('$.run.Id')) checkRun.when(condition, noRunState);
    checkRun.otherwise(notSucceeded);

    // Error names of the optimized Glue integration (glue:startJobRun.sync). A scheduled run of the job may
    // be running (one run at a time): StartJobRun then fails with ConcurrentRunsExceededException, which the
    // task reports as Glue.ConcurrentRunsExceededException; wait for the run, with backoff. Throttling is
    // not a modelled Glue error: the optimized integration reports it as Glue.AWSGlueException with the cause
    // "Rate exceeded (... Error Code: ThrottlingException ...)"
    // (https://repost.aws/knowledge-center/glue-throttling-rate-exceeded), so Glue.ThrottlingException never
    // occurs here. InternalServiceException and OperationTimeoutException are StartJobRun's transient errors
    // (https://docs.aws.amazon.com/glue/latest/webapi/API_StartJobRun.html). A failed or timed-out run, and
    // anything else, is caught by States.ALL.
    const describeFailure = describeRunFailure(scope, { jobName: this.jobName, next: runFailed });
    const catchRun = (task: tasks.GlueStartJobRun) => task
      .addRetry({ errors: ['Glue.ConcurrentRunsExceededException'], interval: Duration.minutes(1), backoffRate: 2, maxAttempts: 6 })
      .addRetry({
        errors: ['Glue.AWSGlueException', 'Glue.InternalServiceException', 'Glue.OperationTimeoutException'],
        interval: Duration.seconds(5),
        backoffRate: 2,
        maxAttempts: 5,
      })
      // Glue's cause (the run as JSON, with Spark's error text, which can quote a row) is replaced by the run id,
      // its state, the error name and a console link before it becomes the execution's cause.
      .addCatch(describeFailure, { errors: ['States.ALL'], resultPath: '$.failure' });

    const window = catchRun(new tasks.GlueStartJobRun(scope, 'ReprocessWindow', {
      glueJobName: this.jobName,
      integrationPattern: sfn.IntegrationPattern.RUN_JOB,
      arguments: sfn.TaskInput.fromObject({
        '--job-bookmark-option': 'job-bookmark-pause',
        '--job-bookmark-from': sfn.JsonPath.stringAt('$.fromRunId'),
        '--job-bookmark-to': sfn.JsonPath.stringAt('$.toRunId'),
      }),
      resultPath: '$.run',
    })).next(checkRun);

    const runAfterRewind = catchRun(new tasks.GlueStartJobRun(scope, 'RunAfterRewind', {
      glueJobName: this.jobName,
      integrationPattern: sfn.IntegrationPattern.RUN_JOB,
      resultPath: '$.run',
    })).next(checkRun);

    // startRun is absent or a boolean here (CheckStartRun); absence is tested by a rule of its own, as a
    // comparison on a missing field is a runtime error.
    const afterReset = new sfn.Choice(scope, 'StartRunAfterRewind')
      .when(sfn.Condition.not(sfn.Condition.isPresent('$.startRun')), done)
      .when(sfn.Condition.booleanEquals('$.startRun', true), runAfterRewind)
      .otherwise(done);
    const reset = new tasks.CallAwsService(scope, 'ResetBookmark', {
      service: 'glue',
      action: 'resetJobBookmark',
      parameters: { JobName: this.jobName, RunId: sfn.JsonPath.stringAt('$.rewindToRunId') },
      iamResources: [this.jobArn],
      iamAction: 'glue:ResetJobBookmark',
      resultPath: '$.reset',
    })
      // An AWS SDK integration reports errors as `Glue.<error code>` (https://docs.aws.amazon.com/step-functions/latest/dg/supported-services-awssdk.html):
      // ThrottlingException is one of the errors common to all actions (https://docs.aws.amazon.com/glue/latest/webapi/CommonErrors.html),
      // InternalServiceException and OperationTimeoutException are ResetJobBookmark's transient errors
      // (https://docs.aws.amazon.com/glue/latest/webapi/API_ResetJobBookmark.html); EntityNotFoundException (an unknown
      // job or run) and the rest are caught below.
      .addRetry({
        errors: ['Glue.ThrottlingException', 'Glue.InternalServiceException', 'Glue.OperationTimeoutException'],
        interval: Duration.seconds(5),
        backoffRate: 2,
        maxAttempts: 5,
      })
      .addCatch(resetFailed, { errors: ['States.ALL'], resultPath: '$.failure' })
      .next(afterReset);

    // A string (checked first: comparing another type is not a match) that looks like a Glue run id: the
    // prefix and at least one more character. In StringMatches only `*` is a wildcard (`?` is literal), so
    // "not the bare prefix" is a StringEquals of its own.
    const runId = (path: string) => sfn.Condition.and(
      sfn.Condition.isString(path),
      sfn.Condition.stringMatches(path, RUN_ID_STRING_MATCHES),
      sfn.Condition.not(sfn.Condition.stringEquals(path, RUN_ID_PREFIX)));
    const checkWindow = new sfn.Choice(scope, 'CheckWindowRunIds')
      .when(sfn.Condition.and(runId('$.fromRunId'), runId('$.toRunId'), sfn.Condition.not(sfn.Condition.stringEqualsJsonPath('$.fromRunId', '$.toRunId'))), window)
      .otherwise(invalid);
    const checkStartRun = new sfn.Choice(scope, 'CheckStartRun')
      .when(sfn.Condition.not(sfn.Condition.isPresent('$.startRun')), reset)
      .when(sfn.Condition.isBoolean('$.startRun'), reset)
      .otherwise(invalid);
    const checkRewind = new sfn.Choice(scope, 'CheckRewindRunId')
      .when(runId('$.rewindToRunId'), checkStartRun)
      .otherwise(invalid);
    const present = (path: string) => sfn.Condition.isPresent(path);
    const absent = (path: string) => sfn.Condition.not(sfn.Condition.isPresent(path));
    const mode = new sfn.Choice(scope, 'SelectMode')
      .when(sfn.Condition.and(present('$.fromRunId'), present('$.toRunId'), absent('$.rewindToRunId')), checkWindow)
      .when(sfn.Condition.and(present('$.rewindToRunId'), absent('$.fromRunId'), absent('$.toRunId')), checkRewind)
      .otherwise(invalid);

    const logGroup = new logs.LogGroup(scope, 'Logs', {
      logGroupName: `/aws/vendedlogs/states/${Names.uniqueResourceName(scope, { maxLength: 200, separator: '-' })}`,
      encryptionKey: this.shared.encryptionKey,
      retention: this.shared.logRetention.toDays() as logs.RetentionDays,
      removalPolicy: this.shared.removalPolicy,
    });
    // A physical name known at synthesis, so the job's tag can hold the ARN without referencing
    // the state machine (whose definition and role already reference the job: a Ref would be a cycle).
    const stateMachineName = Names.uniqueResourceName(scope, { maxLength: 80, separator: '-' });
    const stateMachine = new sfn.StateMachine(this, 'ReprocessStateMachine', {
      stateMachineName,
      // Its grants inline in its role: one resource, not two.
      role: new InlinePolicyRole(this, 'ReprocessStateMachineRole', {
        assumedBy: new iam.ServicePrincipal('states.amazonaws.com'),
        description: `Runs the reprocessing state machine of ${this.node.path}`,
      }),
      comment: `Reprocesses a window of runs of the bookmarked Glue job ${this.node.path}, or rewinds its bookmark`,
      definitionBody: sfn.DefinitionBody.fromChainable(mode),
      stateMachineType: sfn.StateMachineType.STANDARD,
      timeout,
      tracingEnabled: true,
      // Without execution data: the states' input and output (a failed run's error text among them) stay in
      // the execution history, readable with states:GetExecutionHistory, and out of the log group.
      logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: false },
    });
    // The ARN CloudFormation gives the state machine (arn:<partition>:states:<region>:<account>:stateMachine:<name>).
    const stateMachineArn = Stack.of(this).formatArn({
      service: 'states', resource: 'stateMachine', resourceName: stateMachineName, arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    // Beside the user's tags (the CfnJob's initial tags); on the CfnJob alone, not on the job's other resources.
    Tags.of(this.job.node.defaultChild as glue.CfnJob).add(REPROCESS_STATE_MACHINE_TAG, stateMachineArn);

    acknowledgeOwnPolicy(stateMachine.role);
    acknowledgeNag(stateMachine.role,
      { id: 'AwsSolutions-IAM5[Resource::*]', reason: 'Step Functions log delivery (logs:CreateLogDelivery and related) and X-Ray tracing (xray:PutTraceSegments) do not support resource-level permissions.' },
    );
    return stateMachine;
  }
}
