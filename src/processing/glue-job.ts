import * as path from 'path';
import { ArnFormat, Duration, Lazy, Names, Stack, Token } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as glue from 'aws-cdk-lib/aws-glue';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { GLUE_MIN_SCHEDULE_MINUTES, toGlueCron } from './glue-schedule';
import { JobSchedules } from './job-schedules';
import { SharedJobResources, SPARK_UI_PREFIX } from './shared-job-resources';
import { compactIntrinsics } from '../private/compact-intrinsics';
import { Described, LakeValidationError } from '../private/errors';
import { InlinePolicyRole } from '../private/inline-policy-role';
import { JOB_RUNTIME, jobRuntimeZip } from '../private/job-runtime';
import { acknowledgeNag, acknowledgeWildcardResources } from '../private/nag';
import { watchStackLimits } from '../private/stack-limits';
import { DataAccess, DataLocationOptions, IDataLocation } from '../storage/data-location';

/** Arguments `aws-cdk-lib`'s job construct manages, and those Glue reserves. */
const L2_MANAGED_ARGUMENTS = [
  '--job-language', '--extra-jars', '--user-jars-first', '--extra-py-files', '--extra-files',
  '--enable-continuous-cloudwatch-log', '--enable-continuous-log-filter', '--continuous-log-logGroup',
  '--continuous-log-logStreamPrefix', '--continuous-log-conversionPattern', '--enable-metrics',
  '--enable-observability-metrics', '--enable-spark-ui', '--spark-event-logs-path',
  '--debug', '--mode', '--JOB_NAME', '--endpoint',
];
/** Arguments this library manages (set through props or methods, never through `arguments`). */
const LIBRARY_MANAGED_ARGUMENTS = [
  '--TempDir', '--enable-auto-scaling', '--enable-glue-datacatalog', '--job-bookmark-option',
  '--job-bookmark-from', '--job-bookmark-to', '--env', '--additional-python-modules',
  '--custom-logGroup-prefix', '--custom-logStream-prefix',
];
/** Every argument a user may not set in `arguments`. */
export const MANAGED_ARGUMENTS: readonly string[] = [...LIBRARY_MANAGED_ARGUMENTS, ...L2_MANAGED_ARGUMENTS];

/** Worker types of batch Spark jobs. G.025X is for streaming jobs only; Standard is Glue 1.0's. */
const BATCH_WORKER_TYPES: string[] = [
  glue.WorkerType.G_1X, glue.WorkerType.G_2X, glue.WorkerType.G_4X, glue.WorkerType.G_8X,
  glue.WorkerType.G_12X, glue.WorkerType.G_16X,
  glue.WorkerType.R_1X, glue.WorkerType.R_2X, glue.WorkerType.R_4X, glue.WorkerType.R_8X,
];
/** Worker types the Flex execution class runs on. */
const FLEX_WORKER_TYPES: string[] = [glue.WorkerType.G_1X, glue.WorkerType.G_2X];
/** Glue versions of Spark ETL jobs this library supports (auto scaling needs 3.0 or later). */
const SUPPORTED_GLUE_VERSIONS: string[] = [
  glue.GlueVersion.V3_0, glue.GlueVersion.V4_0, glue.GlueVersion.V5_0, glue.GlueVersion.V5_1, glue.GlueVersion.V6_0,
];
/**
 * The most bytes (UTF-8, keys and values) of arguments a job may have. Glue's documentation states
 * no limit, but Glue refuses requests whose arguments are too large ("Request size limit exceeded",
 * reported in awsdocs/aws-glue-developer-guide#55); the library keeps to 260 KB. See
 * docs/aws-behaviour.md#processing for what is known and the integration test that settles it.
 */
export const MAX_JOB_ARGUMENTS_BYTES = 260_000;
/**
 * The most bytes of one argument value: Glue starts the script with its arguments on the command
 * line, and Linux refuses a single command-line string longer than 32 pages (MAX_ARG_STRLEN,
 * 131,072 bytes with its terminating NUL; https://man7.org/linux/man-pages/man2/execve.2.html),
 * failing the run with "argument list too long" (reported in awsdocs/aws-glue-developer-guide#55).
 */
export const MAX_JOB_ARGUMENT_VALUE_BYTES = 131_071;
/** How many of the biggest arguments the size error names. */
const BIGGEST_ARGUMENTS_NAMED = 3;
/** The longest run a batch job may be given, in minutes (7 days). */
export const MAX_TIMEOUT_MINUTES = 10_080;
/** The most retries Glue accepts. */
const MAX_RETRIES = 10;
export { GLUE_METRICS_NAMESPACE } from './shared-job-resources';

/** Marks a `BookmarkedJob` (not part of the public props). */
export const BOOKMARKS_ENABLED = Symbol.for('cdk-glue-lake.GlueJob.bookmarks');

