import { ArnFormat, Duration, Names, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import type * as events from 'aws-cdk-lib/aws-events';
import * as glue from 'aws-cdk-lib/aws-glue';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct, IConstruct } from 'constructs';
import { FailureNotifications } from './failure-notifications';
import { createAccessLogBucket, secureBucketDefaults, stackAccessLogBucket } from '../private/buckets';
import { DEFAULT_LOG_RETENTION, denyGrantsExceptForAwsResources } from '../private/control-tower';
import { LakeValidationError, requireWholeDays } from '../private/errors';
import { allowCloudWatchLogs, requireLogRetention } from '../private/logs';
import { acknowledgeNag, wildcardResourceFinding } from '../private/nag';
import { resolveRemovalPolicy } from '../private/removal-policy';
import { enableServerAccessLogs } from '../storage/lake-layer';

const CONSTRUCT = 'SharedJobResources';
/** The namespace of Glue's job metrics (and observability metrics). */
export const GLUE_METRICS_NAMESPACE = 'Glue';
/** The construct id of the stack-wide instance that `SharedJobResources.of()` creates. */
const SINGLETON_ID = 'CdkGlueLakeSharedJobResources';

/**
 * Properties of `SharedJobResources`.
 */
export interface SharedJobResourcesProps {
  /**
   * The key that encrypts the jobs' logs (CloudWatch Logs), their bookmarks (client-side) and the
   * temporary bucket (`--TempDir`, Spark UI event logs). Its key policy receives the statement that
   * lets CloudWatch Logs use it for the Glue log groups, so it must be a key this app defines
   * (`new kms.Key`): an imported key is refused.
   *
   * It does NOT encrypt the data jobs write to the lake: the security configuration's S3 encryption
   * is `DISABLED`, so every object a job writes takes the default encryption of the bucket it is
   * written to. A lake layer's bucket is SSE-KMS with the lake's key (and an S3 bucket key), so
   * whoever the layer's `grantRead` admits can decrypt what jobs write there, whichever stack or
   * lake the jobs belong to. A bucket of your own gets its own default encryption.
   *
   * @default - a new key with yearly rotation
   */
  readonly encryptionKey?: kms.IKey;

  /**
   * The name of the Glue security configuration (letters, digits, `-` and `_`, at most 255
   * characters). It is part of the log group names Glue writes to.
   *
   * @default - a name derived from the construct path, unique in the app
   */
  readonly securityConfigurationName?: string;

  /**
   * How long files in the jobs' temporary directories (`--TempDir`) live before they expire.
   * Must be longer than the longest job run.
   *
   * @default Duration.days(3)
   */
  readonly tempFilesExpiration?: Duration;

  /**
   * How long job logs are kept, in days CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, ...).
   *
   * The default, one year, is the least AWS Control Tower's proactive control CT.CLOUDWATCH.PR.2
   * accepts; the jobs, their orchestrators and their reprocessing state machines all keep their
   * logs this long. A shorter period costs less storage (CloudWatch Logs bills archived log data
   * per GB-month) but fails that control.
   *
   * @default Duration.days(365)
   */
  readonly logRetention?: Duration;

  /**
   * Where the temporary bucket's server access logs go (under `glue-temp/`). Pass the lake's
   * `accessLogsBucket` to keep one log bucket, also from another stack (its bucket policy then
   * admits log delivery from this account's buckets under `glue-temp/`). Must be a bucket defined in
   * this app: the policy of an imported bucket cannot admit the S3 logging service, so it is refused.
   *
   * @default - the access-log bucket of a `BronzeSilverGoldLake` defined earlier in the same stack
   * (one log bucket per stack); without one, a new access-log bucket (SSE-S3, logs expire after 90 days)
   */
  readonly accessLogsBucket?: s3.IBucket;

