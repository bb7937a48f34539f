import { Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';

/**
 * The default retention of every log group of the lake (Glue job logs, orchestrator, tokenizer,
 * delivery pipeline builds): one year, the least AWS Control Tower's proactive control
 * CT.CLOUDWATCH.PR.2 accepts and what audit regimes commonly ask. Each construct that creates
 * log groups has a `logRetention` prop; `SharedJobResources.logRetention` is the one setting the
 * jobs and orchestrators of a lake share.
 */
export const DEFAULT_LOG_RETENTION = Duration.days(365);

/**
 * Lets only AWS services create grants on `key` (on behalf of a principal, for an AWS resource):
 * a principal that may call `kms:CreateGrant` directly could otherwise hand the key's use to
 * anyone without a key policy change. AWS Control Tower's proactive control CT.KMS.PR.3 asks for
 * exactly this statement (Deny, every principal, `kms:CreateGrant`, BoolIfExists
 * `kms:GrantIsForAWSResource` and `aws:PrincipalIsAWSService` both false). The services that use
 * the library's keys through grants (DynamoDB, Lambda, CloudWatch Logs, S3, Glue) create them with
 * `kms:GrantIsForAWSResource` true, so they are unaffected. Call it for keys this library creates
 * (an imported key's policy is its owner's).
 */
export function denyGrantsExceptForAwsResources(key: kms.IKey): void {
  key.addToResourcePolicy(new iam.PolicyStatement({
    sid: 'DenyGrantsExceptForAwsResources',
    effect: iam.Effect.DENY,
    principals: [new iam.AnyPrincipal()],
    actions: ['kms:CreateGrant'],
    resources: ['*'],
    conditions: {
      BoolIfExists: {
        'kms:GrantIsForAWSResource': 'false',
        'aws:PrincipalIsAWSService': 'false',
      },
    },
  }));
}