/**
 * Properties of a `GlueJob`.
 */
export interface GlueJobProps {
  /** The PySpark script, e.g. `glue.Code.fromAsset('jobs/orders_to_silver.py')`. */
  readonly script: glue.Code;

  /**
   * The job name: 1 to 255 characters, printable, no line breaks (Glue's naming rule).
   *
   * @default - a name derived from the construct path, unique in the app
   */
  readonly jobName?: string;

  /**
   * A description (at most 2,048 characters).
   *
   * @default - none
   */
  readonly description?: string;

  /**
   * The Glue version: 3.0, 4.0, 5.0, 5.1 or 6.0 (Spark ETL jobs with auto scaling). 6.0 runs Spark 4
   * and Python 3.13; test a script on that Spark before moving a job to it.
   *
   * @default glue.GlueVersion.V5_0 - Spark 3.5.4 and Python 3.11, the versions the library's job tests run on
   */
  readonly glueVersion?: glue.GlueVersion;

  /**
   * The worker type: a batch type (`G.1X`, `G.2X`, `G.4X`, `G.8X`, `G.12X`, `G.16X`, `R.*`); Flex
   * runs on `G.1X` and `G.2X` only.
   *
   * @default glue.WorkerType.G_1X
   */
  readonly workerType?: glue.WorkerType;

  /**
   * The most workers a run may use (at least 2). With auto scaling, Glue adds workers up to this
   * cap as stages need them and you pay for the workers in use; without it, every run gets all of them.
   *
   * @default 10
   */
  readonly maxWorkers?: number;

  /**
   * Whether Glue scales the number of workers with the work (`--enable-auto-scaling`).
   *
   * @default true
   */
  readonly autoScaling?: boolean;

  /**
   * The execution class. `FLEX` runs on spare capacity at a lower price, for jobs whose start time
   * is not urgent (it may start later and is not for time-critical pipelines).
   *
   * @default glue.ExecutionClass.STANDARD
   */
  readonly executionClass?: glue.ExecutionClass;

  /**
   * How long a run may take before Glue stops it with `TIMEOUT`: whole minutes, at most 7 days.
   * Glue's own default (8 hours from Glue 5.0, 48 hours before) lets a stuck job bill for hours.
   *
   * @default Duration.minutes(60)
   */
  readonly timeout?: Duration;

  /**
   * How many times Glue retries a failed run (0 to 10). A retry of a job that is not idempotent
   * (appends instead of overwriting its output) duplicates data: raise it only for jobs that
   * overwrite whole partitions or otherwise converge.
   *
   * @default 0
   */
  readonly maxRetries?: number;

  /**
   * How many runs of the job may run at once (at least 1).
   *
   * @default 1
   */
  readonly maxConcurrentRuns?: number;

  /**
   * Glue job metrics (`--enable-metrics`).
   *
   * @default true
   */
  readonly enableMetrics?: boolean;

  /**
   * Glue observability metrics (`--enable-observability-metrics`).
   *
   * @default true
   */
  readonly enableObservabilityMetrics?: boolean;

  /**
   * The Spark UI: event logs are written, encrypted, under `spark-ui/<job>/` of the shared
   * temporary bucket and expire with it.
   *
   * @default false
   */
  readonly sparkUi?: boolean;

  /**
   * More job arguments (keys start with `--`, no whitespace). Arguments the library or Glue manage
   * (`--TempDir`, `--env`, `--job-bookmark-option`, `--enable-metrics`, ...) are set through props
   * and may not appear here. Values are stored in plain text in the template: no secrets.
   *
   * @default - none
   */
  readonly arguments?: { [key: string]: string };

  /**
   * The environment name passed as `--env` (e.g. `dev`, `prod`): letters, digits, `-` and `_`.
   *
   * @default - no `--env` argument
   */
  readonly environment?: string;

  /**
   * Python files or zips added to the path (`--extra-py-files`, after the job runtime's zip unless
   * `jobRuntime` is false). The role may read exactly these objects.
   *
   * @default - none
   */
  readonly extraPythonFiles?: glue.Code[];

  /**
   * Whether the job ships with the job runtime: the `gluelake` Python package of this library's
   * version (the argument objects, the job skeleton, the lake practices), zipped at build time and
   * added first to `--extra-py-files`, so that the script can `import gluelake` with no PyPI access
   * at run time (e.g. in a VPC without internet). The role may read exactly that object. `false`
   * leaves the job's Python path to `extraPythonFiles` and `additionalPythonModules`.
   *
   * @default true
   */
  readonly jobRuntime?: boolean;

  /**
   * Python modules installed with pip before the run (`--additional-python-modules`), e.g.
   * `['pydantic==2.9.2']`. Pin versions for repeatable runs.
   *
   * @default - none
   */
  readonly additionalPythonModules?: string[];

