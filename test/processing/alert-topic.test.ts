import { Duration } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cw_actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import { newStack, onlyResource } from './fixtures';
import { AlertTopic } from '../../src';
import { expectNoNagFindings } from '../helpers/nag';
import { render } from '../helpers/render';

/** The statements of the only key policy, with every value rendered to a string. */
function keyStatements(template: Template): any[] {
  return onlyResource(template, 'AWS::KMS::Key').props.KeyPolicy.Statement.map(renderDeep);
}

/** The statements of the only topic policy, rendered. */
function topicStatements(template: Template): any[] {
  return onlyResource(template, 'AWS::SNS::TopicPolicy').props.PolicyDocument.Statement.map(renderDeep);
}

function renderDeep(value: any): any {
  if (Array.isArray(value)) return value.map(renderDeep);
  if (value && typeof value === 'object') {
    if (value.Ref || value['Fn::GetAtt'] || value['Fn::Join']) return render(value);
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, renderDeep(v)]));
  }
  return value;
}

/** Statements that name `service` as principal. */
function forService(statements: any[], service: string): any[] {
  return statements.filter(s => [s.Principal?.Service].flat().includes(service));
}

const ALARMS = 'arn:aws:cloudwatch:eu-west-1:111111111111:alarm:*';
const RULES = 'arn:aws:events:eu-west-1:111111111111:rule/*';

/** An alert topic that a rule targets and an alarm notifies, as the lake's jobs and orchestrator do. */
function alertStack() {
  const stack = newStack();
  const alerts = new AlertTopic(stack, 'Alerts');
  const rule = new events.Rule(stack, 'Failed', { eventPattern: { source: ['aws.glue'] } });
  rule.addTarget(new targets.SnsTopic(alerts.topic));
  const alarm = new cloudwatch.Alarm(stack, 'Alarm', {
    metric: new cloudwatch.Metric({ namespace: 'Glue', metricName: 'x', period: Duration.minutes(5) }),
    threshold: 1,
    evaluationPeriods: 1,
  });
  alarm.addAlarmAction(new cw_actions.SnsAction(alerts.topic));
  alerts.allowCloudWatchAlarms();
  return { stack, alerts, template: Template.fromStack(stack) };
}