  /**
   * What happens to the key, the buckets and the log group when they leave the stack. `DESTROY`
   * takes effect only with the context key `cdk-glue-lake:removeDataOnDestroy` set to `true`.
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * What every Glue job of a stack (or of a lake) shares, created once rather than per job: a KMS
 * key, one Glue security configuration (CloudWatch Logs KMS, job bookmark CSE-KMS, S3 writes
 * encrypted by each destination bucket's default encryption),
 * an encrypted bucket for `--TempDir` and Spark UI event logs whose files expire, the encrypted
 * log group of continuous logging, and the failure notification rules.
 *
 * `GlueJob` uses `SharedJobResources.of(stack)` unless given one.
 */
export class SharedJobResources extends Construct {
  /**
   * The stack's shared resources, created on first use at the stack's root.
   */
  public static of(scope: IConstruct): SharedJobResources {
    const stack = Stack.of(scope);
    const existing = stack.node.tryFindChild(SINGLETON_ID);
    if (existing) return existing as SharedJobResources;
    return new SharedJobResources(stack, SINGLETON_ID);
  }

  /** The key of the security configuration, the temporary bucket and the log group. */
  public readonly encryptionKey: kms.IKey;

  /** The security configuration every job uses. */
  public readonly securityConfiguration: glue.SecurityConfiguration;

  /** Its name (part of the log group names Glue writes to). */
  public readonly securityConfigurationName: string;

  /** The bucket of the jobs' temporary directories (`--TempDir`) and Spark UI event logs. */
  public readonly tempBucket: s3.IBucket;

  /** How long temporary files live. */
  public readonly tempFilesExpiration: Duration;

  /**
   * The prefix of the jobs' log groups (`--custom-logGroup-prefix`): Glue 5.0 writes driver, executor
   * and Glue logger output to `<prefix>/error` and the script's stdout and stderr to `<prefix>/output`.
   */
  public readonly logGroupPrefix: string;

  /**
   * The log groups the jobs write to (one log stream prefix per job): error and output, and the
   * continuous-logging group (logs-v2) once a Glue 3.0 or 4.0 job uses these resources (Glue 5.0
   * and later write to the first two only).
   */
  public get logGroups(): logs.ILogGroup[] {
    return this.continuousLogGroup ? [...this.customLogGroups, this.continuousLogGroup] : [...this.customLogGroups];
  }

  /** How long logs are kept. */
  public readonly logRetention: Duration;

  /** The removal policy of the shared stateful resources (and of the jobs' log groups). */
  public readonly removalPolicy: RemovalPolicy;

  /**
   * What every job using these resources needs, whatever data it touches: the key through S3 (its
   * temporary directory's objects) and directly (the job bookmarks' client-side encryption), the
   * Spark catalog's `default` database, the log groups of the security configuration, the Glue
   * metrics namespace, the job runtime's zip (the same object for every job) and listing the
   * temporary bucket's job directories (key names only). A customer-managed policy attached to each
   * job's role: one copy in the template instead of one per role. What is scoped to one job (its
   * script, reading and writing its temporary directory, its data) stays in that job's role.
   */
  public readonly jobPolicy: iam.ManagedPolicy;

  private readonly notifications: FailureNotifications;
  private readonly customLogGroups: logs.ILogGroup[];
  private readonly logRetentionDays: logs.RetentionDays;
  private continuousLogGroup?: logs.ILogGroup;
  private jobRuntime?: glue.Code;

