import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import { SharedJobResources } from '../../src';
import { allowCloudWatchLogs } from '../../src/private/logs';

const KEY_ARN = 'arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const STATEMENT = (sid: string, partition: string, region: string, account: string) => JSON.stringify({
  Sid: sid,
  Effect: 'Allow',
  Principal: { Service: `logs.${region}.amazonaws.com` },
  Action: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
  Resource: '*',
  Condition: { ArnLike: { 'kms:EncryptionContext:aws:logs:arn': `arn:${partition}:logs:${region}:${account}:log-group:*` } },
});

function stack(env = true): Stack {
  return new Stack(new App(), 'Stack', env ? { env: { account: '111111111111', region: 'eu-west-1' } } : {});
}

describe('a key CloudWatch Logs encrypts log groups with (issue 15, defect 7)', () => {
  test('a key defined in the app receives the statement in its key policy', () => {
    const s = stack();
    new SharedJobResources(s, 'Jobs', { encryptionKey: new kms.Key(s, 'Key', { enableKeyRotation: true }) });
    const key = Object.values(Template.fromStack(s).findResources('AWS::KMS::Key'))[0] as any;
    const statement = key.Properties.KeyPolicy.Statement.find((st: any) => st.Sid === 'AllowCloudWatchLogsForGlueJobLogs');
    expect(statement.Principal).toEqual({ Service: 'logs.eu-west-1.amazonaws.com' });
  });

  test.each<[string, boolean, string]>([
    ['an environment', true, STATEMENT('AllowCloudWatchLogsForGlueJobLogs', 'aws', 'eu-west-1', '111111111111')],
    ['no environment', false, STATEMENT('AllowCloudWatchLogsForGlueJobLogs', 'aws', '<region>', '<account>')],
  ])('an imported key is refused, with the statement to add to its key policy (stack with %s)', (_, env, statement) => {
    const s = stack(env);
    const imported = kms.Key.fromKeyArn(s, 'Imported', KEY_ARN);
    expect(() => new SharedJobResources(s, 'Jobs', { encryptionKey: imported })).toThrow(
      "SharedJobResources at 'Stack/Jobs': invalid prop 'encryptionKey': received the imported key at 'Stack/Imported', whose key policy this app cannot change; "
      + 'expected a key defined in this app (new kms.Key), whose key policy receives the statement without which CloudWatch Logs refuses to create the encrypted log groups '
      + `(the policy of an imported key cannot be changed from this app; where that key is managed, its policy needs: ${statement})`);
  });

  test('without an owner, the error names the key', () => {
    const s = stack();
    const imported = kms.Key.fromKeyArn(s, 'Imported', KEY_ARN);
    expect(() => allowCloudWatchLogs(imported, 'Logs')).toThrow(
      /^CloudWatch Logs encryption at 'Stack\/Imported': invalid prop 'encryptionKey': received the imported key at 'Stack\/Imported'/);
  });
});