  /**
   * Glue connections (for jobs that reach into a VPC). The role may read these connections and
   * manage the network interfaces Glue creates for them.
   *
   * @default - none
   */
  readonly connections?: glue.IConnection[];

  /**
   * Tags of the job (keys 1 to 128 characters, values at most 256).
   *
   * @default - none
   */
  readonly tags?: { [key: string]: string };

  /**
   * The resources jobs share: security configuration, key, temporary bucket, log group,
   * notification rules.
   *
   * @default SharedJobResources.of(this) - one per stack
   */
  readonly shared?: SharedJobResources;

  /**
   * Runs the job on a schedule (a Glue scheduled trigger). Glue schedules are cron expressions;
   * a rate is converted to the equivalent cron when one exists (`rate(15 minutes)`,
   * `rate(2 hours)`, `rate(1 day)`). The jobs of a stack with the same schedule share one trigger
   * (up to 50 jobs per trigger, Glue's quota), each started as its own run.
   *
   * @default - no schedule
   */
  readonly schedule?: events.Schedule;

  /**
   * A topic that receives a readable message when a run fails or times out.
   *
   * Glue sends no state-change event for runs in ERROR, and STOPPED runs, stopped on purpose, are
   * not announced.
   *
   * @default - no notification
   */
  readonly failureTopic?: sns.ITopic;
}

/**
 * An opinionated PySpark ETL job a production team can run unattended: Glue 5.0, auto scaling
 * G.1X workers up to 10, a 60-minute timeout, no retries, one run at a time, metrics on, a shared
 * security configuration (S3 SSE-KMS, CloudWatch Logs KMS, bookmark CSE-KMS), encrypted continuous
 * logs with a retention, an encrypted and expiring `--TempDir`, a least-privilege role of its own,
 * and the job runtime (`import gluelake`, this library's version) on the script's Python path.
 *
 * Implements `glue.IJob`: metrics, event rules, `grantPrincipal`, name and ARN work as for any job.
 */
export class GlueJob extends glue.JobBase {
  /** The `aws-cdk-lib` job (`PySparkEtlJob`) this construct configures. */
  public readonly job: glue.PySparkEtlJob;

  /** The role the job runs with (created for this job alone). */
  public readonly role: iam.Role;

  /** The resources this job shares with the other jobs of the stack. */
  public readonly shared: SharedJobResources;

  /** The job's name. */
  public readonly jobName: string;

  /** The job's ARN. */
  public readonly jobArn: string;

  /** The principal that grants apply to: the job's role. */
  public readonly grantPrincipal: iam.IPrincipal;

  /** The `--TempDir` of the job. */
  public readonly tempDir: string;

  private readonly cfnJob: glue.CfnJob;
  private readonly jobArguments: { [key: string]: string } = {};
  /** The arguments the props set (their own and the managed ones). */
  private readonly propArgumentKeys: string[];
  private readonly upstreams: glue.IJob[] = [];
  private afterTrigger?: glue.CfnTrigger;