  constructor(scope: Construct, id: string, props: SharedJobResourcesProps = {}) {
    super(scope, id);
    const removalPolicy = resolveRemovalPolicy(this, props.removalPolicy);
    this.removalPolicy = removalPolicy;
    const destroy = removalPolicy === RemovalPolicy.DESTROY;

    this.tempFilesExpiration = props.tempFilesExpiration ?? Duration.days(3);
    requireWholeDays(this, CONSTRUCT, 'tempFilesExpiration', this.tempFilesExpiration, 1);
    this.logRetention = props.logRetention ?? DEFAULT_LOG_RETENTION;
    const retentionDays = requireLogRetention(this, CONSTRUCT, 'logRetention', this.logRetention);

    const name = props.securityConfigurationName ?? Names.uniqueResourceName(this, { maxLength: 255, separator: '-' });
    if (!Token.isUnresolved(name) && !/^[A-Za-z0-9_-]{1,255}$/.test(name)) {
      throw new LakeValidationError(this, CONSTRUCT, 'securityConfigurationName', name,
        "letters, digits, '-' and '_', 1 to 255 characters (Glue security configuration naming)");
    }
    this.securityConfigurationName = name;

    this.encryptionKey = props.encryptionKey ?? new kms.Key(this, 'Key', {
      description: `Encrypts the logs, bookmarks and temporary files of the Glue jobs of ${this.node.path}`,
      enableKeyRotation: true,
      removalPolicy,
      pendingWindow: Duration.days(30),
    });
    if (!props.encryptionKey) denyGrantsExceptForAwsResources(this.encryptionKey);
    // CloudWatch Logs encrypts the Glue log groups (and this construct's) with the key; the
    // encryption context pins each use to a log group of this account and region.
    allowCloudWatchLogs(this.encryptionKey, 'AllowCloudWatchLogsForGlueJobLogs', { scope: this, constructName: CONSTRUCT, prop: 'encryptionKey' });

    this.securityConfiguration = new glue.SecurityConfiguration(this, 'SecurityConfiguration', {
      securityConfigurationName: name,
      cloudWatchEncryption: glue.CloudWatchEncryption.kms(this.encryptionKey),
      jobBookmarksEncryption: glue.JobBookmarksEncryption.clientSideKms(this.encryptionKey),
      removalPolicy,
    });
    // S3 encryption DISABLED: Glue sends no encryption headers, so each object takes its bucket's
    // default encryption (the lake key in a layer, this key in the temporary bucket). With SSE-KMS
    // here, every object would be encrypted with this key, which the layers' readers cannot use.
    (this.securityConfiguration.node.defaultChild as glue.CfnSecurityConfiguration)
      .addPropertyOverride('EncryptionConfiguration.S3Encryptions', [{ S3EncryptionMode: 'DISABLED' }]);

    // One log bucket per stack: the lake's when the stack has one (created before these resources).
    const accessLogs = props.accessLogsBucket ?? stackAccessLogBucket(this)
      ?? createAccessLogBucket(this, 'AccessLogs', { retention: Duration.days(90), removalPolicy, owner: 'the temporary bucket' });
    const temp = new s3.Bucket(this, 'TempBucket', {
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: this.encryptionKey,
      bucketKeyEnabled: true,
      ...secureBucketDefaults(),
      lifecycleRules: [{
        id: 'temporary-files-expiration',
        expiration: this.tempFilesExpiration,
        noncurrentVersionExpiration: Duration.days(1),
        abortIncompleteMultipartUploadAfter: Duration.days(1),
      }],
      removalPolicy,
      autoDeleteObjects: destroy,
    });
    enableServerAccessLogs(temp, accessLogs, 'glue-temp/', { scope: this, constructName: CONSTRUCT, prop: 'accessLogsBucket' });
    this.tempBucket = temp;

    // Created here, encrypted and with a retention, before any job writes: Glue would otherwise
    // create them with neither. The names are those Glue writes to for this security configuration.
    this.logGroupPrefix = `/aws-glue/jobs/${name}`;
    this.logRetentionDays = retentionDays as logs.RetentionDays;
    this.customLogGroups = [
      this.createLogGroup('ErrorLogGroup', `${this.logGroupPrefix}/error`),
      this.createLogGroup('OutputLogGroup', `${this.logGroupPrefix}/output`),
    ];

    this.notifications = new FailureNotifications(this, 'FailureNotifications');
    this.jobPolicy = this.createJobPolicy();

    acknowledgeNag(this,
      { id: 'HIPAA.Security-S3BucketReplicationEnabled', reason: 'The temporary bucket holds scratch files that expire within days; replicating them to another region would only add cost.' },
      { id: 'NIST.800.53.R5-S3BucketReplicationEnabled', reason: 'The temporary bucket holds scratch files that expire within days; replicating them to another region would only add cost.' },
      { id: 'PCI.DSS.321-S3BucketReplicationEnabled', reason: 'The temporary bucket holds scratch files that expire within days; replicating them to another region would only add cost.' },
    );
  }

  /** The `s3://` URI of a job's temporary directory. */
  public tempDirUri(jobKey: string): string {
    return `s3://${this.tempBucket.bucketName}/${tempPrefix(jobKey)}`;
  }

