/**
 * The AWS Control Tower proactive controls (cfn-guard rules of @cdklabs/cdk-validator-cfnguard) the
 * library's resources do not meet, each with the reason a reviewer accepts. test/control-tower.test.ts
 * fails on any other finding, and on a waiver that no longer matches anything.
 */
export interface ControlTowerWaiver {
  /** The cfn-guard rule name, e.g. `s3_bucket_object_lock_enabled_check`. */
  readonly rule: string;
  /** The control, for the reader (e.g. `CT.S3.PR.9`). */
  readonly control: string;
  /** The logical ids the waiver covers (matched against the whole id). */
  readonly resource: RegExp;
  /** Why a reviewer accepts it. */
  readonly reason: string;
}

/** Logical ids of the server access log buckets (the lake's, the temporary bucket's, the pipeline's). */
const ACCESS_LOG_BUCKETS = /^(.*AccessLogs)[0-9A-F]{8}$/;

export const CONTROL_TOWER_WAIVERS: ControlTowerWaiver[] = [
  {
    rule: 's3_bucket_default_encryption_kms_check',
    control: 'CT.S3.PR.10',
    resource: ACCESS_LOG_BUCKETS,
    reason: 'S3 server access logs can be delivered only to a bucket encrypted with SSE-S3 (AES256): the logging service cannot use a KMS key '
      + '(https://docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html). The logs hold request metadata, no object data.',
  },
  {
    rule: 's3_bucket_logging_enabled_check',
    control: 'CT.S3.PR.2',
    resource: ACCESS_LOG_BUCKETS,
    reason: 'The bucket that receives server access logs does not log its own access: logging a bucket to itself would log every log delivery, '
      + 'without end; every other bucket of the library logs to it.',
  },
  {
    rule: 's3_event_notifications_enabled_check',
    control: 'CT.S3.PR.4',
    resource: /^.*(AccessLogs|BronzeBucket|SilverBucket|GoldBucket|QueryResults|TempBucket|Artifacts)[0-9A-F]{8}$/,
    reason: 'No process of the lake consumes S3 event notifications: jobs run on schedules and orchestrators, and audit comes from the server '
      + 'access logs and CloudTrail. A notification configuration with no consumer adds no control; a team that needs one adds it to the '
      + 'exposed buckets.',
  },
  {
    rule: 's3_bucket_object_lock_enabled_check',
    control: 'CT.S3.PR.9',
    resource: /^.*(AccessLogs|BronzeBucket|SilverBucket|GoldBucket|QueryResults|TempBucket|Artifacts)[0-9A-F]{8}$/,
    reason: 'Object Lock forbids the deletions the lake relies on: lifecycle expiration of logs, query results, temporary files and pipeline '
      + 'artifacts, rewrites of silver and gold, and erasure of personal data on request. Raw data that must be immutable gets Object Lock '
      + 'from RawDataProtection.objectLock on its layer.',
  },
  {
    rule: 'lambda_inside_vpc_check',
    control: 'CT.LAMBDA.PR.3',
    resource: /^.*(Dispatcher|Tokenize|Detokenize|SeedFunction)[0-9A-F]{8}$/,
    reason: 'The functions call only AWS APIs (DynamoDB, Step Functions, KMS, Glue) with IAM credentials and reach no private network; '
      + 'placing them in a VPC would need NAT or interface endpoints (a fixed hourly cost per endpoint and Availability Zone) and adds no '
      + 'control over data that IAM and KMS do not already give. The registry seed (SeedFunction) also answers CloudFormation\'s '
      + 'pre-signed S3 response URL, which a VPC would need NAT or an S3 endpoint for.',
  },
  {
    rule: 'cloudwatch_alarm_action_check',
    control: 'CT.CLOUDWATCH.PR.1',
    resource: /^.*(FailureAlarm|DispatcherAlarm)[0-9A-F]{8}$/,
    reason: 'An orchestrator created without `alarmTopic` has no recipient to notify: its alarms still change state (console, metrics) and are '
      + 'exposed (failureAlarm, dispatcherAlarm) for the team\'s own action. With `alarmTopic`, as in the example, they notify it and pass.',
  },
  {
    rule: 'sqs_dlq_check',
    control: 'CT.SQS.PR.1',
    resource: /^.*DeadLetters[0-9A-F]{8}$/,
    reason: 'A dead-letter queue has no dead-letter queue of its own: it is the last stop of failed notifications, kept 14 days and alarmed on.',
  },
];
