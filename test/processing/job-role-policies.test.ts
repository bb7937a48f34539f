import { Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { lakeStack, newStack, script } from './fixtures';
import { BronzeSilverGoldLake, GlueJob } from '../../src';
import { roleStatements } from '../helpers/iam';
import { expectNoNagFindings } from '../helpers/nag';
import { render } from '../helpers/render';

/** The logical ids of the customer-managed policies a role lists. */
function managedPolicyIds(template: Template, job: GlueJob): string[] {
  const roleId = Stack.of(job).getLogicalId(job.role.node.defaultChild as iam.CfnRole);
  return (template.toJSON().Resources[roleId].Properties.ManagedPolicyArns ?? []).map((a: any) => a.Ref);
}

/** Every (action, resource) pair of the statements, rendered: the exact grants, however statements are merged. */
function pairs(statements: any[]): string[] {
  return statements.flatMap(s => [s.Action].flat().flatMap((a: string) => [s.Resource].flat().map((r: unknown) =>
    `${a} ${render(r)}${s.Condition ? ` if ${JSON.stringify(s.Condition)}` : ''}`))).sort();
}

describe('a job role: its own grants inline, what jobs share in managed policies', () => {
  test('jobs reading a prefix of a layer share the layer\'s reading-jobs policy; the prefix stays in each role', () => {
    const { stack, lake } = lakeStack();
    const a = new GlueJob(stack, 'A', { script: script() }).readsFrom(lake.bronze, { prefix: 'orders/' });
    const b = new GlueJob(stack, 'B', { script: script() }).readsFrom(lake.bronze, { prefix: 'customers/' });
    const template = Template.fromStack(stack);
    const policies = template.findResources('AWS::IAM::ManagedPolicy');
    const reading = Object.keys(policies).filter(id => id.startsWith('LakeBronzeReadingJobsPolicy'));
    expect(reading).toHaveLength(1);
    for (const job of [a, b]) expect(managedPolicyIds(template, job)).toContain(reading[0]);
    const shared = pairs(policies[reading[0]].Properties.PolicyDocument.Statement);
    expect(shared).toEqual(expect.arrayContaining([
      expect.stringMatching(/^s3:GetBucketLocation <LakeBronzeBucket\w+\.Arn>$/),
      expect.stringMatching(/^kms:Decrypt <LakeKey\w+\.Arn> if \{"StringEquals":\{"kms:ViaService":"s3\.eu-west-1\.amazonaws\.com"\}\}$/),
      expect.stringMatching(/^glue:GetTable arn:aws:glue:eu-west-1:111111111111:table\/<LakeBronzeDatabase\w+>\/\*$/),
    ]));
    expect(shared.filter(p => /orders|customers|s3:GetObject|s3:PutObject|kms:Encrypt|kms:GenerateDataKey|glue:(Create|Update|Delete|Batch(Create|Update|Delete))/.test(p))).toEqual([]);
    // Each role keeps its own prefix, and not the other's.
    const own = pairs(roleStatements(template, a.role));
    expect(own.some(p => p.includes('/orders/*'))).toBe(true);
    expect(own.some(p => p.includes('customers'))).toBe(false);
    expect(own.some(p => /GetBucketLocation|kms:|glue:/.test(p))).toBe(false);
    expectNoNagFindings(stack);
  });

  test('the effective grants are those of LakeLayer.grantRead / grantReadWrite: only where they live changes', () => {
    const { stack, lake } = lakeStack();
    const job = new GlueJob(stack, 'Job', { script: script() })
      .readsFrom(lake.bronze, { prefix: 'orders/' })
      .writesTo(lake.silver, { prefix: 'orders/', tables: ['orders'] });
    const role = new iam.Role(stack, 'Plain', { assumedBy: new iam.ServicePrincipal('glue.amazonaws.com') });
    lake.bronze.grantRead(role, 'orders/');
    lake.silver.grantReadWrite(role, 'orders/', ['orders']);
    const template = Template.fromStack(stack);
    const jobGrants = new Set(pairs(roleStatements(template, job.role, { managed: true })));
    const plainGrants = new Set(pairs(roleStatements(template, role)));
    // Every grant of the layers' own methods, and besides them only what a job runs with (its code, its
    // temporary directory, the shared key, the log groups, the metrics, the Spark catalog's default database).
    expect([...plainGrants].filter(p => !jobGrants.has(p))).toEqual([]);
    const runtime = /TempBucket|CdkGlueLakeSharedJobResourcesKey|^logs:|^cloudwatch:|database\/default$|cdk-hnb659fds-assets|^glue:(GetDatabase|CreateDatabase) arn:aws:glue:eu-west-1:111111111111:catalog$/;
    expect([...jobGrants].filter(p => !plainGrants.has(p) && !runtime.test(p))).toEqual([]);
  });

  test('a writing job gets the layer\'s writing-jobs policy (the key for encryption), a reading job of the same layer the reading one', () => {
    const { stack, lake } = lakeStack();
    const writer = new GlueJob(stack, 'W', { script: script() }).writesTo(lake.silver, { prefix: 'out/' });
    const reader = new GlueJob(stack, 'R', { script: script() }).readsFrom(lake.silver, { prefix: 'out/' });
    const template = Template.fromStack(stack);
    expect(managedPolicyIds(template, writer).filter(id => id.startsWith('LakeSilver'))).toEqual([expect.stringMatching(/^LakeSilverWritingJobsPolicy/)]);
    expect(managedPolicyIds(template, reader).filter(id => id.startsWith('LakeSilver'))).toEqual([expect.stringMatching(/^LakeSilverReadingJobsPolicy/)]);
    const writing = Object.entries(template.findResources('AWS::IAM::ManagedPolicy')).find(([id]) => id.startsWith('LakeSilverWritingJobsPolicy'))![1];
    expect(pairs(writing.Properties.PolicyDocument.Statement).filter(p => p.startsWith('kms:')).map(p => p.split(' ')[0])).toEqual(
      ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey']);
  });

  test.each([
    [9, 'warns: deployable only where the quota was raised', 'warning'],
    [19, 'fails synthesis naming the job: past the most IAM allows', 'error'],
  ])('%s managed policies added to a job role (2 of the library\'s): %s', (extra, _what, outcome) => {
    const { stack, lake } = lakeStack();
    const job = new GlueJob(stack, 'Job', { script: script() }).readsFrom(lake.bronze, { prefix: 'orders/' });
    for (let i = 0; i < extra; i++) {
      job.role.addManagedPolicy(new iam.ManagedPolicy(stack, `Extra${i}`, {
        statements: [new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [`arn:aws:s3:::extra-${i}/*`] })],
      }));
    }
    if (outcome === 'error') {
      expect(() => Template.fromStack(stack)).toThrow(
        "GlueJob at 'Stack/Job': invalid prop 'grants': received 21 managed policies on its role; expected at most 20, the most IAM allows on a role even with a raised quota (each layer a job reads or writes a prefix of adds one, and the shared job policy one): remove managed policies added to the role, or split the job");
    } else {
      Template.fromStack(stack);
      const warnings = Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('managedPolicyQuota'));
      expect(warnings.map(w => w.entry.data)).toEqual([
        "GlueJob at 'Stack/Job': its role has 11 managed policies, over IAM's default quota of 10 per role; the deployment fails unless the account's quota was raised (up to 20) (each layer a job reads or writes a prefix of adds one, and the shared job policy one): remove managed policies added to the role, or split the job. [ack: cdk-glue-lake:managedPolicyQuota]",
      ]);
    }
  });

});