  constructor(scope: Construct, id: string, props: GlueJobProps) {
    const jobName = props.jobName;
    super(scope, id, { physicalName: jobName });
    watchStackLimits(this);
    const constructName = this.constructor.name;
    const v = new Validator(this, constructName);
    const shared = props.shared ?? SharedJobResources.of(this);
    const runtimeFiles = (props.jobRuntime ?? true) ? [jobRuntimeCode(shared, v)] : [];
    const extraPythonFiles = [...runtimeFiles, ...(props.extraPythonFiles ?? []).map(checkoutIndependentCode)];
    props = {
      ...props,
      script: checkoutIndependentCode(props.script),
      extraPythonFiles: extraPythonFiles.length > 0 ? extraPythonFiles : undefined,
    };
    const stack = Stack.of(this);

    const name = jobName ?? Names.uniqueResourceName(this, { maxLength: 255, separator: '-' });
    v.jobName(name);
    if (props.description !== undefined && !Token.isUnresolved(props.description) && props.description.length > 2048) {
      v.fail('description', new Described(`a description of ${props.description.length} characters`), 'at most 2048 characters');
    }
    const glueVersion = props.glueVersion ?? glue.GlueVersion.V5_0;
    if (!SUPPORTED_GLUE_VERSIONS.includes(glueVersion)) {
      v.fail('glueVersion', glueVersion, `one of ${SUPPORTED_GLUE_VERSIONS.join(', ')} (Spark ETL jobs with auto scaling)`);
    }
    const executionClass = props.executionClass ?? glue.ExecutionClass.STANDARD;
    const workerType = props.workerType ?? glue.WorkerType.G_1X;
    const flex = executionClass === glue.ExecutionClass.FLEX;
    if (!BATCH_WORKER_TYPES.includes(workerType)) {
      v.fail('workerType', workerType, workerType === glue.WorkerType.G_025X
        ? `a batch worker type (${BATCH_WORKER_TYPES.join(', ')}): G.025X is for streaming jobs only`
        : `a batch worker type: ${BATCH_WORKER_TYPES.join(', ')}`);
    }
    if (flex && !FLEX_WORKER_TYPES.includes(workerType)) {
      v.fail('workerType', workerType, `${FLEX_WORKER_TYPES.join(' or ')} with the FLEX execution class`);
    }
    const maxWorkers = props.maxWorkers ?? 10;
    v.integer('maxWorkers', maxWorkers, 2, undefined, 'an integer >= 2 (a Spark job needs a driver and at least one executor)');
    const timeout = props.timeout ?? Duration.minutes(60);
    v.timeout(timeout);
    const maxRetries = props.maxRetries ?? 0;
    v.integer('maxRetries', maxRetries, 0, MAX_RETRIES, `an integer from 0 to ${MAX_RETRIES}`);
    const maxConcurrentRuns = props.maxConcurrentRuns ?? 1;
    v.integer('maxConcurrentRuns', maxConcurrentRuns, 1, undefined, 'an integer >= 1');
    if (props.environment !== undefined && !Token.isUnresolved(props.environment) && !/^[A-Za-z0-9_-]{1,64}$/.test(props.environment)) {
      v.fail('environment', props.environment, "letters, digits, '-' and '_', 1 to 64 characters (passed as --env)");
    }
    const modules = props.additionalPythonModules ?? [];
    for (const m of modules) {
      if (!Token.isUnresolved(m) && !/^[^\s,]+$/.test(m)) {
        v.fail('additionalPythonModules', m, "a pip requirement without spaces or commas, e.g. 'pydantic==2.9.2'");
      }
    }
    v.arguments(props.arguments ?? {});
    v.tags(props.tags ?? {});

    this.shared = shared;
    // Glue 3.0 and 4.0 write continuous logs to the security configuration's logs-v2 group.
    if (glueVersion === glue.GlueVersion.V3_0 || glueVersion === glue.GlueVersion.V4_0) this.shared._useContinuousLogGroup();
    // The job's own grants go inline in its role (one resource per job, not two); what every job of
    // the shared resources needs is their managed policy, attached here.
    this.role = new InlinePolicyRole(this, 'Role', {
      assumedBy: new iam.PrincipalWithConditions(new iam.ServicePrincipal('glue.amazonaws.com'), {
        StringEquals: { 'aws:SourceAccount': stack.account },
      }),
      description: `Runs the Glue job ${this.node.path}`,
      managedPolicies: [this.shared.jobPolicy],
    }, { scope: this, constructName: this.constructor.name });
    this.grantPrincipal = this.role;

    const jobKey = Names.uniqueResourceName(this, { maxLength: 64, separator: '-' });
    this.tempDir = this.shared.tempDirUri(jobKey);
    const managed: { [key: string]: string } = {
      '--TempDir': this.tempDir,
      '--enable-glue-datacatalog': 'true',
      '--job-bookmark-option': (props as unknown as Record<symbol, unknown>)[BOOKMARKS_ENABLED] ? 'job-bookmark-enable' : 'job-bookmark-disable',
    };
    // Glue 5.0 log groups: the shared, encrypted groups with a retention; one stream prefix per job.
    const streamPrefix = name.replace(/[:*\s]/g, '-');
    managed['--custom-logGroup-prefix'] = this.shared.logGroupPrefix;
    managed['--custom-logStream-prefix'] = streamPrefix;
    if (props.autoScaling ?? true) managed['--enable-auto-scaling'] = 'true';
    if (props.environment !== undefined) managed['--env'] = props.environment;
    if (modules.length > 0) managed['--additional-python-modules'] = modules.join(',');

    // The aws-cdk-lib job receives the role without the right to add policies: every grant it
    // would make (the whole asset bucket, the log group) is made here, scoped to what the job uses.
    this.job = new glue.PySparkEtlJob(this, 'Resource', {
      jobName: name,
      description: props.description,
      script: props.script,
      role: this.role.withoutPolicyUpdates(),
      glueVersion,
      workerConfiguration: { workerType, numberOfWorkers: maxWorkers },
      timeout,
      maxRetries,
      maxConcurrentRuns,
      enableMetrics: props.enableMetrics ?? true,
      enableObservabilityMetrics: props.enableObservabilityMetrics ?? true,
      sparkUI: props.sparkUi ? { bucket: this.shared.tempBucket, prefix: `/${SPARK_UI_PREFIX}${jobKey}` } : undefined,
      securityConfiguration: this.shared.securityConfiguration,
      continuousLogging: { enabled: true, logStreamPrefix: streamPrefix },
      extraPythonFiles: props.extraPythonFiles,
      connections: props.connections,
      tags: props.tags,
      defaultArguments: { ...(props.arguments ?? {}), ...managed },
    });
    this.cfnJob = this.job.node.defaultChild as glue.CfnJob;
    if (flex) this.cfnJob.executionClass = glue.ExecutionClass.FLEX;
    const base = this.cfnJob.defaultArguments as { [key: string]: string };
    this.propArgumentKeys = Object.keys(base);
    // What the library and aws-cdk-lib set (code, temporary directory, logging, catalog, metrics,
    // Spark UI, environment) is pinned: Glue ignores a run argument whose key is non-overridable,
    // so whoever may start the job cannot load other code or move its data or logs. The user's
    // `arguments`, the locations and `--job-bookmark-option` (BookmarkedJob's reprocessing passes
    // job-bookmark-pause) stay default arguments a run may replace. A key is in one map only.
    const overridable = new Set([...Object.keys(props.arguments ?? {}), '--job-bookmark-option']);
    const pinned = Object.fromEntries(Object.entries(base).filter(([key]) => !overridable.has(key)));
    const defaults = Object.fromEntries(Object.entries(base).filter(([key]) => overridable.has(key)));
    // Locations built from references are written as Fn::Sub (compactJoins): the same values in fewer bytes.
    this.cfnJob.nonOverridableArguments = compactIntrinsics(pinned);
    this.cfnJob.defaultArguments = compactIntrinsics(Lazy.any({ produce: () => ({ ...defaults, ...this.jobArguments }) }));
    // Locations, tables and services add arguments after the constructor: their total is checked at synthesis.
    this.node.addValidation({ validate: () => this.validateArgumentsSize() });

    this.jobName = this.getResourceNameAttribute(this.job.jobName);
    this.jobArn = this.buildJobArn(this, this.jobName);
    this.node.defaultChild = this.job;

    this.grantRuntime(props, jobKey);
    if (props.schedule) this.addSchedule(props.schedule, v);
    // The literal name keeps the event pattern small (a Ref would be counted at Glue's 255-character maximum).
    if (props.failureTopic) this.shared.notifyOnFailure(name, props.failureTopic);
  }