  /**
   * The log group ARNs a job role writes to: every group named after this security configuration
   * (`<prefix>/error`, `<prefix>/output`, and the `-role/<role>/` groups of older Glue versions),
   * and the continuous-logging group.
   */
  public jobLogGroupArns(): string[] {
    const stack = Stack.of(this);
    const arn = (pattern: string) => stack.formatArn({
      service: 'logs', resource: 'log-group', resourceName: pattern, arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    return [arn(`${this.logGroupPrefix}*`), arn(`${continuousLogGroupName(this.securityConfigurationName)}*`)];
  }

  private createJobPolicy(): iam.ManagedPolicy {
    const stack = Stack.of(this);
    const logGroups = this.jobLogGroupArns();
    const policy = new iam.ManagedPolicy(this, 'JobPolicy', {
      description: `What every Glue job of ${this.node.path} needs: the shared key, the Spark catalog's default database, the job log groups and the Glue metrics`,
      document: new iam.PolicyDocument({
        statements: [
          // The shared key, as each user of it calls KMS: the temporary bucket's SSE-KMS objects through
          // S3 (S3 calls KMS for the role, kms:ViaService = s3.<region>); the job bookmarks' client-side
          // encryption (CSE-KMS) from the job's own process (a direct call: no kms:ViaService). The logs'
          // encryption is CloudWatch Logs' own use of the key (key policy, logs.<region>), not the role's.
          new iam.PolicyStatement({
            sid: 'UseTempDirKeyThroughS3',
            actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
            resources: [this.encryptionKey.keyArn],
            conditions: { StringEquals: { 'kms:ViaService': `s3.${stack.region}.amazonaws.com` } },
          }),
          new iam.PolicyStatement({
            sid: 'UseSecurityConfigurationKey',
            actions: ['kms:Encrypt', 'kms:Decrypt', 'kms:GenerateDataKey', 'kms:DescribeKey'],
            resources: [this.encryptionKey.keyArn],
            conditions: { Null: { 'kms:ViaService': 'true' } },
          }),
          defaultDatabaseStatement(stack),
          // Listing the jobs' temporary directories (key names only): each job reads and writes only
          // its own directory (its role), but listing is shared, one statement instead of one per job.
          new iam.PolicyStatement({
            sid: 'ListTempDirs',
            actions: ['s3:ListBucket'],
            resources: [this.tempBucket.bucketArn],
            conditions: { StringLike: { 's3:prefix': [`${TEMP_DIRS_PREFIX}*`, `${SPARK_UI_PREFIX}*`] } },
          }),
          new iam.PolicyStatement({
            sid: 'WriteJobLogs',
            actions: ['logs:CreateLogGroup', 'logs:AssociateKmsKey', 'logs:CreateLogStream', 'logs:PutLogEvents'],
            resources: logGroups,
          }),
          new iam.PolicyStatement({
            sid: 'PutGlueMetrics',
            actions: ['cloudwatch:PutMetricData'],
            resources: ['*'],
            conditions: { StringEquals: { 'cloudwatch:namespace': GLUE_METRICS_NAMESPACE } },
          }),
        ],
      }),
    });
    acknowledgeNag(policy,
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason: 'CloudWatch PutMetricData has no resource-level permissions; the statement is limited to the Glue metrics namespace by the cloudwatch:namespace condition.',
      },
      ...logGroups.map(arn => ({
        id: wildcardResourceFinding(this, arn),
        reason: 'Glue names log streams after each run and creates the log groups of a security configuration on first use; the statement is limited to the log groups named after this security configuration.',
      })),
    );
    return policy;
  }

  /**
   * Creates the continuous-logging log group Glue 3.0 and 4.0 jobs write to (once), encrypted and with
   * the retention, before any such job runs. Called by the jobs that need it.
   *
   * @internal
   */
  public _useContinuousLogGroup(): void {
    this.continuousLogGroup ??= this.createLogGroup('ContinuousLogGroup', continuousLogGroupName(this.securityConfigurationName));
  }

  /**
   * The job runtime zip as one file asset of these resources, which every job's role may read (the
   * shared job policy): one grant in the template instead of one per job. The asset is named
   * `JobRuntime`, not after its path as `glue.Code.fromAsset` would name it: the package's folder
   * differs between machines (and, in a Python app, is the jsii runtime's copy of the package), and
   * a CDK pipeline names its publishing actions after the asset's construct. Called by the jobs
   * that ship the runtime.
   *
   * @internal
   */
  public _jobRuntimeCode(zip: string): glue.Code {
    if (this.jobRuntime === undefined) {
      const asset = new s3assets.Asset(this, 'JobRuntime', { path: zip });
      this.jobRuntime = glue.Code.fromBucket(asset.bucket, asset.s3ObjectKey);
      this.jobPolicy.addStatements(new iam.PolicyStatement({
        sid: 'ReadJobRuntime',
        actions: ['s3:GetObject'],
        resources: [Stack.of(this).formatArn({
          service: 's3',
          region: '',
          account: '',
          resource: asset.s3BucketName,
          resourceName: asset.s3ObjectKey,
          arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
        })],
      }));
    }
    return this.jobRuntime;
  }

  /**
   * Whether `code` is the job runtime of these resources (read through the shared job policy).
   *
   * @internal
   */
  public _isJobRuntimeCode(code: glue.Code): boolean {
    return code === this.jobRuntime;
  }

  private createLogGroup(id: string, logGroupName: string): logs.LogGroup {
    return new logs.LogGroup(this, id, {
      logGroupName,
      encryptionKey: this.encryptionKey,
      retention: this.logRetentionDays,
      removalPolicy: this.removalPolicy,
    });
  }

  /** The key prefix of a job's temporary directory. */
  public tempDirPrefix(jobKey: string): string {
    return tempPrefix(jobKey);
  }

  /**
   * Sends a readable message to `topic` when one of the registered jobs' runs fails or times out.
   * Jobs are grouped into as few EventBridge rules as the event pattern size allows.
   */
  public notifyOnFailure(jobName: string, topic: sns.ITopic): void {
    this.notifications.add(jobName, topic);
  }

  /** The rules that route failed runs to topics (one or more per topic). */
  public get failureRules(): events.Rule[] {
    return this.notifications.rules;
  }
}

/** `jobs/<key>/`: one temporary directory per job. */
/** Where jobs' temporary directories are in the temporary bucket (`jobs/<job>/`). */
const TEMP_DIRS_PREFIX = 'jobs/';

function tempPrefix(jobKey: string): string {
  return `${TEMP_DIRS_PREFIX}${jobKey}/`;
}

/** Where jobs with the Spark UI write their event logs in the temporary bucket (`spark-ui/<job>/`). */
export const SPARK_UI_PREFIX = 'spark-ui/';

/**
 * The continuous-logging log group of jobs with a security configuration (Glue 3.0 and 4.0): Glue
 * appends the configuration's name to `/aws-glue/jobs/logs-v2`.
 */
export function continuousLogGroupName(securityConfigurationName: string): string {
  return `/aws-glue/jobs/logs-v2-${securityConfigurationName}`;
}

/**
 * With `--enable-glue-datacatalog`, Spark's Hive-compatible Glue catalog client calls
 * `GetDatabase('default')` when it starts and `CreateDatabase('default')` when the account has no
 * `default` database (aws-glue-data-catalog-client-for-apache-hive-metastore,
 * `AWSCatalogMetastoreClient`; Glue troubleshooting "Unable to verify existence of default
 * database"). Exactly these two actions, on the catalog and `database/default` only: no other
 * database, no table of `default`.
 */
function defaultDatabaseStatement(stack: Stack): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid: 'UseDefaultDatabaseOfSparkCatalog',
    actions: ['glue:GetDatabase', 'glue:CreateDatabase'],
    resources: [
      stack.formatArn({ service: 'glue', resource: 'catalog' }),
      stack.formatArn({ service: 'glue', resource: 'database', resourceName: 'default', arnFormat: ArnFormat.SLASH_RESOURCE_NAME }),
    ],
  });
}