describe('one access-log bucket per stack', () => {
  test('the shared job resources log to the access-log bucket of a lake defined earlier in the stack', () => {
    const { stack, lake } = lakeStack();
    const job = new GlueJob(stack, 'Job', { script: script() });
    const template = Template.fromStack(stack);
    const buckets = template.findResources('AWS::S3::Bucket');
    const logBucketId = Stack.of(lake).getLogicalId(lake.accessLogsBucket.node.defaultChild as any);
    const tempId = Stack.of(job).getLogicalId(job.shared.tempBucket.node.defaultChild as any);
    expect(buckets[tempId].Properties.LoggingConfiguration).toEqual({ DestinationBucketName: { Ref: logBucketId }, LogFilePrefix: 'glue-temp/' });
    expect(Object.keys(buckets).filter(id => /AccessLogs/.test(id))).toEqual([logBucketId]);
    expectNoNagFindings(stack);
  });

  test('without a lake earlier in the stack they keep a log bucket of their own', () => {
    const stack = newStack();
    const job = new GlueJob(stack, 'Job', { script: script() });
    new BronzeSilverGoldLake(stack, 'Lake');
    const buckets = Template.fromStack(stack).findResources('AWS::S3::Bucket');
    const tempId = Stack.of(job).getLogicalId(job.shared.tempBucket.node.defaultChild as any);
    expect(buckets[tempId].Properties.LoggingConfiguration.DestinationBucketName.Ref).toMatch(/^CdkGlueLakeSharedJobResourcesAccessLogs/);
  });
});