  /**
   * Reads `location`: grants exactly the read access (objects under the prefix, the key through
   * S3, the catalog of its database) and passes it as `--<name>_path` and `--<name>_database`
   * (`<name>` defaults to `input_<layer>`).
   */
  public readsFrom(location: IDataLocation, options: DataLocationOptions = {}): GlueJob {
    return this.bindLocation(location, DataAccess.READ, options);
  }

  /**
   * Writes `location`: grants read and write access under the prefix, registers the prefix with
   * the layer's `SparkStagingLifecycle`, and passes it as `--<name>_path` and `--<name>_database`
   * (`<name>` defaults to `output_<layer>`). Raw layers are refused.
   */
  public writesTo(location: IDataLocation, options: DataLocationOptions = {}): GlueJob {
    return this.bindLocation(location, DataAccess.WRITE, options);
  }

  /**
   * Starts this job whenever every one of `upstream` jobs' runs SUCCEEDS (a Glue conditional
   * trigger; call again to add more upstream jobs). Glue fires conditional triggers only for runs
   * that a trigger started: start the head of a chain with its `schedule` or a trigger, not with
   * `StartJobRun`.
   */
  public runsAfter(upstream: glue.IJob): GlueJob {
    const v = new Validator(this, this.constructor.name);
    if (upstream === this) v.fail('upstream', upstream, 'another job: a job cannot run after itself');
    if (upstream instanceof GlueJob && upstream.dependsOnJob(this)) {
      v.fail('upstream', upstream, `a job that does not already run after '${this.node.path}' (the chain would be a cycle)`);
    }
    if (this.upstreams.includes(upstream)) return this;
    this.upstreams.push(upstream);
    if (!this.afterTrigger) {
      this.afterTrigger = new glue.CfnTrigger(this, 'RunsAfter', {
        type: 'CONDITIONAL',
        startOnCreation: true,
        description: `Starts ${this.node.path} when its upstream jobs succeed`,
        actions: [{ jobName: this.jobName }],
        predicate: {
          logical: 'AND',
          conditions: Lazy.any({
            produce: () => this.upstreams.map(u => ({ logicalOperator: 'EQUALS', jobName: u.jobName, state: 'SUCCEEDED' })),
          }),
        },
      });
    }
    return this;
  }

