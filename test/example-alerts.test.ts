import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';

// The example imports the library by its package name; here it gets the library's source.
jest.mock('cdk-glue-lake', () => jest.requireActual('../src'), { virtual: true });
// eslint-disable-next-line import/order
import { LakeStack } from '../examples/lake-app/lake-stack';

/** Every Allow statement of every key policy and topic policy of the template that names a service principal. */
function serviceStatements(template: Template): { resource: string; statement: any }[] {
  const found: { resource: string; statement: any }[] = [];
  for (const [type, policyOf] of [
    ['AWS::KMS::Key', (p: any) => p.KeyPolicy],
    ['AWS::SNS::TopicPolicy', (p: any) => p.PolicyDocument],
  ] as const) {
    for (const [id, resource] of Object.entries(template.findResources(type))) {
      for (const statement of policyOf((resource as any).Properties).Statement) {
        if (statement.Effect === 'Allow' && statement.Principal?.Service) found.push({ resource: id, statement });
      }
    }
  }
  return found;
}

describe('the example app\'s alerts', () => {
  const app = new App();
  const stack = new LakeStack(app, 'SalesLake', { env: { account: '111111111111', region: 'eu-west-1' } });
  const template = Template.fromStack(stack);

  test('EventBridge and CloudWatch may not use the lake\'s data key', () => {
    const lakeKeyId = stack.getLogicalId(stack.lake.encryptionKey.node.defaultChild as any);
    const onLakeKey = serviceStatements(template)
      .filter(s => s.resource === lakeKeyId)
      .flatMap(s => [s.statement.Principal.Service].flat());
    expect(onLakeKey).not.toContain('events.amazonaws.com');
    expect(onLakeKey).not.toContain('cloudwatch.amazonaws.com');
  });

  test('every key and topic policy statement for EventBridge or CloudWatch has conditions', () => {
    const publishers = serviceStatements(template)
      .filter(s => [s.statement.Principal.Service].flat().some((p: string) => ['events.amazonaws.com', 'cloudwatch.amazonaws.com'].includes(p)));
    // Both services publish to the alert topic: a topic statement and a key statement each.
    expect(publishers).toHaveLength(4);
    expect(publishers.filter(s => !s.statement.Condition)).toEqual([]);
  });
});
