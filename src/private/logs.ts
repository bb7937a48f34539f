import { ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type { IConstruct } from 'constructs';
import { LakeValidationError } from './errors';

/** The retention periods CloudWatch Logs accepts, in days. */
export const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];

/**
 * Validates a log retention; returns its days. A log group's retention is written as a number of
 * days at synth time, so an unresolved duration is refused rather than lost.
 */
export function requireLogRetention(scope: IConstruct, constructName: string, prop: string, retention: Duration): number {
  if (retention.isUnresolved()) {
    throw new LakeValidationError(scope, constructName, prop, retention, 'a resolved duration (one of the retention periods CloudWatch Logs accepts)');
  }
  const days = retention.toDays({ integral: false });
  if (!LOG_RETENTION_DAYS.includes(days)) {
    throw new LakeValidationError(scope, constructName, prop, retention,
      `one of the retention periods CloudWatch Logs accepts, in days: ${LOG_RETENTION_DAYS.join(', ')}`);
  }
  return days;
}

/**
 * Lets CloudWatch Logs of the stack's region use `key` for the log groups of this account and
 * region only (the encryption context names the log group).
 */
export function allowCloudWatchLogs(key: kms.IKey, sid: string): void {
  const stack = Stack.of(key);
  key.addToResourcePolicy(new iam.PolicyStatement({
    sid,
    principals: [new iam.ServicePrincipal(`logs.${stack.region}.amazonaws.com`)],
    actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
    resources: ['*'],
    conditions: {
      ArnLike: {
        'kms:EncryptionContext:aws:logs:arn': stack.formatArn({
          service: 'logs', resource: 'log-group', resourceName: '*', arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        }),
      },
    },
  }));
}