  /**
   * Grants starting, reading, listing and stopping runs of this job (and nothing else).
   */
  public grantStartRun(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['glue:StartJobRun', 'glue:GetJobRun', 'glue:GetJobRuns', 'glue:BatchStopJobRun'],
      resourceArns: [this.jobArn],
    });
  }

  /**
   * Passes `value` to the script as the job argument `name` (`--` followed by letters, digits, `_`
   * or `-`), for a service the script calls, e.g. `PiiTokenizer.bindToJob` passes its function
   * name. An argument the library manages, or one this job already has, is refused.
   */
  public addArgument(name: string, value: string): GlueJob {
    const v = new Validator(this, this.constructor.name);
    if (Token.isUnresolved(name) || !/^--[A-Za-z0-9_-]{1,128}$/.test(name)) {
      v.fail('name', name, "'--' followed by 1 to 128 letters, digits, '_' or '-', e.g. '--pii_tokenizer_function'");
    }
    if (MANAGED_ARGUMENTS.includes(name)) {
      v.fail('name', name, 'an argument the library does not manage: set it through its prop or the method that owns it');
    }
    if (this.hasArgument(name)) {
      v.fail('name', name, `an argument this job does not already have (${name} is set by its arguments, a location or another service)`);
    }
    if (typeof value !== 'string' || (!Token.isUnresolved(value) && value.length === 0)) {
      v.fail('value', value, `a non-empty string for ${name}`);
    }
    this.jobArguments[name] = value;
    return this;
  }

  /**
   * Glue refuses a job whose arguments are too big; a table's merge SQL grows with its columns.
   * Values resolved at deploy time (a bucket name) count as the size of their CloudFormation expression.
   */
  private validateArgumentsSize(): string[] {
    const stack = Stack.of(this);
    // The pinned and the default arguments both reach the job's command line and Glue's request.
    const args = {
      ...stack.resolve(this.cfnJob.nonOverridableArguments) as { [key: string]: unknown } | undefined,
      ...stack.resolve(this.cfnJob.defaultArguments) as { [key: string]: unknown } | undefined,
    };
    const sizes = Object.entries(args).map(([key, value]) => {
      const valueBytes = Buffer.byteLength(typeof value === 'string' ? value : JSON.stringify(value), 'utf8');
      return { key, valueBytes, bytes: Buffer.byteLength(key, 'utf8') + valueBytes };
    });
    const errors = sizes.filter(s => s.valueBytes > MAX_JOB_ARGUMENT_VALUE_BYTES).map(s => new LakeValidationError(
      this, this.constructor.name, 'arguments', new Described(`${s.key} with a value of ${s.valueBytes} bytes`),
      `argument values of at most ${MAX_JOB_ARGUMENT_VALUE_BYTES} bytes (Linux refuses a longer command-line argument and the run fails): write fewer columns from one job, or pass large values as a file (extraPythonFiles) instead of an argument`).message);
    const total = sizes.reduce((sum, s) => sum + s.bytes, 0);
    if (total <= MAX_JOB_ARGUMENTS_BYTES) return errors;
    const biggest = [...sizes].sort((a, b) => b.bytes - a.bytes).slice(0, BIGGEST_ARGUMENTS_NAMED)
      .map(s => `${s.key} (${s.bytes} bytes)`).join(', ');
    return [new LakeValidationError(this, this.constructor.name, 'arguments',
      new Described(`arguments of ${total} bytes in total; the biggest: ${biggest}`),
      `at most ${MAX_JOB_ARGUMENTS_BYTES} bytes of job arguments in total (Glue refuses more): write fewer tables or columns from one job, or pass large values as a file (extraPythonFiles) instead of an argument`).message, ...errors];
  }

  /** True when the argument is set (by the props, a location or `addArgument`). */
  private hasArgument(key: string): boolean {
    return key in this.jobArguments || this.propArgumentKeys.includes(key);
  }

  /** True when this job runs after `other`, directly or through other jobs. */
  private dependsOnJob(other: glue.IJob): boolean {
    return this.upstreams.some(u => u === other || (u instanceof GlueJob && u.dependsOnJob(other)));
  }

  private bindLocation(location: IDataLocation, access: DataAccess, options: DataLocationOptions): GlueJob {
    const binding = location.bindToJob(this, this.role, access, options);
    const name = options.argumentName ?? binding.defaultArgumentName;
    const v = new Validator(this, this.constructor.name);
    if (!Token.isUnresolved(name) && !/^[A-Za-z][A-Za-z0-9_]{0,63}$/.test(name)) {
      v.fail('argumentName', name, "letters, digits and '_', starting with a letter, at most 64 characters");
    }
    for (const [suffix, value] of Object.entries(binding.values)) {
      const key = `--${name}_${suffix}`;
      if (this.hasArgument(key)) {
        v.fail('argumentName', name, `a name that no other location or argument of this job uses (${key} is taken); pass argumentName to tell two locations of one layer apart`);
      }
      this.jobArguments[key] = value;
    }
    const what = access === DataAccess.WRITE ? 'writes' : 'reads';
    acknowledgeWildcardResources(this.role, this, binding.scopedWildcardResources ?? [],
      `The job ${what} the objects under one prefix of a lake layer or under one table's location (and, for a layer, the tables of its database); object keys and table names are data, not known at deploy time.`);
    return this;
  }

  private addSchedule(schedule: events.Schedule, v: Validator): void {
    const result = toGlueCron(schedule.expressionString);
    if (!('cron' in result)) {
      if (result.problem === 'tooFrequent') {
        v.fail('schedule', new Described(`${JSON.stringify(schedule.expressionString)} (runs ${result.everyMinutes} minute${result.everyMinutes === 1 ? '' : 's'} apart)`),
          `a schedule whose runs are at least ${GLUE_MIN_SCHEDULE_MINUTES} minutes apart (Glue's minimum schedule precision), e.g. rate(5 minutes) or cron(0/15 * * * ? *)`);
      }
      v.fail('schedule', schedule.expressionString,
        "a cron expression with 6 fields and '?' in day-of-month or day-of-week, e.g. cron(0 2 * * ? *), or a rate with a cron equivalent (minutes dividing 60, hours dividing 24, 1 day)");
    }
    // The jobs of a stack on the same schedule share one trigger (one resource per schedule, not per job).
    JobSchedules.of(this).add(result.cron, this.jobName, this.node.path);
  }

  /** What the job needs to run: its code, the temporary directory, the key, logs and metrics. */
  private grantRuntime(props: GlueJobProps, jobKey: string): void {
    const stack = Stack.of(this);
    // The job runtime's zip is read through the shared job policy (one grant for every job).
    const codeObjects = [props.script, ...(props.extraPythonFiles ?? []).filter(code => !this.shared._isJobRuntimeCode(code))].map(code => {
      // Bound without grants (the asset's own grant covers the whole asset bucket): the exact object is granted below.
      const loc = code.bind(this, this.role.withoutPolicyUpdates()).s3Location;
      return stack.formatArn({ service: 's3', region: '', account: '', resource: loc.bucketName, resourceName: loc.objectKey, arnFormat: ArnFormat.SLASH_RESOURCE_NAME });
    });
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'ReadJobCode',
      actions: ['s3:GetObject'],
      resources: codeObjects,
    }));

    const temp = this.shared.tempBucket;
    const prefixes = [this.shared.tempDirPrefix(jobKey), ...(props.sparkUi ? [`${SPARK_UI_PREFIX}${jobKey}/`] : [])];
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'UseTempDir',
      actions: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'],
      resources: prefixes.map(p => temp.arnForObjects(`${p}*`)),
    }));
    // Listing the temporary bucket's job directories is in the shared job policy.
    // The shared key, the Spark catalog's default database, the log groups and the Glue metrics:
    // the shared resources' job policy (attached to the role in the constructor).

    if (props.connections && props.connections.length > 0) {
      this.role.addToPrincipalPolicy(new iam.PolicyStatement({
        sid: 'ReadConnections',
        actions: ['glue:GetConnection'],
        resources: [
          stack.formatArn({ service: 'glue', resource: 'catalog' }),
          ...props.connections.map(c => c.connectionArn),
        ],
      }));
      this.role.addToPrincipalPolicy(new iam.PolicyStatement({
        sid: 'ManageConnectionNetworkInterfaces',
        actions: [
          'ec2:CreateNetworkInterface', 'ec2:DeleteNetworkInterface', 'ec2:DescribeNetworkInterfaces',
          'ec2:DescribeSecurityGroups', 'ec2:DescribeSubnets', 'ec2:DescribeVpcAttribute',
          'ec2:DescribeVpcEndpoints', 'ec2:DescribeRouteTables', 'ec2:CreateTags',
        ],
        resources: ['*'],
      }));
    }

    acknowledgeOwnPolicy(this.role);
    acknowledgeWildcardResources(this.role, this, prefixes.map(p => temp.arnForObjects(`${p}*`)),
      'The job reads and writes only its own temporary directory (a prefix named after the job) in the shared, expiring temporary bucket.');
    if (props.connections?.length) {
      acknowledgeNag(this.role, {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason: 'The EC2 network-interface actions Glue uses for VPC connections cannot be scoped to an interface that does not exist yet.',
      });
    }
  }
}