describe('AlertTopic', () => {
  const { alerts: wired, template } = alertStack();

  test('a topic encrypted with a rotated key of its own, refusing requests without TLS, named at synthesis', () => {
    const key = onlyResource(template, 'AWS::KMS::Key');
    expect(key.props.EnableKeyRotation).toBe(true);
    const topic = onlyResource(template, 'AWS::SNS::Topic');
    expect(topic.props.KmsMasterKeyId).toEqual({ 'Fn::GetAtt': [key.logicalId, 'Arn'] });
    expect(topic.props.TopicName).toMatch(/^Stack-Alerts-[0-9A-F]{8}$/);
    expect(topicStatements(template)).toContainEqual(expect.objectContaining({
      Effect: 'Deny', Action: 'sns:Publish', Condition: { Bool: { 'aws:SecureTransport': 'false' } },
    }));
  });

  test('the key policy admits CloudWatch alarms of this account and region only', () => {
    expect(forService(keyStatements(template), 'cloudwatch.amazonaws.com')).toEqual([{
      Sid: 'AllowCloudWatchAlarmsToPublishToTheTopic',
      Effect: 'Allow',
      Principal: { Service: 'cloudwatch.amazonaws.com' },
      Action: ['kms:GenerateDataKey*', 'kms:Decrypt'],
      Resource: '*',
      Condition: { StringEquals: { 'aws:SourceAccount': '111111111111' }, ArnLike: { 'aws:SourceArn': ALARMS } },
    }]);
  });

  test('the key policy admits EventBridge for this topic only (SNS encryption context), with no unconditional statement', () => {
    const topicName = onlyResource(template, 'AWS::SNS::Topic').props.TopicName;
    expect(forService(keyStatements(template), 'events.amazonaws.com')).toEqual([{
      Sid: 'AllowEventBridgeToPublishToTheTopic',
      Effect: 'Allow',
      Principal: { Service: 'events.amazonaws.com' },
      Action: ['kms:GenerateDataKey*', 'kms:Decrypt'],
      Resource: '*',
      Condition: { StringEquals: { 'kms:EncryptionContext:aws:sns:topicArn': `arn:aws:sns:eu-west-1:111111111111:${topicName}` } },
    }]);
  });

  test('the topic policy lets alarms and rules of this account and region publish, and no service without conditions', () => {
    const statements = topicStatements(template);
    const topicId = onlyResource(template, 'AWS::SNS::Topic').logicalId;
    expect(forService(statements, 'cloudwatch.amazonaws.com')).toEqual([{
      Sid: 'AllowPublishFromCloudWatchAlarms',
      Effect: 'Allow',
      Principal: { Service: 'cloudwatch.amazonaws.com' },
      Action: 'sns:Publish',
      Resource: `<${topicId}>`,
      Condition: { StringEquals: { 'aws:SourceAccount': '111111111111' }, ArnLike: { 'aws:SourceArn': ALARMS } },
    }]);
    expect(forService(statements, 'events.amazonaws.com')).toEqual([{
      Sid: 'AllowPublishFromEventBridgeRules',
      Effect: 'Allow',
      Principal: { Service: 'events.amazonaws.com' },
      Action: 'sns:Publish',
      Resource: `<${topicId}>`,
      Condition: { StringEquals: { 'aws:SourceAccount': '111111111111' }, ArnLike: { 'aws:SourceArn': RULES } },
    }]);
    expect(statements.filter(s => s.Effect === 'Allow' && !s.Condition)).toEqual([]);
  });

  test('the rule targets the topic without a role (EventBridge uses the topic policy) and the alarm notifies it', () => {
    const topicId = onlyResource(template, 'AWS::SNS::Topic').logicalId;
    const target = onlyResource(template, 'AWS::Events::Rule').props.Targets[0];
    expect(target.Arn).toEqual({ Ref: topicId });
    expect(target.RoleArn).toBeUndefined();
    expect(onlyResource(template, 'AWS::CloudWatch::Alarm').props.AlarmActions).toEqual([{ Ref: topicId }]);
  });

  test('without allow calls or grants, no service may publish or use the key', () => {
    const s = newStack();
    new AlertTopic(s, 'Alerts');
    const t = Template.fromStack(s);
    expect(keyStatements(t).filter(st => st.Principal?.Service)).toEqual([]);
    expect(topicStatements(t).filter(st => st.Effect === 'Allow')).toEqual([]);
  });

  test('allow calls and grants to the same service add each statement once', () => {
    const s = newStack();
    const alerts = new AlertTopic(s, 'Alerts');
    alerts.allowEventBridgeRules();
    alerts.topic.grantPublish(new iam.ServicePrincipal('events.amazonaws.com'));
    alerts.allowCloudWatchAlarms();
    alerts.topic.grantPublish(new iam.ServicePrincipal('cloudwatch.amazonaws.com'));
    const t = Template.fromStack(s);
    expect(keyStatements(t).filter(st => st.Principal?.Service).map(st => st.Sid)).toEqual([
      'AllowEventBridgeToPublishToTheTopic', 'AllowCloudWatchAlarmsToPublishToTheTopic',
    ]);
    expect(topicStatements(t).filter(st => st.Effect === 'Allow').map(st => st.Sid)).toEqual([
      'AllowPublishFromEventBridgeRules', 'AllowPublishFromCloudWatchAlarms',
    ]);
  });

  test('any other grantee gets sns:Publish and the key as an sns.Topic grants them', () => {
    const s = newStack();
    const alerts = new AlertTopic(s, 'Alerts');
    const role = new iam.Role(s, 'Publisher', { assumedBy: new iam.AccountRootPrincipal() });
    alerts.topic.grantPublish(role);
    const t = Template.fromStack(s);
    const statements = onlyResource(t, 'AWS::IAM::Policy').props.PolicyDocument.Statement.map(renderDeep);
    expect(statements.map((st: any) => st.Action)).toEqual(['sns:Publish', ['kms:Decrypt', 'kms:GenerateDataKey*']]);
  });

  test('encryptionKey is the topic\'s key', () => {
    const s = newStack();
    const alerts = new AlertTopic(s, 'Alerts');
    expect(alerts.encryptionKey).toBe(alerts.topic.masterKey);
  });

  test.each([
    ['', '""'],
    ['alerts.fifo', '"alerts.fifo"'],
    ['a'.repeat(257), JSON.stringify('a'.repeat(257))],
    ['alerts topic', '"alerts topic"'],
  ])('topicName %j is refused', (topicName, received) => {
    const s = newStack();
    expect(() => new AlertTopic(s, 'Alerts', { topicName })).toThrow(
      `AlertTopic at 'Stack/Alerts': invalid prop 'topicName': received ${received}; expected letters, digits, '-' and '_', 1 to 256 characters (SNS standard topic naming)`,
    );
  });

  test('a topicName is used as given, in the topic and in the key policy', () => {
    const s = newStack();
    const alerts = new AlertTopic(s, 'Alerts', { topicName: 'lake-alerts' });
    alerts.allowEventBridgeRules();
    const t = Template.fromStack(s);
    expect(onlyResource(t, 'AWS::SNS::Topic').props.TopicName).toBe('lake-alerts');
    expect(forService(keyStatements(t), 'events.amazonaws.com')[0].Condition.StringEquals['kms:EncryptionContext:aws:sns:topicArn'])
      .toBe('arn:aws:sns:eu-west-1:111111111111:lake-alerts');
  });

  test('cdk-nag: zero findings on the key, the topic and its policy (publishers admitted)', () => {
    expectNoNagFindings(wired);
  });
});
