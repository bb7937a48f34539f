import { ArnFormat, Names, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { denyGrantsExceptForAwsResources } from '../private/control-tower';
import { LakeValidationError } from '../private/errors';

const CONSTRUCT = 'AlertTopic';
const EVENTS = 'events.amazonaws.com';
const CLOUDWATCH = 'cloudwatch.amazonaws.com';
/** What a publishing service needs on the key of an encrypted topic (SNS Developer Guide, "Key management"). */
const PUBLISH_KEY_ACTIONS = ['kms:GenerateDataKey*', 'kms:Decrypt'];

/** Properties of an `AlertTopic`. */
export interface AlertTopicProps {
  /**
   * The topic's name: letters, digits, `-` and `_`, 1 to 256 characters (a standard topic).
   *
   * The key policy names the topic by its ARN, so the name is fixed at synthesis.
   *
   * @default - a name unique in the app, derived from the construct path
   */
  readonly topicName?: string;

  /**
   * The display name of the topic (the sender name of email and SMS subscriptions).
   *
   * @default - no display name
   */
  readonly displayName?: string;
}

/**
 * An SNS topic for alerts (failed job runs, orchestrator alarms), encrypted with a KMS key of its own.
 *
 * What it builds:
 * - a KMS key with yearly automatic rotation, used by this topic only (`encryptionKey`);
 * - a standard topic encrypted with that key that refuses requests without TLS (`enforceSSL`), `topic`.
 *
 * Only the account (through IAM) may use the key until a publishing service is admitted:
 * - `allowCloudWatchAlarms()`: CloudWatch alarms of this account and Region may publish
 *   (topic policy and key policy both require `aws:SourceAccount` = this account and
 *   `aws:SourceArn` like `arn:<partition>:cloudwatch:<region>:<account>:alarm:*`);
 * - `allowEventBridgeRules()`: EventBridge rules of this account and Region may publish (the topic
 *   policy requires `aws:SourceAccount` and `aws:SourceArn` like `...:events:<region>:<account>:rule/*`;
 *   the key policy requires the SNS encryption context `aws:sns:topicArn` = this topic, because the
 *   SNS Developer Guide says `aws:SourceAccount`/`aws:SourceArn` in a key policy are not supported
 *   for EventBridge publishing to an encrypted topic).
 *
 * `topic.grantPublish` to the EventBridge or CloudWatch service principal (as the rule target
 * `aws-events-targets.SnsTopic` does) admits that service with these conditions instead of the
 * unconditional statements an `sns.Topic` adds; any other grantee gets the `sns.Topic` grant.
 */
export class AlertTopic extends Construct {
  /** The topic: pass it as `failureTopic` of a job or `alarmTopic` of an orchestrator. */
  public readonly topic: sns.ITopic;
  /** The key that encrypts this topic's messages; it encrypts nothing else. */
  public readonly encryptionKey: kms.IKey;

  private readonly key: kms.Key;
  private readonly resource: sns.Topic;
  private readonly admitted = new Set<string>();
  private readonly topicArnForKeyPolicy: string;

  constructor(scope: Construct, id: string, props: AlertTopicProps = {}) {
    super(scope, id);
    const topicName = props.topicName ?? Names.uniqueResourceName(this, { maxLength: 256, separator: '-' });
    if (!Token.isUnresolved(topicName) && !/^[A-Za-z0-9_-]{1,256}$/.test(topicName)) {
      throw new LakeValidationError(this, CONSTRUCT, 'topicName', topicName,
        "letters, digits, '-' and '_', 1 to 256 characters (SNS standard topic naming)");
    }
    this.key = new kms.Key(this, 'Key', {
      description: `Encrypts the messages of the alert topic ${this.node.path}`,
      enableKeyRotation: true,
    });
    denyGrantsExceptForAwsResources(this.key);
    this.encryptionKey = this.key;
    this.resource = new AdmittingTopic(this, 'Resource', {
      topicName, displayName: props.displayName, masterKey: this.key, enforceSSL: true,
    }, this);
    this.topic = this.resource;
    // The key policy cannot reference the topic (the topic references the key): the ARN is built from the name.
    this.topicArnForKeyPolicy = Stack.of(this).formatArn({ service: 'sns', resource: topicName });
  }

  /** Lets CloudWatch alarms of this account and Region publish to the topic (alarm actions). Idempotent. */
  public allowCloudWatchAlarms(): void {
    if (this.admitted.has(CLOUDWATCH)) return;
    this.admitted.add(CLOUDWATCH);
    const stack = Stack.of(this);
    const conditions = {
      StringEquals: { 'aws:SourceAccount': stack.account },
      ArnLike: {
        'aws:SourceArn': stack.formatArn({ service: 'cloudwatch', resource: 'alarm', resourceName: '*', arnFormat: ArnFormat.COLON_RESOURCE_NAME }),
      },
    };
    this.resource.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'AllowPublishFromCloudWatchAlarms',
      principals: [new iam.ServicePrincipal(CLOUDWATCH)],
      actions: ['sns:Publish'],
      resources: [this.resource.topicArn],
      conditions,
    }));
    this.key.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'AllowCloudWatchAlarmsToPublishToTheTopic',
      principals: [new iam.ServicePrincipal(CLOUDWATCH)],
      actions: PUBLISH_KEY_ACTIONS,
      resources: ['*'],
      conditions,
    }));
  }

  /** Lets EventBridge rules of this account and Region publish to the topic (rule targets). Idempotent. */
  public allowEventBridgeRules(): void {
    if (this.admitted.has(EVENTS)) return;
    this.admitted.add(EVENTS);
    const stack = Stack.of(this);
    this.resource.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'AllowPublishFromEventBridgeRules',
      principals: [new iam.ServicePrincipal(EVENTS)],
      actions: ['sns:Publish'],
      resources: [this.resource.topicArn],
      conditions: {
        StringEquals: { 'aws:SourceAccount': stack.account },
        ArnLike: { 'aws:SourceArn': stack.formatArn({ service: 'events', resource: 'rule', resourceName: '*' }) },
      },
    }));
    this.key.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'AllowEventBridgeToPublishToTheTopic',
      principals: [new iam.ServicePrincipal(EVENTS)],
      actions: PUBLISH_KEY_ACTIONS,
      resources: ['*'],
      conditions: { StringEquals: { 'kms:EncryptionContext:aws:sns:topicArn': this.topicArnForKeyPolicy } },
    }));
  }

  /** @internal the service principal of `grantee` if it is one this construct admits with conditions. */
  public _admit(grantee: iam.IGrantable): boolean {
    const principal = grantee.grantPrincipal;
    const service = principal instanceof iam.ServicePrincipal ? principal.service : undefined;
    if (service === EVENTS) this.allowEventBridgeRules();
    else if (service === CLOUDWATCH) this.allowCloudWatchAlarms();
    else return false;
    return true;
  }
}

/** The topic of an `AlertTopic`: publishing services are admitted with conditions on their source. */
class AdmittingTopic extends sns.Topic {
  constructor(scope: Construct, id: string, props: sns.TopicProps, private readonly owner: AlertTopic) {
    super(scope, id, props);
  }

  public grantPublish(grantee: iam.IGrantable): iam.Grant {
    if (this.owner._admit(grantee)) {
      return iam.Grant.drop(grantee, `sns:Publish on ${this.node.path} (admitted by the topic and key policies with source conditions)`);
    }
    return super.grantPublish(grantee);
  }
}