/**
 * Acknowledges the HIPAA, NIST and PCI "no inline policy" rules on the policy of a role created for
 * one job, function or state machine (the role itself when its policy is inline).
 */
export function acknowledgeOwnPolicy(policy: Construct): void {
  const reason = 'The policy holds only what one job, function or state machine is granted and lives and dies with the role created for it; a managed policy per role would be attachable to other principals, the opposite of least privilege. What every job shares is in one customer-managed policy (SharedJobResources.jobPolicy).';
  acknowledgeNag(policy,
    { id: 'HIPAA.Security-IAMNoInlinePolicy', reason },
    { id: 'NIST.800.53.R5-IAMNoInlinePolicy', reason },
    { id: 'PCI.DSS.321-IAMNoInlinePolicy', reason },
  );
}

/**
 * Validation of the props and method arguments of a job, with messages that name the construct.
 */
class Validator {
  constructor(private readonly scope: Construct, private readonly constructName: string) {}

  public fail(prop: string, received: unknown, expected: string): never {
    throw new LakeValidationError(this.scope, this.constructName, prop, received, expected);
  }

  public jobName(name: string): void {
    if (Token.isUnresolved(name)) return;
    // Glue: 1-255 characters of the single-line string pattern (no control characters but tab).
    // eslint-disable-next-line no-control-regex
    if (name.length < 1 || name.length > 255 || /[\u0000-\u0008\u000A-\u001F\u007F]/.test(name) || name.trim() !== name) {
      this.fail('jobName', name, '1 to 255 characters without line breaks, control characters or leading and trailing spaces (Glue job naming)');
    }
  }

