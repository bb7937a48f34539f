import { ArnFormat, Duration, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type { IConstruct } from 'constructs';
import { Described, LakeValidationError } from './errors';

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

/** Who needs CloudWatch Logs to use a key, for the error when the key's policy cannot be changed. */
export interface KeyPolicyOwner {
  /** The construct that receives the key. */
  readonly scope: IConstruct;
  /** Its type, e.g. `SharedJobResources`. */
  readonly constructName: string;
  /** The prop that carries the key. */
  readonly prop: string;
}

/**
 * Lets CloudWatch Logs of the stack's region use `key` for the log groups of this account and
 * region only (the encryption context names the log group).
 *
 * CloudWatch Logs refuses to create a log group with a key whose policy does not allow it. The
 * statement can be added only to a key this app defines: for an imported key
 * (`kms.Key.fromKeyArn`) `addToResourcePolicy` adds nothing, so this throws a
 * `LakeValidationError` (quoting the statement the key's policy would need) rather than let every
 * encrypted log group fail at deploy time.
 */
export function allowCloudWatchLogs(key: kms.IKey, sid: string, owner?: KeyPolicyOwner): void {
  const stack = Stack.of(key);
  const added = key.addToResourcePolicy(new iam.PolicyStatement({
    sid,
    principals: [new iam.ServicePrincipal(`logs.${stack.region}.amazonaws.com`)],
    actions: CLOUDWATCH_LOGS_KEY_ACTIONS,
    resources: ['*'],
    conditions: {
      ArnLike: {
        'kms:EncryptionContext:aws:logs:arn': stack.formatArn({
          service: 'logs', resource: 'log-group', resourceName: '*', arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        }),
      },
    },
  }));
  if (added.statementAdded) return;
  throw new LakeValidationError(owner?.scope ?? key, owner?.constructName ?? 'CloudWatch Logs encryption', owner?.prop ?? 'encryptionKey',
    new Described(`the imported key at '${key.node.path}', whose key policy this app cannot change`),
    `a key defined in this app (new kms.Key), whose key policy receives the statement without which CloudWatch Logs refuses to create the encrypted log groups (the policy of an imported key cannot be changed from this app; where that key is managed, its policy needs: ${cloudWatchLogsStatementText(stack, key, sid)})`);
}

/** What CloudWatch Logs needs on a key that encrypts log groups. */
const CLOUDWATCH_LOGS_KEY_ACTIONS = ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'];

/** The key policy statement as JSON text, with placeholders where the region, account or partition is unresolved. */
function cloudWatchLogsStatementText(stack: Stack, key: kms.IKey, sid: string): string {
  const region = Token.isUnresolved(stack.region) ? '<region>' : stack.region;
  const account = Token.isUnresolved(stack.account) ? '<account>' : stack.account;
  // The stack's partition is always a token; an imported key's literal ARN names it.
  const partition = Token.isUnresolved(key.keyArn) ? '<partition>' : key.keyArn.split(':')[1];
  return JSON.stringify({
    Sid: sid,
    Effect: 'Allow',
    Principal: { Service: `logs.${region}.amazonaws.com` },
    Action: CLOUDWATCH_LOGS_KEY_ACTIONS,
    Resource: '*',
    Condition: { ArnLike: { 'kms:EncryptionContext:aws:logs:arn': `arn:${partition}:logs:${region}:${account}:log-group:*` } },
  });
}