  public integer(prop: string, value: number, min: number, max: number | undefined, expected: string): void {
    if (Token.isUnresolved(value)) return;
    if (!Number.isInteger(value) || value < min || (max !== undefined && value > max)) this.fail(prop, value, expected);
  }

  public timeout(timeout: Duration): void {
    if (timeout.isUnresolved()) return;
    const minutes = timeout.toMinutes({ integral: false });
    if (!Number.isInteger(minutes) || minutes < 1 || minutes > MAX_TIMEOUT_MINUTES) {
      this.fail('timeout', timeout, `a whole number of minutes from 1 to ${MAX_TIMEOUT_MINUTES} (7 days)`);
    }
  }

  public arguments(args: { [key: string]: string }): void {
    for (const key of Object.keys(args)) {
      if (Token.isUnresolved(key)) continue;
      if (!/^--[^\s=]+$/.test(key)) {
        this.fail('arguments', key, "argument keys that start with '--' and contain no whitespace or '=', e.g. '--orders_path'");
      }
      if (MANAGED_ARGUMENTS.includes(key)) {
        this.fail('arguments', key, 'an argument the library does not manage: set it through its prop (environment, autoScaling, enableMetrics, sparkUi, extraPythonFiles, additionalPythonModules, ...) or the method that owns it (readsFrom, writesTo, BookmarkedJob)');
      }
    }
  }

  public tags(tags: { [key: string]: string }): void {
    for (const [key, value] of Object.entries(tags)) {
      if (!Token.isUnresolved(key) && (key.length < 1 || key.length > 128)) this.fail('tags', key, 'tag keys of 1 to 128 characters');
      if (!Token.isUnresolved(value) && value.length > 256) this.fail('tags', value, 'tag values of at most 256 characters');
    }
  }
}

/**
 * The same asset code, named independently of where the repository is checked out.
 *
 * aws-cdk-lib's Glue `AssetCode` names its asset construct after a hash of the path as given, and
 * CDK Pipelines names the asset's publishing action after that construct. With an absolute path
 * (`path.join(__dirname, ...)`), every checkout directory gives other names; CodeBuild checks out
 * into a new directory for each build, so a pipeline would change (and update itself) on every
 * run. The path relative to the working directory names the same file (assets are read in the
 * same process) and stays the same wherever the repository is. Other code is returned as is.
 */
export function checkoutIndependentCode(code: glue.Code): glue.Code {
  if (!(code instanceof glue.AssetCode)) return code;
  // aws-cdk-lib keeps the path and the asset options in private fields of the same names.
  const internals = code as unknown as { readonly path?: unknown; readonly options?: s3assets.AssetOptions };
  if (typeof internals.path !== 'string' || !path.isAbsolute(internals.path)) return code;
  const relative = path.relative(process.cwd(), internals.path);
  if (relative === '' || path.isAbsolute(relative)) return code;
  return glue.Code.fromAsset(relative, internals.options);
}

/**
 * The job runtime zip (`assets/runtime/gluelake.zip` of this package): one file asset of the shared
 * job resources, which every job's role may read. Missing only in a repository checkout whose build
 * has not run: the message says how to build it.
 */
function jobRuntimeCode(shared: SharedJobResources, v: Validator): glue.Code {
  const zip = jobRuntimeZip();
  if (zip === undefined) {
    v.fail('jobRuntime', true, `the job runtime zip at ${JOB_RUNTIME.zipPath}, which the library build creates (run \`npx projen bundle\` or \`python3 scripts/build-runtime.py\` in a checkout of cdk-glue-lake), or jobRuntime: false`);
  }
  return shared._jobRuntimeCode(zip!);
}
